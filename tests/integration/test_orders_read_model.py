"""The orders read model on moto: the storefront's events (events/orders_*.json) applied by the orders function,
version-guarded (late or repeated events change nothing), malformed events refused into the dead-letter queue with
their reason and nothing written."""
from __future__ import annotations

import copy
import json

import pytest

from tests.conftest import load_event

SAMPLES = ["orders_placed.json", "orders_paid.json", "orders_shipped.json", "orders_delivered.json"]


@pytest.fixture
def orders(aws, lambda_context):
    from functions.orders import app

    def deliver(event: dict) -> dict:
        return app.lambda_handler(event, lambda_context)

    return deliver


def stored(customer_id: str = "cust-alice", order_id: str = "ord_demo1_1001"):
    from supportdesk.orders.repository import DynamoOrderRepository

    return DynamoOrderRepository().get(customer_id, order_id)


def dead_letters(aws) -> list[dict]:
    import boto3

    sqs = boto3.client("sqs", region_name="us-east-1")
    url = sqs.get_queue_url(QueueName="OrderEventsDeadLetterQueue")["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
    return [{"body": json.loads(m["Body"]), "reason": m["MessageAttributes"]["Reason"]["StringValue"]} for m in messages]


def test_the_lifecycle_events_build_the_order(orders):
    # Given the storefront's events of one order, in order
    outcomes = [orders(load_event(name))["outcome"] for name in SAMPLES]
    # Then each was applied and the order holds what the last one says
    assert outcomes == ["applied"] * 4
    order = stored()
    assert order.status.value == "delivered" and order.version == 4
    assert order.amount_cents == order.paid_cents == order.remaining_cents == 12900
    assert order.payment.provider == "stripe" and order.payment.charge_id == "ch_demo1_1001"
    assert order.delivered_at.isoformat() == "2026-11-18T05:00:00+00:00"
    assert [i.sku for i in order.items] == ["TEA-001"]
    assert order.reserved_cents == order.refunded_cents == 0


def test_an_older_or_repeated_event_changes_nothing(orders):
    for name in SAMPLES:
        orders(load_event(name))
    before = stored()
    # When OrderPaid (version 2) arrives late, and OrderDelivered arrives a second time
    assert orders(load_event("orders_paid.json"))["outcome"] == "stale"
    assert orders(load_event("orders_delivered.json"))["outcome"] == "stale"
    # Then the order is exactly as it was
    assert stored() == before


def test_events_arriving_out_of_order_end_in_the_newest_state(orders):
    # Given EventBridge delivers the newest event first (it does not guarantee order)
    for name in reversed(SAMPLES):
        orders(load_event(name))
    # Then the order is the delivered one: every older event was stale
    order = stored()
    assert order.status.value == "delivered" and order.version == 4


def test_storefront_events_never_touch_the_refund_amounts(orders):
    from supportdesk.dal.orders import OrderModel as M

    orders(load_event("orders_paid.json"))
    # Given refunds reserved ¥30 and paid back ¥20 of the order
    item = M.get("cust-alice", "ord_demo1_1001")
    item.update(actions=[M.reserved_cents.set(3000), M.refunded_cents.set(2000), M.committed_cents.set(5000)])
    # When later events arrive
    orders(load_event("orders_shipped.json"))
    orders(load_event("orders_delivered.json"))
    # Then the amounts the support desk moved are kept
    order = stored()
    assert (order.reserved_cents, order.refunded_cents, order.remaining_cents) == (3000, 2000, 7900)
    assert order.status.value == "delivered"


def test_an_address_change_before_shipping_is_applied(orders):
    orders(load_event("orders_paid.json"))
    assert orders(load_event("orders_address_changed.json"))["outcome"] == "applied"
    assert stored().shipping_address == "浙江省杭州市西湖区文三路 8 号"


def test_tracking_arrives_with_the_order_and_grows_with_order_tracking_updated(orders):
    for name in ("orders_paid.json", "orders_shipped.json", "orders_tracking_updated.json"):
        assert orders(load_event(name))["outcome"] == "applied"
    tracking = stored().tracking
    assert tracking.carrier == "顺丰速运 SF Express" and tracking.tracking_number == "SF1400000001"
    assert [e.description for e in tracking.events] == ["快件已揽收", "已到达【上海转运中心】"]
    assert stored().status.value == "shipped"
    # OrderDelivered (version 4, as old as the tracking update) is stale; a newer one without tracking removes it
    delivered = load_event("orders_delivered.json")
    delivered["detail"]["version"] = 5
    assert orders(delivered)["outcome"] == "applied"
    assert stored().tracking is None and stored().status.value == "delivered"


def test_a_storefront_event_settles_the_customers_pending_requests(orders):
    from datetime import datetime, timedelta, timezone

    from supportdesk.orders.model import (
        AddressChangeRequest,
        CancellationRequest,
        OrderStatus,
        ShippingAddress,
    )
    from supportdesk.orders.repository import DynamoOrderRepository

    orders(load_event("orders_paid.json"))
    repository, now = DynamoOrderRepository(), datetime(2026, 11, 14, 6, 0, tzinfo=timezone.utc)
    stale = now - timedelta(hours=1)
    address = ShippingAddress("林美", "+8613800138000", "浙江省", "杭州市", "西湖区", "文三路 8 号")
    assert repository.request_address_change("cust-alice", "ord_demo1_1001", AddressChangeRequest("AR-1", now, address),
                                             statuses=(OrderStatus.PAID,), stale_before=stale)
    assert repository.request_cancellation("cust-alice", "ord_demo1_1001", CancellationRequest("CR-1", now, None),
                                           statuses=(OrderStatus.PAID,), stale_before=stale)
    # OrderAddressChanged settles the address change only
    orders(load_event("orders_address_changed.json"))
    assert stored().address_change is None and stored().cancellation.request_id == "CR-1"
    # OrderShipped settles everything (the cancellation came too late)
    shipped = load_event("orders_shipped.json")
    shipped["detail"]["version"] = 4
    orders(shipped)
    assert stored().cancellation is None and stored().status.value == "shipped"


def _broken(mutate) -> dict:
    event = load_event("orders_paid.json")
    mutate(event)
    return event


@pytest.mark.parametrize("mutate, reason", [
    (lambda e: e["detail"].pop("payment"), "payment"),
    (lambda e: e["detail"].update(version=0), "version"),
    (lambda e: e["detail"].update(version="3"), "version"),
    (lambda e: e["detail"].update(status="shipped"), "status"),
    (lambda e: e["detail"].update(amount_cents=-1), "amount_cents"),
    (lambda e: e["detail"].update(surprise=True), "must not contain"),
    (lambda e: e["detail"]["payment"].update(paid_cents=999999), "paid_cents exceeds"),
    (lambda e: e["detail"].update(placed_at="yesterday"), "placed_at"),
    (lambda e: e.update({"detail-type": "OrderLost"}), "unknown detail-type"),
    (lambda e: e.update(detail="{not json"), "not valid JSON"),
])
def test_a_malformed_event_is_refused_into_the_dead_letter_queue_with_its_reason(orders, aws, mutate, reason):
    event = _broken(mutate)
    # When the function receives it
    outcome = orders(event)
    # Then it is refused, nothing is written, and the event is kept with the reason
    assert outcome["outcome"] == "refused" and reason in outcome["reason"]
    assert stored() is None
    letters = dead_letters(aws)
    assert len(letters) == 1
    assert letters[0]["body"]["event"] == json.loads(json.dumps(event)) and reason in letters[0]["reason"]


def test_a_refused_event_does_not_half_apply_over_an_existing_order(orders):
    orders(load_event("orders_paid.json"))
    before = stored()
    event = load_event("orders_shipped.json")
    event["detail"]["items"][0]["quantity"] = 0  # invalid
    assert orders(event)["outcome"] == "refused"
    assert stored() == before


def test_documented_schemas_are_the_ones_the_function_uses():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    docs = sorted((root / "docs/schemas/order-events").glob("*.json"))
    layer = root / "layers/shared/supportdesk/orders/schemas"
    assert [p.name for p in docs] == sorted(p.name for p in layer.glob("*.json"))
    assert len(docs) == 7
    for path in docs:
        assert path.read_text(encoding="utf-8") == (layer / path.name).read_text(encoding="utf-8"), path.name


def test_every_sample_event_is_valid_for_its_schema():
    from pathlib import Path

    from supportdesk.orders.events import parse_event

    samples = sorted(Path(__file__).resolve().parents[2].joinpath("events").glob("orders_*.json"))
    assert len(samples) == 7
    assert {parse_event(json.loads(p.read_text(encoding="utf-8"))).detail_type for p in samples} == {
        "OrderPlaced", "OrderPaid", "OrderShipped", "OrderDelivered", "OrderCancelled", "OrderAddressChanged",
        "OrderTrackingUpdated"}
