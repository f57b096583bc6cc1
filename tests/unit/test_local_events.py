"""The local EventBridge (local/events.py): rule patterns match as EventBridge's do, and events reach the functions
the template's EventBridgeRule events name, asynchronously. No sockets: a fake function host."""
from __future__ import annotations

import json

import pytest

from local.events import EventBus, matches
from local.lambdas import AsyncOutcome
from local.template import Template


@pytest.mark.parametrize("pattern, event, expected", [
    ({"source": ["storefront.orders"]}, {"source": "storefront.orders"}, True),
    ({"source": ["storefront.orders"]}, {"source": "storefront.payments"}, False),
    ({"detail-type": ["OrderPaid", "OrderShipped"]}, {"detail-type": "OrderShipped"}, True),
    ({"detail": {"status": ["paid"]}}, {"detail": {"status": "paid"}}, True),
    ({"detail": {"status": ["paid"]}}, {"detail": {"status": "cancelled"}}, False),
    ({"detail": {"status": ["paid"]}}, {"detail": {}}, False),
    ({"source": [{"prefix": "storefront."}]}, {"source": "storefront.orders"}, True),
    ({"detail": {"status": [{"anything-but": ["cancelled"]}]}}, {"detail": {"status": "paid"}}, True),
    ({"detail": {"status": [{"anything-but": ["cancelled"]}]}}, {"detail": {"status": "cancelled"}}, False),
    ({"detail": {"coupon": [{"exists": False}]}}, {"detail": {}}, True),
    ({"detail": {"coupon": [{"exists": True}]}}, {"detail": {}}, False),
    ({"detail": {"sku": ["TEA-001"]}}, {"detail": {"sku": ["CUP-014", "TEA-001"]}}, True),
    ({"detail": {"n": [{"numeric": [">", 1]}]}}, {"detail": {"n": 2}}, False),  # unsupported: never matches
])
def test_patterns_match_like_eventbridge(pattern, event, expected):
    assert matches(pattern, event) is expected


class FakeHost:
    def __init__(self) -> None:
        self.invoked: list[tuple[str, dict]] = []

    def invoke_async(self, logical_id: str, event: dict) -> AsyncOutcome:
        self.invoked.append((logical_id, event))
        return AsyncOutcome(logical_id, "req-1", 1, True)


@pytest.fixture
def bus():
    host = FakeHost()
    return EventBus(Template(), host), host


def test_an_order_event_goes_to_the_orders_function_with_the_eventbridge_envelope(bus):
    events, host = bus
    # Given the template's rule for order events on the bus it creates
    assert [(r.function, r.bus) for r in events.rules] == [("OrdersFunction", "support-desk-local-orders")]
    # When the storefront puts an OrderPaid event (Detail as text, as PutEvents takes it)
    result = events.put([{"Source": "storefront.orders", "DetailType": "OrderPaid", "Detail": json.dumps({"order_id": "o1"})}])
    # Then the orders function receives the event as EventBridge shapes it
    assert [name for name, _ in host.invoked] == ["OrdersFunction"]
    delivered = host.invoked[0][1]
    assert delivered["detail-type"] == "OrderPaid" and delivered["source"] == "storefront.orders"
    assert delivered["detail"] == {"order_id": "o1"} and delivered["account"] == "123456789012"
    assert result[0]["deliveries"][0]["outcome"] == "delivered"


@pytest.mark.parametrize("entry", [
    {"source": "storefront.orders", "detail-type": "OrderRefunded", "detail": {}},  # not in the rule
    {"source": "someone.else", "detail-type": "OrderPaid", "detail": {}},
    {"source": "storefront.orders", "detail-type": "OrderPaid", "detail": {}, "bus": "default"},
])
def test_events_no_rule_matches_go_nowhere(bus, entry):
    events, host = bus
    assert events.put([entry])[0]["deliveries"] == []
    assert host.invoked == []


def test_the_developer_route_refuses_bad_entries_without_delivering_any(bus):
    events, host = bus
    good = {"source": "storefront.orders", "detail-type": "OrderPaid", "detail": {}}
    status, body = events.route("POST", "/_local/events", json.dumps({"entries": [good, {"detail": {}}]}).encode())
    assert status == 400 and body["error"]["code"] == "invalid_event"
    assert host.invoked == []
    status, body = events.route("POST", "/_local/events", json.dumps(good).encode())
    assert status == 202 and len(body["entries"]) == 1
    assert events.route("GET", "/_local/other", b"") is None


def test_what_a_function_publishes_is_listed_newest_first_and_the_buses_own_puts_are_not(bus):
    events, host = bus
    # Given a function's PutEvents as moto receives it (Detail as text, the bus by name or ARN)
    request = {"Source": "support-desk.orders", "DetailType": "OrderCancellationRequested",
               "Detail": json.dumps({"order_id": "o1", "request_id": "CR-1"}),
               "EventBusName": "arn:aws:events:us-east-1:123456789012:event-bus/support-desk-local-orders"}
    events.record([request])
    events.record([{**request, "Detail": json.dumps({"order_id": "o2", "request_id": "CR-2"})}])
    # Then GET /_local/events shows them, newest first, on their bus; no rule matches them, nothing is invoked
    status, listing = events.route("GET", "/_local/events", b"")
    assert status == 200
    assert [e["detail"]["order_id"] for e in listing["published"]] == ["o2", "o1"]
    assert listing["published"][0]["bus"] == "support-desk-local-orders"
    assert listing["published"][0]["source"] == "support-desk.orders"
    assert host.invoked == []
    # And an entry the bus itself is putting on moto (POST /_local/events) is not "published" by a function
    own = {"Source": "storefront.orders", "DetailType": "OrderPaid", "Detail": "{}",
           "EventBusName": "support-desk-local-orders"}
    events._own[("support-desk-local-orders", "storefront.orders", "OrderPaid", "{}")] += 1
    assert events.record([own]) == []


def test_an_event_a_function_publishes_reaches_the_rules_it_matches(bus):
    import time

    events, host = bus
    events.record([{"Source": "storefront.orders", "DetailType": "OrderPaid", "Detail": json.dumps({"order_id": "o9"}),
                    "EventBusName": "support-desk-local-orders"}])
    for _ in range(100):  # delivered in the background, as EventBridge does
        if host.invoked:
            break
        time.sleep(0.01)
    assert [(name, event["detail"]) for name, event in host.invoked] == [("OrdersFunction", {"order_id": "o9"})]
