"""Order self-service on moto, through the function's handler as API Gateway calls it: a customer's orders (newest
first, paged), one order with tracking and refunds, and the two requests made alone before shipping, cancelling and
changing the address, published to the storefront's bus once, settled by the storefront's own events."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.integration.order_desk import ADDRESS, SOURCE, order_desk  # noqa: F401 (fixture)
from tests.integration.refund_desk import parallel
from tests.integration.ticket_desk import mails_to, serialized_dynamodb

PAID = "ord_demo1_1004"  # paid, not shipped
UNPAID = "ord_demo1_1005"  # awaiting payment
SHIPPED = "ord_demo1_1003"
DELIVERED = "ord_demo1_1001"
BOBS = "ord_demo2_1004"


# ---- reading -----------------------------------------------------------------------------------------------------

def test_a_customer_lists_only_their_own_orders_newest_first_page_by_page(order_desk):
    desk = order_desk
    status, first = desk.call(desk.alice, "GET", "/orders", query={"limit": "2"})
    assert status == 200, first
    assert [o["id"] for o in first["orders"]] == ["ord_demo1_1005", "ord_demo1_1004"]
    seen = [o["id"] for o in first["orders"]]
    cursor = first["next_cursor"]
    while cursor:
        status, page = desk.call(desk.alice, "GET", "/orders", query={"limit": "2", "cursor": cursor})
        assert status == 200, page
        seen += [o["id"] for o in page["orders"]]
        cursor = page["next_cursor"]
    assert seen == [f"ord_demo1_{n}" for n in (1005, 1004, 1003, 1001, 1002)]  # by placed_at, newest first, nobody else's
    # A cursor is only a position: Bob's partition comes from his token, never from the cursor
    status, bobs = desk.call(desk.bob, "GET", "/orders", query={"limit": "2", "cursor": first["next_cursor"]})
    assert status == 200 and all(o["id"].startswith("ord_demo2_") for o in bobs["orders"])
    for bad in ({"limit": "0"}, {"limit": "51"}, {"limit": "x"}, {"cursor": "not-a-cursor"}):
        status, error = desk.call(desk.alice, "GET", "/orders", query=bad)
        assert status == 400 and error["error"]["code"] in ("invalid_limit", "invalid_cursor"), bad


def test_an_order_shows_status_items_amounts_address_times_and_tracking(order_desk):
    desk = order_desk
    order = desk.order(desk.alice, DELIVERED)
    assert order["status"] == "delivered"
    assert order["status_text"] == {"zh-CN": "已签收", "en": "Delivered"}
    assert order["items"] == [{"sku": "TEA-001", "name": "Longjing green tea 250 g", "quantity": 1,
                               "unit_price_cents": 12900, "total_cents": 12900}]
    assert (order["amount_cents"], order["paid_cents"], order["refunded_cents"]) == (12900, 12900, 0)
    assert order["shipping_address"] == "上海市浦东新区世纪大道 100 号"
    assert order["placed_at"] < order["paid_at"] < order["shipped_at"] < order["delivered_at"]
    tracking = order["tracking"]
    assert tracking["carrier"] == "顺丰速运 SF Express"
    assert [e["description"] for e in tracking["events"]][0] == "已签收，签收人：本人"  # newest first
    assert len(tracking["events"]) == 4
    assert (order["can_cancel"], order["can_change_address"], order["refunds"]) == (False, False, [])
    # Before shipping there is no tracking yet
    assert desk.order(desk.alice, PAID)["tracking"] is None


def test_an_order_shows_its_refunds_with_their_progress(order_desk):
    from supportdesk.refunds.model import CaseKind, Refund, RefundStatus, TimelineEntry
    from supportdesk.refunds.repository import DynamoRefundRepository

    desk = order_desk
    now = desk.clock.now()
    refund = Refund("R-TEST0000000001", CaseKind.REFUND, "cust-alice", DELIVERED, 3000, 3000, "CNY", "damaged",
                    RefundStatus.SUBMITTED, now, now, timeline=(TimelineEntry(now, RefundStatus.SUBMITTED, "submitted",
                                                                              {"amount": "¥30.00"}),))
    DynamoRefundRepository().create(refund, 12900)
    order = desk.order(desk.alice, DELIVERED)
    assert [r["id"] for r in order["refunds"]] == ["R-TEST0000000001"] and order["more_refunds"] is False
    assert order["refunds"][0]["timeline"][0]["text"] == {"zh-CN": "我们已收到您 ¥30.00 的退款申请。",
                                                          "en": "We received your refund request for ¥30.00."}
    assert order["refund_in_progress_cents"] == 3000


def test_another_customers_order_is_404_like_one_that_does_not_exist(order_desk):
    desk = order_desk
    for path in (f"/orders/{BOBS}", "/orders/ord_nope", f"/orders/{'x' * 65}"):
        status, error = desk.call(desk.alice, "GET", path)
        assert status == 404 and error["error"]["code"] == "order_not_found", path
    status, error = desk.cancel(desk.alice, BOBS)
    assert status == 404 and error["error"]["code"] == "order_not_found"
    status, error = desk.change_address(desk.alice, BOBS, ADDRESS)
    assert status == 404 and error["error"]["code"] == "order_not_found"
    assert desk.published() == []
    assert desk.order(desk.bob, BOBS)["status"] == "paid"  # untouched


def test_staff_use_their_own_routes(order_desk):
    desk = order_desk
    assert desk.call(desk.agent, "GET", "/orders")[0] == 403
    assert desk.cancel(desk.agent, PAID)[0] == 403


# ---- cancelling --------------------------------------------------------------------------------------------------

def test_cancelling_before_shipping_asks_the_storefront_once_and_shows_cancellation_requested_until_it_confirms(
        order_desk):
    desk = order_desk
    # When Alice cancels her paid order
    status, body = desk.cancel(desk.alice, PAID, {"reason": "ordered_by_mistake"}, key="cancel-1")
    # Then it is accepted and shows as requested, in both languages
    assert status == 202, body
    order = body["order"]
    assert order["status"] == "cancellation_requested"
    assert order["status_text"] == {"zh-CN": "取消申请中", "en": "Cancellation requested"}
    assert order["cancellation"]["reason"] == "ordered_by_mistake" and order["can_cancel"] is False
    assert order["can_change_address"] is False
    # And the storefront's bus got exactly one request, from the support desk's own source
    [event] = desk.published()
    assert (event["detail-type"], event["source"], event["bus"]) == (
        "OrderCancellationRequested", SOURCE, "support-desk-local-orders")
    detail = event["detail"]
    assert (detail["order_id"], detail["customer_id"], detail["reason"]) == (PAID, "cust-alice", "ordered_by_mistake")
    assert detail["request_id"].startswith("CR-") and detail["order_version"] == 2
    # And Alice got a confirmation in her language
    [mail] = mails_to("alice@example.net")
    assert mail.subject == f"Order {PAID}: cancellation requested"
    # When the storefront confirms (its OrderCancelled event, the next version of the order)
    status, confirmed = desk.storefront.confirm()
    assert status == 202 and confirmed["answer"]["detail-type"] == "OrderCancelled"
    # Then the order is cancelled and nothing is pending any more
    order = desk.order(desk.alice, PAID)
    assert order["status"] == "cancelled" and order["cancellation"] is None and order["cancelled_at"]
    status, error = desk.cancel(desk.alice, PAID)
    assert status == 409 and error["error"]["code"] == "order_already_cancelled"


def test_an_order_awaiting_payment_can_be_cancelled_without_a_body(order_desk):
    desk = order_desk
    status, body = desk.call(desk.bob, "POST", "/orders/ord_demo2_1005/cancel", key="bob-1", language="zh-CN")
    assert status == 202 and body["order"]["status"] == "cancellation_requested"
    assert desk.published("OrderCancellationRequested")[0]["detail"]["reason"] is None
    assert "已申请取消" in mails_to("bob@example.net")[0].subject


@pytest.mark.parametrize("order_id, status_", [(SHIPPED, "shipped"), (DELIVERED, "delivered")])
def test_after_shipping_cancelling_is_409_order_already_shipped_pointing_to_the_refund_route(order_desk, order_id,
                                                                                             status_):
    desk = order_desk
    status, error = desk.cancel(desk.alice, order_id)
    assert status == 409 and error["error"]["code"] == "order_already_shipped"
    assert error["error"]["details"] == {"status": status_, "refund_route": f"/orders/{order_id}/refunds"}
    assert "refund" in error["error"]["message"]
    status, error = desk.call(desk.bob, "POST", f"/orders/{order_id.replace('demo1', 'demo2')}/cancel",
                              key="k", language="zh-CN")
    assert status == 409 and "已经发货" in error["error"]["message"]
    assert desk.published() == []


def test_the_idempotency_key_is_required_and_a_replay_answers_the_same_without_a_second_event(order_desk):
    desk = order_desk
    status, error = desk.call(desk.alice, "POST", f"/orders/{PAID}/cancel")
    assert status == 400 and error["error"]["code"] == "idempotency_key_required"
    status, error = desk.call(desk.alice, "POST", f"/orders/{PAID}/cancel", key="k" * 256)
    assert status == 400 and error["error"]["code"] == "idempotency_key_invalid"
    first = desk.cancel(desk.alice, PAID, {"reason": "changed_mind"}, key="same-key")
    desk.clock.advance(minutes=5)
    again = desk.cancel(desk.alice, PAID, {"reason": "changed_mind"}, key="same-key")
    assert first[0] == 202 and again == first  # the very same answer
    assert len(desk.published()) == 1 and len(mails_to("alice@example.net")) == 1
    status, error = desk.cancel(desk.alice, PAID, {"reason": "other"}, key="same-key")
    assert status == 422 and error["error"]["code"] == "idempotency_key_reused"


def test_two_concurrent_cancellations_publish_one_event(order_desk):
    desk = order_desk
    containers = desk.containers(6)
    with serialized_dynamodb():
        answers = parallel(6, lambda i: desk.cancel(desk.alice, PAID, {"reason": "changed_mind"}, key=f"device-{i}",
                                                    handler=containers[i]))
    assert {status for status, _ in answers} == {202}, answers
    assert {body["order"]["status"] for _, body in answers} == {"cancellation_requested"}
    assert len(desk.published("OrderCancellationRequested")) == 1
    assert len(mails_to("alice@example.net")) == 1


def test_a_cancellation_and_a_refund_never_both_hold_the_money(order_desk):
    from supportdesk.refunds.model import CaseKind, Refund, RefundStatus
    from supportdesk.refunds.repository import DynamoRefundRepository, ReservationRefused

    desk = order_desk
    now = desk.clock.now()
    # Given a refund holding part of Bob's paid order
    DynamoRefundRepository().create(Refund("R-TEST0000000002", CaseKind.REFUND, "cust-bob", BOBS, 1000, 1000, "CNY",
                                           "other", RefundStatus.SUBMITTED, now, now), 4500)
    status, error = desk.cancel(desk.bob, BOBS)
    assert status == 409 and error["error"]["code"] == "order_has_refunds"
    assert error["error"]["details"]["refunds_route"] == f"/orders/{BOBS}/refunds"
    # Given a pending cancellation of Alice's paid order, a refund cannot reserve on it
    assert desk.cancel(desk.alice, PAID)[0] == 202
    with pytest.raises(ReservationRefused):
        DynamoRefundRepository().create(Refund("R-TEST0000000003", CaseKind.REFUND, "cust-alice", PAID, 1000, 1000,
                                               "CNY", "other", RefundStatus.SUBMITTED, now, now), 4500)


def test_a_request_the_storefront_never_answers_may_be_made_again_after_an_hour(order_desk):
    desk = order_desk
    assert desk.cancel(desk.alice, PAID, key="first")[0] == 202
    desk.clock.advance(minutes=30)
    assert desk.cancel(desk.alice, PAID, key="second")[0] == 202  # still pending: nothing sent again
    assert len(desk.published()) == 1
    desk.clock.advance(minutes=31)
    assert desk.cancel(desk.alice, PAID, key="third")[0] == 202
    assert len(desk.published()) == 2


def test_when_the_bus_cannot_be_reached_nothing_is_asked_and_a_retry_with_the_same_key_works(order_desk, monkeypatch):
    from tests.conftest import reset_caches

    desk = order_desk
    monkeypatch.setenv("ORDER_EVENT_BUS_NAME", "no-such-bus")
    reset_caches()
    status, error = desk.cancel(desk.alice, PAID, key="retry-me")
    assert status == 503 and error["error"]["code"] == "order_request_not_sent"
    order = desk.order(desk.alice, PAID)
    assert order["status"] == "paid" and order["cancellation"] is None and order["can_cancel"] is True
    assert desk.published() == [] and mails_to("alice@example.net") == []
    monkeypatch.setenv("ORDER_EVENT_BUS_NAME", "support-desk-local-orders")
    reset_caches()
    status, body = desk.cancel(desk.alice, PAID, key="retry-me")
    assert status == 202 and body["order"]["status"] == "cancellation_requested"
    assert len(desk.published()) == 1


def test_a_request_retried_after_a_crash_publishes_its_own_request_again(order_desk):
    from supportdesk.orders.model import CancellationRequest, OrderStatus
    from supportdesk.orders.repository import DynamoOrderRepository
    from supportdesk.order_self_service.service import request_id

    desk = order_desk
    # Given a request recorded on the order whose event never left (the function stopped in between)
    pending = CancellationRequest(request_id("CR", "cust-alice", "crashed"), desk.clock.now(), None)
    DynamoOrderRepository().request_cancellation("cust-alice", PAID, pending, statuses=(OrderStatus.PAID,),
                                                 stale_before=desk.clock.now() - timedelta(hours=1))
    # When the client retries with the same key
    status, body = desk.cancel(desk.alice, PAID, key="crashed")
    # Then its own request is published (the storefront deduplicates by request_id)
    assert status == 202
    assert [e["detail"]["request_id"] for e in desk.published()] == [pending.request_id]


def test_cancel_reasons_are_checked(order_desk):
    desk = order_desk
    status, error = desk.cancel(desk.alice, PAID, {"reason": "bored"})
    assert status == 400 and error["error"]["code"] == "invalid_cancel_reason"
    status, error = desk.cancel(desk.alice, PAID, {"reasn": "other"})
    assert status == 400 and error["error"]["details"]["field"] == "reasn"
    status, error = desk.call(desk.alice, "POST", f"/orders/{PAID}/cancel", "[]", key="k2")
    assert status == 400 and error["error"]["code"] == "invalid_json"


def test_requests_are_rate_limited_per_customer(order_desk):
    desk = order_desk
    for n in range(10):
        assert desk.cancel(desk.alice, SHIPPED)[0] == 409  # each counts, even refused ones
    status, error = desk.cancel(desk.alice, SHIPPED)
    assert status == 429 and error["error"]["code"] == "rate_limited"
    assert desk.cancel(desk.bob, "ord_demo2_1003")[0] == 409  # Bob has his own budget


# ---- changing the address ----------------------------------------------------------------------------------------

def test_an_address_change_before_shipping_is_asked_once_and_settled_by_the_storefronts_event(order_desk):
    desk = order_desk
    status, body = desk.change_address(desk.alice, PAID, ADDRESS, key="addr-1")
    assert status == 202, body
    change = body["order"]["address_change"]
    assert change["shipping_address"]["phone"] == "+8613800138000"
    assert change["shipping_address_text"] == "浙江省杭州市西湖区文三路 8 号"
    assert change["text"]["en"].startswith("Address change requested")
    assert body["order"]["status"] == "paid" and body["order"]["can_change_address"] is False
    [event] = desk.published()
    assert event["detail-type"] == "OrderAddressChangeRequested"
    assert event["detail"]["shipping_address"]["recipient_name"] == "林美"
    assert "浙江省杭州市西湖区文三路 8 号" in mails_to("alice@example.net")[0].body
    # A second change while the first waits is refused: two could reach the storefront in either order
    status, error = desk.change_address(desk.alice, PAID, {**ADDRESS, "street": "文二路 9 号"})
    assert status == 409 and error["error"]["code"] == "address_change_pending"
    # The same request replayed is the same answer, not a second event
    assert desk.change_address(desk.alice, PAID, ADDRESS, key="addr-1") == (202, body)
    assert len(desk.published()) == 1
    # When the storefront confirms, the order has the new address and nothing is pending
    assert desk.storefront.confirm()[0] == 202
    order = desk.order(desk.alice, PAID)
    assert order["shipping_address"] == "浙江省杭州市西湖区文三路 8 号"
    assert order["address_change"] is None and order["can_change_address"] is True


@pytest.mark.parametrize("field, value, code", [
    ("recipient_name", "", "missing_field"),
    ("recipient_name", "12345", "invalid_recipient_name"),
    ("phone", "010-12345678", "invalid_phone"),  # a landline
    ("phone", "+852 9123 4567", "invalid_phone"),  # Hong Kong
    ("phone", 13800138000, "invalid_phone"),
    ("province", "台湾", "invalid_province"),
    ("province", "Atlantis", "invalid_province"),
    ("city", "", "missing_field"),
    ("district", "x" * 31, "invalid_district"),
    ("street", "8", "invalid_street"),
    ("postcode", "31001", "invalid_postcode"),
    ("post_code", "310012", "invalid_field"),
])
def test_a_bad_address_is_400_naming_the_field(order_desk, field, value, code):
    desk = order_desk
    status, error = desk.change_address(desk.alice, PAID, {**ADDRESS, field: value}, language="en")
    assert status == 400 and error["error"]["code"] == code
    assert error["error"]["details"]["field"] == field
    assert error["error"]["message"]
    assert desk.published() == []


def test_an_address_error_speaks_the_customers_language(order_desk):
    desk = order_desk
    status, error = desk.change_address(desk.bob, "ord_demo2_1004", {**ADDRESS, "phone": "12345"}, language="zh-CN")
    assert status == 400 and error["error"]["message"] == "请填写中国大陆手机号码，例如 138 0013 8000。"
    status, error = desk.change_address(desk.bob, "ord_demo2_1004", {**ADDRESS, "phone": "12345"}, language="en")
    assert error["error"]["message"] == "Please enter a mainland China mobile number, e.g. 138 0013 8000."


def test_english_addresses_and_pinyin_provinces_are_accepted(order_desk):
    desk = order_desk
    status, body = desk.change_address(desk.alice, PAID, {
        "recipient_name": "Mei Lin", "phone": "+86 139 1234 5678", "province": "Zhejiang Province",
        "city": "Hangzhou", "district": "Xihu District", "street": "8 Wensan Road"})
    assert status == 202, body
    assert body["order"]["address_change"]["shipping_address_text"] == \
        "8 Wensan Road, Xihu District, Hangzhou, Zhejiang Province"


def test_after_shipping_or_once_cancelling_the_address_cannot_change(order_desk):
    desk = order_desk
    status, error = desk.change_address(desk.alice, SHIPPED, ADDRESS)
    assert status == 409 and error["error"]["code"] == "order_already_shipped"
    assert error["error"]["details"]["refund_route"] == f"/orders/{SHIPPED}/refunds"
    assert desk.cancel(desk.alice, PAID)[0] == 202
    status, error = desk.change_address(desk.alice, PAID, ADDRESS)
    assert status == 409 and error["error"]["code"] == "order_cancellation_requested"
    assert [e["detail-type"] for e in desk.published()] == ["OrderCancellationRequested"]


def test_a_pending_address_change_ends_when_the_order_ships(order_desk):
    from local.storefront import order_detail
    from supportdesk.orders.repository import DynamoOrderRepository

    desk = order_desk
    assert desk.change_address(desk.alice, PAID, ADDRESS)[0] == 202
    # The warehouse shipped before it saw the request: the storefront says so with OrderShipped
    order = DynamoOrderRepository().get("cust-alice", PAID)
    shipped = order_detail(order, desk.clock.now())
    shipped.update(status="shipped", shipped_at=shipped["occurred_at"])
    desk.bus.put([{"source": "storefront.orders", "detail-type": "OrderShipped", "detail": shipped}])
    view = desk.order(desk.alice, PAID)
    assert view["status"] == "shipped" and view["address_change"] is None and view["can_change_address"] is False


def test_an_answer_is_json_in_the_projects_style(order_desk):
    desk = order_desk
    from tests.conftest import LambdaContext, api_event

    response = desk.handler(api_event("GET", f"/orders/{PAID}", principal=desk.alice.principal), LambdaContext())
    assert response["body"].endswith("\n") and "\\u" not in response["body"]
    assert json.loads(response["body"])["order"]["id"] == PAID
