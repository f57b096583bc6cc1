"""Settings of order self-service (see supportdesk.settings for how a field is read from its variable). Table names
live in the shared Settings (the PynamoDB models resolve them there)."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.errors import ConfigurationError
from supportdesk.settings import require, settings_of


@dataclass(frozen=True)
class OrderSelfServiceSettings:
    order_event_bus_name: str = ""  # the storefront's bus (template: OrderEventBus or OrderEventBusName)
    order_request_source: str = "support-desk.orders"  # the `source` of the requests the support desk publishes
    # A request the storefront has not answered after this long may be asked again (a cancellation published
    # again, another address change accepted): a lost event must not block the customer for ever.
    order_request_pending_seconds: int = 3600

    def __post_init__(self) -> None:
        if self.order_request_pending_seconds < 60:
            raise ConfigurationError("ORDER_REQUEST_PENDING_SECONDS must be at least 60")

    def require(self, name: str) -> str:
        return require(self, name)


def order_self_service_settings() -> OrderSelfServiceSettings:
    return settings_of(OrderSelfServiceSettings)
