"""The storefront's side of the support desk's order requests, played by the local stack (the storefront is not part
of this project). Nothing answers by itself: a person, a walkthrough or a test sees the order wait in
`cancellation_requested` first, as a customer would, then asks the "storefront" to confirm:

    POST /_local/storefront/confirm   {"request_id"?: "CR-..." | "AR-..."}  -> 202 {"request", "answer", "deliveries"}

It takes the request the support desk published (GET /_local/events, `published`; by default the newest one not yet
answered) and answers as the storefront would once its warehouse agrees: OrderCancelled for a cancellation,
OrderAddressChanged (with the requested address on one line) for an address change. The answer is the whole order
with the next version (event-carried state), put on the bus like any storefront event, so OrdersFunction applies it
and the request is settled. 404: no such (unanswered) request; 409: the order has shipped or is gone, so the
storefront would refuse."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable

from supportdesk.orders.model import Order

ANSWERS = {"OrderCancellationRequested": "OrderCancelled", "OrderAddressChangeRequested": "OrderAddressChanged"}
CHANGEABLE = ("pending_payment", "paid")


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def order_detail(order: Order, now: datetime) -> dict:
    """The storefront's event detail of `order` as it stands, at the next version (docs/schemas/order-events)."""
    detail: dict[str, Any] = {
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "currency": order.currency,
        "amount_cents": order.amount_cents,
        "status": order.status.value,
        "version": order.version + 1,
        "occurred_at": _iso(now),
        "placed_at": _iso(order.placed_at),
        "items": [
            {"sku": i.sku, "name": i.name, "quantity": i.quantity, "unit_price_cents": i.unit_price_cents}
            for i in order.items
        ],
    }
    if order.shipping_address:
        detail["shipping_address"] = order.shipping_address
    if order.payment is not None and order.paid_at is not None:
        detail["payment"] = {
            "provider": order.payment.provider,
            "charge_id": order.payment.charge_id,
            "paid_cents": order.paid_cents,
            "paid_at": _iso(order.paid_at),
        }
    for name in ("shipped_at", "delivered_at", "cancelled_at"):
        moment = getattr(order, name)
        if moment is not None:
            detail[name] = _iso(moment)
    if order.tracking is not None:
        detail["tracking"] = {
            "carrier": order.tracking.carrier,
            "tracking_number": order.tracking.tracking_number,
            "events": [
                {"at": _iso(e.at), "description": e.description, **({"location": e.location} if e.location else {})}
                for e in order.tracking.events
            ],
        }
    return detail


def answer(order: Order, request: dict, now: datetime) -> tuple[str, dict]:
    """(detail-type, detail) of the storefront's confirmation of `request` (a published event) on `order`."""
    detail = order_detail(order, now)
    if request["detail-type"] == "OrderCancellationRequested":
        detail.update(status="cancelled", cancelled_at=_iso(now))
    else:
        detail["shipping_address"] = request["detail"]["shipping_address_text"]
    return ANSWERS[request["detail-type"]], detail


class Storefront:
    def __init__(
        self,
        events: Any,
        orders: Callable[[], Any],
        source: str,
        clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    ) -> None:
        self.events = events  # local.events.EventBus: what was published, and where answers go
        self.orders = orders  # () -> an OrderRepository (reads the order as the support desk holds it)
        self.source = source  # the template's OrderEventSource
        self.clock = clock
        self.answered: set[str] = set()

    def route(self, method: str, path: str, body: bytes) -> tuple[int, dict] | None:
        if path != "/_local/storefront/confirm" or method != "POST":
            return None
        try:
            payload = json.loads(body or b"{}")
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not set(payload) <= {"request_id"}:
            return 400, {"error": {"code": "invalid_request", "message": 'Send {} or {"request_id": "..."}.'}}
        return self.confirm(payload.get("request_id"))

    def confirm(self, request_id: str | None = None) -> tuple[int, dict]:
        requests = [
            e
            for e in reversed(self.events.published)
            if e.get("detail-type") in ANSWERS and isinstance(e.get("detail"), dict)
        ]
        wanted = [
            e
            for e in requests
            if (
                e["detail"].get("request_id") == request_id
                if request_id
                else e["detail"].get("request_id") not in self.answered
            )
        ]
        if not wanted:
            return 404, {
                "error": {
                    "code": "request_not_found",
                    "message": "No unanswered order request with this id (see GET /_local/events).",
                }
            }
        request = wanted[0]
        order = self.orders().get(request["detail"]["customer_id"], request["detail"]["order_id"])
        if order is None or order.status.value not in CHANGEABLE:
            return 409, {
                "error": {
                    "code": "order_not_changeable",
                    "message": "The order has shipped, was cancelled or is gone: the storefront would "
                    "refuse this request.",
                }
            }
        detail_type, detail = answer(order, request, self.clock())
        results = self.events.put([{"source": self.source, "detail-type": detail_type, "detail": detail}])
        self.answered.add(request["detail"]["request_id"])
        return 202, {
            "request": request,
            "answer": {"detail-type": detail_type, "detail": detail},
            "deliveries": results[0]["deliveries"],
        }
