"""The real adapters of order self-service, once per container (see supportdesk.runtime.component). The bus name is
read on the first publish: listing and reading orders never need it."""

from __future__ import annotations

from supportdesk import ratelimit, runtime
from supportdesk.identity.wiring import account_reader
from supportdesk.notify.wiring import notifier
from supportdesk.order_self_service.notices import OrderNotices
from supportdesk.order_self_service.service import OrderSelfService
from supportdesk.order_self_service.settings import order_self_service_settings
from supportdesk.order_self_service.storefront import EventBridgePublisher
from supportdesk.orders.wiring import order_repository
from supportdesk.refunds.notices import AccountContacts
from supportdesk.refunds.repository import DynamoRefundRepository
from supportdesk.runtime import component


@component
def request_publisher() -> EventBridgePublisher:
    settings = order_self_service_settings()
    return EventBridgePublisher(
        lambda: order_self_service_settings().require("order_event_bus_name"), settings.order_request_source
    )


@component
def order_notices() -> OrderNotices:
    return OrderNotices(notifier, AccountContacts(account_reader))


@component
def order_self_service() -> OrderSelfService:
    return OrderSelfService(
        orders=order_repository(),
        refunds=DynamoRefundRepository(),
        publisher=request_publisher(),
        notices=order_notices(),
        limiter=ratelimit.rate_limiter(),
        clock=runtime.clock(),
        pending_seconds=order_self_service_settings().order_request_pending_seconds,
    )
