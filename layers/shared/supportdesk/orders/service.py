"""Applying the storefront's order events to the read model.

Each event carries the whole order as it stands after the change and its `version`. Applying is one conditional
upsert (see DynamoOrderRepository.upsert): the first event with a higher version wins, an older or repeated one
changes nothing, so EventBridge's at-least-once, unordered delivery cannot move an order backwards. A malformed
event is refused before anything is written (orders.events.MalformedEvent).

The same write settles the customer's pending requests the event answers (orders.model.settled_requests): once the
order has shipped or been cancelled nothing is pending any more, and OrderAddressChanged settles an address change."""

from __future__ import annotations

from dataclasses import dataclass

from supportdesk.observability import logger, metrics
from supportdesk.orders.events import parse_event
from supportdesk.orders.model import settled_requests
from supportdesk.orders.repository import OrderRepository


@dataclass(frozen=True)
class Applied:
    order_id: str
    version: int
    applied: bool  # False: stale or repeated, nothing changed


class OrderEventService:
    def __init__(self, orders: OrderRepository) -> None:
        self._orders = orders

    def apply(self, event: dict) -> Applied:
        parsed = parse_event(event)  # raises MalformedEvent: nothing written
        order = parsed.order
        applied = self._orders.upsert(order, settled_requests(parsed.detail_type, order.status))
        logger.info(
            "order event",
            extra={
                "detail_type": parsed.detail_type,
                "order_id": order.order_id,
                "version": order.version,
                "applied": applied,
                "event_id": parsed.event_id,
            },
        )
        metrics.add_metric(name="OrderEventApplied" if applied else "OrderEventStale", unit="Count", value=1)
        return Applied(order.order_id, order.version, applied)
