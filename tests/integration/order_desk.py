"""Shared set-up of the order self-service tests: moto with every resource of template.yaml, a fixed clock, seeded
accounts, the demo orders built from the storefront's events (local/seed.py: for each customer one order delivered,
one delivered earlier, one shipped, one paid and one awaiting payment), the events the support desk publishes
recorded as the local stack records them (local/events.py), and the storefront's confirmations played by
local/storefront.py. Storefront events go to the orders function's handler, as the bus's rule would send them."""
from __future__ import annotations

import importlib.util
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from local.events import EventBus
from local.lambdas import AsyncOutcome
from local.seed import order_events
from local.storefront import Storefront
from supportdesk.clock import FixedClock
from tests.conftest import LambdaContext, api_event, call
from tests.integration.ticket_desk import OPEN_TIME, Person, seed_account

SOURCE = "support-desk.orders"


class OrdersFunctionHost:
    """Delivers what the bus routes to the orders function's handler (the only rule of the template)."""

    def invoke_async(self, logical_id: str, event: dict) -> AsyncOutcome:
        from functions.orders import app

        assert logical_id == "OrdersFunction", logical_id
        app.lambda_handler(event, LambdaContext(function_name=logical_id))
        return AsyncOutcome(logical_id, str(uuid.uuid4()), 1, True)


@dataclass
class OrderDesk:
    handler: Any
    clock: FixedClock
    bus: EventBus
    storefront: Storefront
    people: dict[str, Person] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Person:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    def call(self, who: Person, method: str, path: str, body: Any = None, *, key: str | None = None,
             query: dict | None = None, language: str | None = None, handler: Any = None) -> tuple[int, dict]:
        headers = {}
        if key is not None:
            headers["Idempotency-Key"] = key
        if language:
            headers["Accept-Language"] = language
        status, payload, _ = call(handler or self.handler, api_event(method, path, body=body, query=query,
                                                                     headers=headers, principal=who.principal))
        return status, payload

    def cancel(self, who: Person, order_id: str, body: Any = None, *, key: str | None = None,
               handler: Any = None) -> tuple[int, dict]:
        return self.call(who, "POST", f"/orders/{order_id}/cancel", body, key=key or uuid.uuid4().hex,
                         handler=handler)

    def change_address(self, who: Person, order_id: str, body: dict, *, key: str | None = None,
                       language: str | None = None) -> tuple[int, dict]:
        return self.call(who, "PUT", f"/orders/{order_id}/shipping-address", body, key=key or uuid.uuid4().hex,
                         language=language)

    def order(self, who: Person, order_id: str) -> dict:
        status, body = self.call(who, "GET", f"/orders/{order_id}")
        assert status == 200, body
        return body["order"]

    def published(self, detail_type: str | None = None) -> list[dict]:
        return [e for e in self.bus.published if detail_type is None or e["detail-type"] == detail_type]

    @staticmethod
    def containers(count: int) -> list:
        """`count` separate copies of the function's handler module, as `count` Lambda containers (a Powertools
        resolver holds the current event on its module's app, so one copy serves one request at a time)."""
        from local.template import ROOT

        handlers = []
        for n in range(count):
            spec = importlib.util.spec_from_file_location(f"orders_container_{n}",
                                                          ROOT / "functions/order_self_service/app.py")
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            handlers.append(module.lambda_handler)
        return handlers


ADDRESS = {"recipient_name": "林美", "phone": "138 0013 8000", "province": "浙江省", "city": "杭州市",
           "district": "西湖区", "street": "文三路 8 号", "postcode": "310012"}


def seed_orders(customer_id: str, number: int, bus: EventBus) -> None:
    """The demo orders of local/seed.py, placed relative to the desk's clock (ord_demo<number>_1001 ... 1005)."""
    bus.put(order_events(customer_id, number, "上海市浦东新区世纪大道 100 号", OPEN_TIME))


@pytest.fixture
def order_desk(aws, monkeypatch) -> Any:
    from supportdesk import runtime
    from supportdesk.orders.repository import DynamoOrderRepository

    clock = FixedClock(OPEN_TIME)
    monkeypatch.setattr(runtime, "clock", lambda: clock)
    people = {
        "alice": Person("cust-alice", "customer", "en", "alice@example.net"),
        "bob": Person("cust-bob", "customer", "zh-CN", "bob@example.net"),
        "agent": Person("staff-agent-1", "agent", "zh-CN", "agent1@example.com"),
    }
    for person in people.values():
        seed_account(person, OPEN_TIME)
    bus = EventBus(aws, OrdersFunctionHost(), clock=clock.now)
    seed_orders("cust-alice", 1, bus)
    seed_orders("cust-bob", 2, bus)
    bus.watch()
    from functions.order_self_service import app

    storefront = Storefront(bus, DynamoOrderRepository, "storefront.orders", clock=clock.now)
    try:
        yield OrderDesk(app.lambda_handler, clock, bus, storefront, people)
    finally:
        bus.unwatch()
