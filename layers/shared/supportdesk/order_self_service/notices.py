"""The customer's confirmation of a request (e-mail, else SMS, in their language). Best effort, like the refunds'
notices: the request is recorded and sent to the storefront whatever happens to the message, and the order itself
shows the pending request."""

from __future__ import annotations

from typing import Callable, Protocol

from supportdesk import i18n
from supportdesk.notify.notifier import Notifier, Recipient
from supportdesk.observability import logger, metrics

TEMPLATE = "order_request_received"


class Contacts(Protocol):
    def recipient(self, account_id: str) -> Recipient | None: ...


class OrderNotices:
    def __init__(self, notifier: Callable[[], Notifier], contacts: Contacts) -> None:
        self._notifier = notifier  # built on first send: only then is the sender address needed
        self._contacts = contacts

    def confirm(self, customer_id: str, order_id: str, kind: str, params: dict[str, str]) -> None:
        """`kind` picks the text: messages order_request_<kind>_received."""
        try:
            recipient = self._contacts.recipient(customer_id)
            if recipient is None:
                return
            text = i18n.message(f"order_request_{kind}_received", recipient.language, order_id=order_id, **params)
            self._notifier().send(recipient, TEMPLATE, {"order_id": order_id, "kind": kind, "text": text})
        except Exception:  # noqa: BLE001 - the order shows the request; a lost message must not undo it
            logger.exception("order request confirmation failed", extra={"order_id": order_id, "kind": kind})
            metrics.add_metric(name="OrderRequestNoticeFailed", unit="Count", value=1)
