"""The orders read model's settings (see supportdesk.settings for how a field is read from its variable)."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.settings import require, settings_of


@dataclass(frozen=True)
class OrderSettings:
    order_events_dlq_url: str = ""  # where refused storefront events go with their reason

    def require(self, name: str) -> str:
        return require(self, name)


def order_settings() -> OrderSettings:
    return settings_of(OrderSettings)
