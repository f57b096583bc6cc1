"""Order self-service's rules without AWS (tests/fakes.py): what may be asked when, what is published, what the
customer sees, and that the events match the schemas the storefront is given (docs/schemas/order-requests/)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import fastjsonschema
import pytest

from supportdesk.clock import FixedClock
from supportdesk.errors import Conflict, InvalidInput, NotFound
from supportdesk.idempotency import IdempotencyKeyReused
from supportdesk.notify.notifier import Recipient
from supportdesk.order_self_service.address import PROVINCES, parse_address
from supportdesk.order_self_service.notices import OrderNotices
from supportdesk.order_self_service.service import OrderSelfService, RequestNotSent
from supportdesk.orders.model import Order, OrderItem, OrderStatus, PaymentRef, ShippingAddress
from supportdesk.ratelimit import RateLimiter
from supportdesk.errors import RateLimited
from supportdesk.roles import Caller, Role
from tests.fakes import FakeNotifier, FakePublisher, MemoryCounterStore, MemoryOrderStore

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
ALICE = Caller("cust-alice", Role.CUSTOMER, "en")
BOB = Caller("cust-bob", Role.CUSTOMER, "zh-CN")
ADDRESS = {"recipient_name": "林美", "phone": "13800138000", "province": "浙江", "city": "杭州市", "district": "西湖区",
           "street": "文三路 8 号"}


def order(order_id: str = "o-paid", status: OrderStatus = OrderStatus.PAID, customer: str = "cust-alice",
          **changes) -> Order:
    paid = status is not OrderStatus.PENDING_PAYMENT
    return Order(customer_id=customer, order_id=order_id, status=status, amount_cents=4500, currency="CNY",
                 placed_at=NOW - timedelta(days=1), version=2, items=(OrderItem("BAG-002", "Gift bag", 3, 1500),),
                 shipping_address="上海市浦东新区世纪大道 100 号", paid_cents=4500 if paid else 0,
                 payment=PaymentRef("stripe", "ch_1") if paid else None, paid_at=NOW if paid else None, **changes)


class Contacts:
    def recipient(self, account_id: str) -> Recipient | None:
        return {"cust-alice": Recipient("email", "alice@example.net", "en"),
                "cust-bob": Recipient("sms", "+8613900000000", "zh-CN")}.get(account_id)


class NoRefunds:
    def order_refunds(self, customer_id, order_id, limit, cursor):
        return [], None


@pytest.fixture
def world():
    clock = FixedClock(NOW)
    store = MemoryOrderStore([order(), order("o-unpaid", OrderStatus.PENDING_PAYMENT),
                              order("o-shipped", OrderStatus.SHIPPED), order("o-bob", customer="cust-bob")])
    publisher, notifier = FakePublisher(), FakeNotifier()
    service = OrderSelfService(store, NoRefunds(), publisher, OrderNotices(lambda: notifier, Contacts()),
                               RateLimiter(MemoryCounterStore(), clock), clock)
    return service, store, publisher, notifier, clock


def schema(name: str):
    return fastjsonschema.compile(json.loads((ROOT / f"docs/schemas/order-requests/{name}.json").read_text()))


def test_a_cancellation_is_published_once_in_the_documented_shape_and_confirmed(world):
    service, store, publisher, notifier, _ = world
    answer = service.cancel(ALICE, "o-paid", {"reason": "changed_mind"}, "key-1")
    assert answer["order"]["status"] == "cancellation_requested"
    [(detail_type, detail)] = publisher.published
    assert detail_type == "OrderCancellationRequested"
    schema("OrderCancellationRequested")(detail)  # raises if the storefront's contract is broken
    assert detail["order_version"] == 2 and detail["reason"] == "changed_mind"
    [mail] = notifier.sent
    assert mail["subject"] == "Order o-paid: cancellation requested" and "o-paid" in mail["text"]


def test_another_cancellation_while_one_is_pending_publishes_nothing_more(world):
    service, _, publisher, notifier, clock = world
    service.cancel(ALICE, "o-paid", {}, "key-1")
    clock.advance(minutes=10)
    answer = service.cancel(ALICE, "o-paid", {}, "key-2")
    assert answer["order"]["status"] == "cancellation_requested"
    assert len(publisher.published) == 1 and len(notifier.sent) == 1
    clock.advance(minutes=51)  # the storefront never answered: an hour later it may be asked again
    service.cancel(ALICE, "o-paid", {}, "key-3")
    assert len(publisher.published) == 2


def test_the_same_key_finds_its_own_request_and_publishes_it_again_but_not_with_another_body(world):
    service, _, publisher, _, _ = world
    service.cancel(ALICE, "o-paid", {"reason": "other"}, "key-1")
    service.cancel(ALICE, "o-paid", {"reason": "other"}, "key-1")  # a retry after a crash (no stored answer)
    assert [d["request_id"] for _, d in publisher.published] == [publisher.published[0][1]["request_id"]] * 2
    with pytest.raises(IdempotencyKeyReused):
        service.cancel(ALICE, "o-paid", {"reason": "changed_mind"}, "key-1")


@pytest.mark.parametrize("order_id, code", [("o-shipped", "order_already_shipped"), ("o-bob", None)])
def test_what_cannot_be_cancelled(world, order_id, code):
    service, _, publisher, _, _ = world
    if code is None:
        with pytest.raises(NotFound):
            service.cancel(ALICE, order_id, {}, "k")
    else:
        with pytest.raises(Conflict) as refused:
            service.cancel(ALICE, order_id, {}, "k")
        assert refused.value.code == code
        assert refused.value.details["refund_route"] == f"/orders/{order_id}/refunds"
    assert publisher.published == []


def test_an_order_holding_refund_money_cannot_be_cancelled(world):
    service, store, _, _, _ = world
    store.orders[("cust-alice", "o-refunding")] = order("o-refunding", reserved_cents=1000)
    with pytest.raises(Conflict) as refused:
        service.cancel(ALICE, "o-refunding", {}, "k")
    assert refused.value.code == "order_has_refunds"
    assert service.order_view(store.get("cust-alice", "o-refunding"), NOW)["can_cancel"] is False


def test_when_publishing_fails_the_request_is_withdrawn_and_a_503_says_nothing_happened(world):
    service, store, publisher, notifier, _ = world
    publisher.failing = True
    with pytest.raises(RequestNotSent) as failed:
        service.cancel(ALICE, "o-paid", {}, "k")
    assert failed.value.status == 503
    assert store.get("cust-alice", "o-paid").cancellation is None and notifier.sent == []


def test_an_address_change_is_published_in_the_documented_shape(world):
    service, store, publisher, notifier, _ = world
    answer = service.change_address(BOB, "o-bob", ADDRESS, "k")
    change = answer["order"]["address_change"]
    assert change["shipping_address"]["phone"] == "+8613800138000"
    assert change["text"] == {"zh-CN": "地址修改申请中：仓库确认后即生效。",
                              "en": "Address change requested: it takes effect once the warehouse confirms it."}
    [(detail_type, detail)] = publisher.published
    assert detail_type == "OrderAddressChangeRequested"
    schema("OrderAddressChangeRequested")(detail)
    assert detail["shipping_address_text"] == "浙江杭州市西湖区文三路 8 号"
    [sms] = notifier.sent
    assert sms["channel"] == "sms" and "浙江杭州市西湖区文三路 8 号" in sms["text"]


def test_address_changes_one_at_a_time_and_none_once_cancelling(world):
    service, _, _, _, clock = world
    service.change_address(ALICE, "o-paid", ADDRESS, "k1")
    with pytest.raises(Conflict) as refused:
        service.change_address(ALICE, "o-paid", {**ADDRESS, "street": "文二路 9 号"}, "k2")
    assert refused.value.code == "address_change_pending"
    service.cancel(ALICE, "o-unpaid", {}, "k3")
    with pytest.raises(Conflict) as refused:
        service.change_address(ALICE, "o-unpaid", ADDRESS, "k4")
    assert refused.value.code == "order_cancellation_requested"


def test_requests_are_rate_limited_per_customer(world):
    service, _, _, _, _ = world
    for n in range(10):
        with pytest.raises(Conflict):
            service.cancel(ALICE, "o-shipped", {}, f"k{n}")
    with pytest.raises(RateLimited):
        service.cancel(ALICE, "o-shipped", {}, "k11")


def test_every_customer_visible_text_of_a_view_is_in_both_languages(world):
    service, store, _, _, _ = world
    service.cancel(ALICE, "o-paid", {}, "k")
    service.change_address(ALICE, "o-unpaid", ADDRESS, "k2")
    for order_id in ("o-paid", "o-unpaid", "o-shipped"):
        view = service.order_view(store.get("cust-alice", order_id), NOW)
        texts = [view["status_text"]] + [view[k]["text"] for k in ("cancellation", "address_change") if view[k]]
        for text in texts:
            assert set(text) == {"zh-CN", "en"} and all(text.values())
            assert text["en"] != text["zh-CN"]


def test_the_view_says_what_the_customer_may_still_do(world):
    service, store, _, _, _ = world
    paid = service.order_view(store.get("cust-alice", "o-paid"), NOW)
    assert (paid["status"], paid["can_cancel"], paid["can_change_address"]) == ("paid", True, True)
    shipped = service.order_view(store.get("cust-alice", "o-shipped"), NOW)
    assert (shipped["can_cancel"], shipped["can_change_address"]) == (False, False)
    assert paid["items"][0]["total_cents"] == 4500


def test_the_list_is_the_callers_own_newest_first(world):
    service, _, _, _, _ = world
    listing = service.list_orders(ALICE, 2, None)
    assert len(listing["orders"]) == 2 and listing["next_cursor"]
    everything = listing["orders"] + service.list_orders(ALICE, 2, listing["next_cursor"])["orders"]
    assert {o["id"] for o in everything} == {"o-paid", "o-unpaid", "o-shipped"}


# ---- the address ---------------------------------------------------------------------------------------------------

def test_the_mainlands_31_province_level_divisions_are_known_in_chinese_and_english():
    for name in ("浙江省", "浙江", "zhejiang", "Zhejiang Province", "北京市", "Beijing Municipality", "内蒙古自治区",
                 "Inner Mongolia", "广西壮族自治区", "Guangxi Zhuang Autonomous Region", "Xizang", "新疆", "Shaanxi"):
        assert parse_address({**ADDRESS, "province": name}).province == name
    for name in ("香港", "Hong Kong", "澳门", "台湾", "Taiwan", "California", "浙江省省"):
        with pytest.raises(InvalidInput) as refused:
            parse_address({**ADDRESS, "province": name})
        assert refused.value.code == "invalid_province"
    assert len({p for p in PROVINCES if any("\u4e00" <= ch <= "\u9fff" for ch in p)}) == 62  # 31 full + 31 short


def test_phone_numbers_are_mainland_mobiles_in_e164():
    for raw in ("13800138000", "+86 138 0013 8000", "138-0013-8000", "+8617012345678"):
        assert parse_address({**ADDRESS, "phone": raw}).phone.startswith("+861")
    for raw in ("010-12345678", "+85291234567", "+1 415 555 0100", "1380013800", "phone"):
        with pytest.raises(InvalidInput) as refused:
            parse_address({**ADDRESS, "phone": raw})
        assert refused.value.code == "invalid_phone" and refused.value.details["field"] == "phone"


def test_every_problem_is_named_and_the_first_field_leads():
    with pytest.raises(InvalidInput) as refused:
        parse_address({"recipient_name": "", "phone": "x", "province": "Atlantis", "city": "杭州",
                       "district": "西湖区", "street": "文三路 8 号", "postcode": "abc", "zip": "1"})
    error = refused.value
    assert error.code == "missing_field" and error.details["field"] == "recipient_name"
    assert error.details["problems"] == {"recipient_name": "missing_field", "phone": "invalid_phone",
                                         "province": "invalid_province", "postcode": "invalid_postcode",
                                         "zip": "invalid_field"}


def test_text_is_normalised_and_control_characters_refused():
    address = parse_address({**ADDRESS, "street": "  文三路\u3000８号 ", "postcode": "３１００１２"})
    assert (address.street, address.postcode) == ("文三路 8号", "310012")
    with pytest.raises(InvalidInput):
        parse_address({**ADDRESS, "street": "文三路\u202e8 号"})


def test_one_line_follows_the_language_of_the_address():
    chinese = ShippingAddress("林美", "+8613800138000", "浙江省", "杭州市", "西湖区", "文三路 8 号")
    english = ShippingAddress("Mei", "+8613800138000", "Zhejiang", "Hangzhou", "Xihu District", "8 Wensan Road")
    assert chinese.one_line() == "浙江省杭州市西湖区文三路 8 号"
    assert english.one_line() == "8 Wensan Road, Xihu District, Hangzhou, Zhejiang"


def test_the_help_articles_name_the_states_the_api_shows():
    """The help centre tells customers what they will see: the same words as the order's status texts."""
    from supportdesk import i18n

    articles = ROOT / "layers/shared/supportdesk/help/articles"
    for language in i18n.LANGUAGES:
        cancel = (articles / f"cancel-order.{language}.md").read_text(encoding="utf-8")
        address = (articles / f"change-delivery-address.{language}.md").read_text(encoding="utf-8")
        for status in ("cancellation_requested", "cancelled"):
            assert i18n.message(f"order_status_{status}", language) in cancel, (language, status)
        requested = i18n.message("order_address_change_pending", language).split(":")[0].split("：")[0]
        assert requested in address, (language, requested)
