"""The storefront the local stack plays (local/storefront.py): its confirmations are storefront events the orders
function accepts (the real schemas), the next version of the order, and it answers each request once. No sockets."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from local.storefront import Storefront, answer
from supportdesk.orders.events import parse_event
from supportdesk.orders.model import Order, OrderItem, OrderStatus, PaymentRef, Tracking, TrackingEvent

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
ORDER = Order(customer_id="cust-alice", order_id="o1", status=OrderStatus.PAID, amount_cents=4500, currency="CNY",
              placed_at=NOW - timedelta(days=1), version=2, items=(OrderItem("BAG-002", "Gift bag", 3, 1500),),
              shipping_address="上海市浦东新区世纪大道 100 号", paid_cents=4500, payment=PaymentRef("stripe", "ch_1"),
              paid_at=NOW - timedelta(hours=23), tracking=Tracking("SF", "SF1", (TrackingEvent(NOW, "已揽收", "杭州"),)))
CANCEL = {"detail-type": "OrderCancellationRequested",
          "detail": {"request_id": "CR-1", "order_id": "o1", "customer_id": "cust-alice"}}
ADDRESS = {"detail-type": "OrderAddressChangeRequested",
           "detail": {"request_id": "AR-1", "order_id": "o1", "customer_id": "cust-alice",
                      "shipping_address_text": "浙江省杭州市西湖区文三路 8 号"}}


def envelope(detail_type: str, detail: dict) -> dict:
    return {"id": "e1", "detail-type": detail_type, "source": "storefront.orders", "detail": json.loads(json.dumps(detail))}


def test_a_cancellation_is_confirmed_by_an_order_cancelled_event_the_orders_function_accepts():
    detail_type, detail = answer(ORDER, CANCEL, NOW)
    parsed = parse_event(envelope(detail_type, detail))  # the storefront's schema, as OrdersFunction checks it
    assert parsed.detail_type == "OrderCancelled" and parsed.order.status is OrderStatus.CANCELLED
    assert parsed.order.version == 3 and parsed.order.cancelled_at == NOW
    assert parsed.order.paid_cents == 4500 and parsed.order.tracking == ORDER.tracking


def test_an_address_change_is_confirmed_with_the_requested_address():
    detail_type, detail = answer(ORDER, ADDRESS, NOW)
    parsed = parse_event(envelope(detail_type, detail))
    assert parsed.detail_type == "OrderAddressChanged"
    assert parsed.order.shipping_address == "浙江省杭州市西湖区文三路 8 号" and parsed.order.status is OrderStatus.PAID


class Bus:
    def __init__(self, published: list[dict]) -> None:
        self.published = published
        self.put_entries: list[dict] = []

    def put(self, entries: list[dict]) -> list[dict]:
        self.put_entries += entries
        return [{"deliveries": []}]


class Orders:
    def __init__(self, order: Order | None) -> None:
        self.order = order

    def get(self, customer_id: str, order_id: str) -> Order | None:
        return self.order


def test_the_newest_unanswered_request_is_answered_once_and_a_shipped_order_is_refused():
    bus = Bus([CANCEL, ADDRESS])
    storefront = Storefront(bus, lambda: Orders(ORDER), "storefront.orders", clock=lambda: NOW)
    status, first = storefront.confirm()
    assert status == 202 and first["answer"]["detail-type"] == "OrderAddressChanged"  # the newest
    status, second = storefront.confirm()
    assert status == 202 and second["answer"]["detail-type"] == "OrderCancelled"
    assert storefront.confirm()[0] == 404  # nothing left to answer
    assert [e["source"] for e in bus.put_entries] == ["storefront.orders"] * 2
    shipped = Storefront(Bus([CANCEL]), lambda: Orders(ORDER.__class__(**{**ORDER.__dict__,
                                                                           "status": OrderStatus.SHIPPED})),
                         "storefront.orders", clock=lambda: NOW)
    assert shipped.confirm("CR-1")[0] == 409
    assert shipped.route("POST", "/_local/storefront/confirm", b'{"nope": 1}')[0] == 400
