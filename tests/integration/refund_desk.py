"""Shared set-up of the refund tests: moto in-process with every resource of template.yaml, Step Functions executing
refund_review.asl.json with the template's Lambda tasks running our handlers in this process (local.lambdas seam),
the payment simulator, a fixed clock, seeded accounts, and orders built from storefront events."""
from __future__ import annotations

import copy
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from supportdesk.clock import FixedClock
from tests.conftest import api_event, call, load_event
from tests.integration.ticket_desk import OPEN_TIME, Person, seed_account


def wait_until(predicate, timeout: float = 30.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout}s")


@dataclass
class RefundDesk:
    handler: Any
    clock: FixedClock
    template: Any
    people: dict[str, Person] = field(default_factory=dict)
    host: Any = None

    def function_environment(self, **variables: str) -> None:
        """Set variables in the environment of every function the workflow invokes (e.g. a short review SLA)."""
        from tests.conftest import reset_caches

        for logical_id in self.host.functions:
            self.host.environment(logical_id).update(variables)
        reset_caches()

    def __getattr__(self, name: str) -> Person:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    def call(self, who: Person, method: str, path: str, body: Any = None, *, key: str | None = None,
             query: dict | None = None, language: str | None = None) -> tuple[int, dict]:
        headers = {}
        if key is not None:
            headers["Idempotency-Key"] = key
        if language:
            headers["Accept-Language"] = language
        status, payload, _ = call(self.handler, api_event(method, path, body=body, query=query, headers=headers,
                                                          principal=who.principal))
        return status, payload

    def request(self, who: Person, order_id: str, amount: int | None = None, reason: str = "damaged",
                key: str | None = None, handler: Any = None, **extra: Any) -> tuple[int, dict]:
        body = {"reason": reason, **extra}
        if amount is not None:
            body["amount_cents"] = amount
        headers = {"Idempotency-Key": key or uuid.uuid4().hex}
        status, payload, _ = call(handler or self.handler, api_event("POST", f"/orders/{order_id}/refunds", body=body,
                                                                     headers=headers, principal=who.principal))
        return status, payload

    @staticmethod
    def containers(count: int) -> list:
        """`count` separate copies of the refund function's handler module, as `count` Lambda containers: a
        Powertools resolver holds the current event on its module's app, so one copy serves one request at a time."""
        import importlib.util

        from local.template import ROOT

        handlers = []
        for n in range(count):
            spec = importlib.util.spec_from_file_location(f"refund_container_{n}", ROOT / "functions/refund/app.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            handlers.append(module.lambda_handler)
        return handlers

    def refund(self, refund_id: str):
        from supportdesk.refunds.repository import DynamoRefundRepository

        return DynamoRefundRepository().get(refund_id)

    def order(self, customer_id: str, order_id: str):
        from supportdesk.orders.repository import DynamoOrderRepository

        return DynamoOrderRepository().get(customer_id, order_id)

    def wait_status(self, refund_id: str, *statuses: str, timeout: float = 30.0):
        return wait_until(lambda: (r := self.refund(refund_id)) is not None and r.status.value in statuses and r,
                          timeout, f"{refund_id} in {statuses}")

    def wait_parked(self, refund_id: str, status: str = "under_review", timeout: float = 30.0):
        return wait_until(lambda: (r := self.refund(refund_id)) is not None and r.status.value == status
                          and r.task_token and r, timeout, f"{refund_id} waiting for people in {status}")

    def execution(self, name: str) -> dict:
        import boto3

        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = self.template.arns["RefundReviewStateMachine"].replace(":stateMachine:", ":execution:") + f":{name}"
        return sfn.describe_execution(executionArn=arn)

    def wait_execution_done(self, name: str, timeout: float = 30.0) -> dict:
        return wait_until(lambda: (d := self.execution(name))["status"] != "RUNNING" and d, timeout,
                          f"execution {name} finished")


def order_events(customer_id: str, order_id: str, paid_cents: int, delivered_at: datetime | None,
                 status: str = "delivered") -> list[dict]:
    """OrderPaid (and OrderDelivered) events of one order, shaped like events/orders_*.json."""
    paid = load_event("orders_paid.json")
    detail = paid["detail"]
    detail.update(order_id=order_id, customer_id=customer_id, amount_cents=paid_cents,
                  items=[{"sku": "SKU-1", "name": "Tea", "quantity": 1, "unit_price_cents": paid_cents}])
    detail["payment"].update(paid_cents=paid_cents, charge_id=f"ch_{order_id}")
    events = [paid]
    if status in ("shipped", "delivered"):
        shipped = copy.deepcopy(paid)
        shipped["detail-type"] = "OrderShipped"
        shipped["detail"].update(status="shipped", version=3, shipped_at="2026-11-15T05:00:00Z")
        events.append(shipped)
    if status == "delivered":
        done = copy.deepcopy(events[-1])
        done["detail-type"] = "OrderDelivered"
        stamp = delivered_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        done["detail"].update(status="delivered", version=4, delivered_at=stamp, occurred_at=stamp)
        events.append(done)
    return events


def seed_order(customer_id: str, order_id: str, paid_cents: int, delivered_at: datetime | None = None,
               status: str = "delivered") -> None:
    from supportdesk.orders.repository import DynamoOrderRepository
    from supportdesk.orders.service import OrderEventService

    service = OrderEventService(DynamoOrderRepository())
    for event in order_events(customer_id, order_id, paid_cents, delivered_at or OPEN_TIME - timedelta(days=2), status):
        assert service.apply(event).applied


MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


@pytest.fixture
def sfn_aws(monkeypatch):
    """Like the `aws` fixture, with moto's Step Functions engine executing (it must be on before the state machines
    are created: the executing engine is a separate backend)."""
    from moto import mock_aws

    from local.provision import provision
    from local.template import Template
    from tests.conftest import reset_caches

    with mock_aws(config=MOTO_CONFIG):
        template = Template()
        for key, value in provision(template).items():
            monkeypatch.setenv(key, value)
        monkeypatch.setenv("MAIL_FROM", str(template.parameters["MailFrom"]))
        monkeypatch.setenv("PAYMENT_PROVIDER", "simulator")
        reset_caches()
        yield template
    reset_caches()


@pytest.fixture
def refund_desk(sfn_aws, monkeypatch) -> RefundDesk:
    from local.lambdas import FunctionHost, install_step_functions_seam, uninstall_step_functions_seam
    from supportdesk import runtime
    from supportdesk.refunds.payments import SIMULATOR

    aws = sfn_aws
    SIMULATOR.reset()
    clock = FixedClock(OPEN_TIME)
    monkeypatch.setattr(runtime, "clock", lambda: clock)
    people = {
        "alice": Person("cust-alice", "customer", "en", "alice@example.net"),
        "bob": Person("cust-bob", "customer", "zh-CN", "bob@example.net"),
        "agent": Person("staff-agent-1", "agent", "zh-CN", "agent1@example.com"),
        "agent2": Person("staff-agent-2", "agent", "en", "agent2@example.com"),
        "supervisor": Person("staff-super", "supervisor", "zh-CN", "lead@example.com"),
        "supervisor2": Person("staff-super-2", "supervisor", "en", "lead2@example.com"),
    }
    for person in people.values():
        seed_account(person, OPEN_TIME)
    host = FunctionHost(aws)
    for logical_id in host.functions:  # each Lambda task sees only its function's environment, as in AWS
        host.environment(logical_id).update({"PAYMENT_PROVIDER": "simulator"})
    install_step_functions_seam(host)
    from functions.refund import app

    try:
        yield RefundDesk(app.lambda_handler, clock, aws, people, host=host)
    finally:
        uninstall_step_functions_seam(host)
        SIMULATOR.reset()


def mails_to(address: str) -> list:
    from moto.ses.models import ses_backends

    return [m for m in ses_backends["123456789012"]["us-east-1"].sent_messages
            if address in m.destinations.get("ToAddresses", [])]


def parallel(count: int, work) -> list:
    """Run work(i) on `count` threads released together; results in index order.

    Metrics are off meanwhile: Powertools keeps one metric set per process, shared by every copy of a handler. In
    Lambda a container serves one request at a time; here one thread's flush can find the set emptied by another's
    between its check and its serialization (SchemaValidationError). What runs in parallel is checked for state."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    previous = os.environ.get("POWERTOOLS_METRICS_DISABLED")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "true"
    try:
        threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    finally:
        if previous is None:
            os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
        else:
            os.environ["POWERTOOLS_METRICS_DISABLED"] = previous
    return results


__all__ = ["RefundDesk", "json", "mails_to", "parallel", "refund_desk", "seed_order", "timezone", "wait_until"]
