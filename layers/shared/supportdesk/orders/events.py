"""Reading the storefront's order events: the EventBridge envelope, the JSON Schema of each detail-type
(orders/schemas/*.json, mirrored in docs/schemas/order-events/), then the Order it describes.

A malformed event raises MalformedEvent with a reason a person can act on; nothing is written for it.
Validation uses fastjsonschema (the engine of Powertools' validation utility), each schema compiled once per
container."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import fastjsonschema

from supportdesk.orders.model import (
    EVENT_TYPES,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    PaymentRef,
    Tracking,
    TrackingEvent,
)

SCHEMAS = Path(__file__).resolve().parent / "schemas"
MAX_REASON = 500


class MalformedEvent(Exception):
    """The event cannot be applied; `reason` says why (kept with the event in the dead-letter queue)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason[:MAX_REASON]
        super().__init__(self.reason)


@lru_cache(maxsize=None)
def validator(detail_type: str) -> Callable[[Any], Any]:

    schema = json.loads((SCHEMAS / f"{detail_type}.json").read_text(encoding="utf-8"))
    return fastjsonschema.compile(schema)


def parse_event(event: Any) -> OrderEvent:
    if not isinstance(event, dict):
        raise MalformedEvent("the event is not a JSON object")
    detail_type = event.get("detail-type")
    if detail_type not in EVENT_TYPES:
        raise MalformedEvent(f"unknown detail-type {str(detail_type)[:64]!r}; expected one of {', '.join(EVENT_TYPES)}")
    detail: Any = event.get("detail")
    if isinstance(detail, str):  # PutEvents takes Detail as text; some senders forward it unparsed
        try:
            detail = json.loads(detail)
        except ValueError:
            raise MalformedEvent("detail is not valid JSON") from None

    try:
        validator(detail_type)(detail)
    except fastjsonschema.JsonSchemaValueException as invalid:
        raise MalformedEvent(f"{detail_type}: {invalid.message}") from None
    order = _order(detail)
    if order.payment is not None and order.paid_cents > order.amount_cents:
        raise MalformedEvent(f"{detail_type}: payment.paid_cents exceeds amount_cents")
    return OrderEvent(
        event_id=str(event.get("id") or ""),
        detail_type=detail_type,
        order=order,
        occurred_at=_time(detail["occurred_at"], "occurred_at"),
    )


def _time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedEvent(f"{name} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        raise MalformedEvent(f"{name} has no time zone")
    return moment.astimezone(timezone.utc)


def _optional_time(detail: dict, name: str) -> datetime | None:
    return _time(detail[name], name) if detail.get(name) else None


def _order(detail: dict) -> Order:
    payment = detail.get("payment")
    return Order(
        customer_id=detail["customer_id"],
        order_id=detail["order_id"],
        status=OrderStatus(detail["status"]),
        amount_cents=detail["amount_cents"],
        currency=detail["currency"],
        placed_at=_time(detail["placed_at"], "placed_at"),
        version=detail["version"],
        items=tuple(OrderItem(i["sku"], i["name"], i["quantity"], i["unit_price_cents"]) for i in detail["items"]),
        shipping_address=detail.get("shipping_address"),
        paid_cents=payment["paid_cents"] if payment else 0,
        payment=PaymentRef(payment["provider"], payment["charge_id"]) if payment else None,
        paid_at=_time(payment["paid_at"], "payment.paid_at") if payment else None,
        shipped_at=_optional_time(detail, "shipped_at"),
        delivered_at=_optional_time(detail, "delivered_at"),
        cancelled_at=_optional_time(detail, "cancelled_at"),
        tracking=_tracking(detail.get("tracking")),
    )


def _tracking(raw: dict | None) -> Tracking | None:
    if not raw:
        return None
    events = tuple(
        TrackingEvent(_time(e["at"], "tracking.events.at"), e["description"], e.get("location")) for e in raw["events"]
    )
    return Tracking(raw["carrier"], raw["tracking_number"], events)
