"""Shared set-up of the ticket tests: moto with the template's tables, a fixed clock, seeded accounts and orders, and
small helpers that call the ticket function the way API Gateway does (with the authorizer's context)."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest

from supportdesk.clock import FixedClock
from tests.conftest import api_event, call

ACCOUNT = "123456789012"
REGION = "us-east-1"
# Tuesday 24 November 2026, 10:00 in Shanghai: the desk (09:00-21:00 Asia/Shanghai) is open.
OPEN_TIME = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


@dataclass
class Person:
    account_id: str
    role: str
    language: str
    email: str | None = None

    @property
    def principal(self) -> dict[str, str]:
        return {"account_id": self.account_id, "role": self.role, "lang": self.language}


@dataclass
class Desk:
    handler: Any
    clock: FixedClock
    people: dict[str, Person] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Person:
        people = self.__dict__.get("people", {})
        if name in people:
            return people[name]
        raise AttributeError(name)

    def call(self, who: Person, method: str, path: str, body: Any = None, query: dict | None = None,
             language: str | None = None) -> tuple[int, dict]:
        headers = {"Accept-Language": language} if language else None
        status, payload, _ = call(self.handler, api_event(method, path, body=body, query=query, headers=headers,
                                                          principal=who.principal))
        return status, payload

    def open(self, who: Person, message: str = "Where is my parcel?", category: str = "shipping",
             subject: str = "Parcel", **extra: Any) -> dict:
        status, body = self.call(who, "POST", "/tickets", {"category": category, "subject": subject,
                                                           "message": message, **extra})
        assert status == 201, body
        return body

    def waiting_tickets(self, count: int) -> list[str]:
        """`count` of bob's tickets in the human queue, in the order they joined it."""
        ids = []
        for n in range(count):
            ticket_id = self.open(self.bob, f"排队 {n}")["ticket"]["id"]
            self.handoff(self.bob, ticket_id)
            ids.append(ticket_id)
        return ids

    def handoff(self, who: Person, ticket_id: str) -> dict:
        status, body = self.call(who, "POST", f"/tickets/{ticket_id}/handoff")
        assert status == 200, body
        return body

    def claim(self, agent: Person, ticket_id: str) -> tuple[int, dict]:
        return self.call(agent, "POST", f"/agent/tickets/{ticket_id}/claim")

    def resolve(self, agent: Person, ticket_id: str) -> dict:
        status, body = self.call(agent, "POST", f"/agent/tickets/{ticket_id}/resolve")
        assert status == 200, body
        return body

    def position(self, who: Person, ticket_id: str) -> int | None:
        status, body = self.call(who, "GET", f"/tickets/{ticket_id}/queue")
        assert status == 200, body
        return body["queue"]["position"] if body["queue"] else None


def seed_account(person: Person, now: datetime) -> None:
    from supportdesk.dal.accounts import AccountLoginModel, AccountModel

    AccountModel(
        person.account_id, role=person.role, email=person.email, language=person.language,
        password_hash="not-used-here", password_changed_at=now, created_at=now,
    ).save()
    if person.email:
        AccountLoginModel(person.email, account_id=person.account_id).save()


def seed_order(customer_id: str, order_id: str, now: datetime) -> None:
    from supportdesk.dal.orders import OrderModel

    OrderModel(customer_id, order_id, status="paid", amount_cents=19900, created_at=now).save()


@pytest.fixture
def desk(aws, monkeypatch) -> Desk:
    from supportdesk import runtime

    clock = FixedClock(OPEN_TIME)
    monkeypatch.setattr(runtime, "clock", lambda: clock)
    people = {
        "alice": Person("cust-alice", "customer", "en", "alice@example.net"),
        "bob": Person("cust-bob", "customer", "zh-CN", "bob@example.net"),
        "agent": Person("staff-agent-1", "agent", "zh-CN", "agent1@example.com"),
        "agent2": Person("staff-agent-2", "agent", "en", "agent2@example.com"),
        "supervisor": Person("staff-super", "supervisor", "zh-CN", "lead@example.com"),
    }
    for person in people.values():
        seed_account(person, OPEN_TIME)
    seed_order("cust-alice", "O-1001", OPEN_TIME)
    seed_order("cust-bob", "O-2002", OPEN_TIME)
    from functions.ticket import app

    return Desk(app.lambda_handler, clock, people)


def mails_to(address: str) -> list:
    from moto.ses.models import ses_backends

    return [m for m in ses_backends[ACCOUNT][REGION].sent_messages if address in m.destinations.get("ToAddresses", [])]


@contextmanager
def serialized_dynamodb():
    """DynamoDB applies each request (a TransactWriteItems included) atomically and in isolation; moto in-process
    does not when several threads call it (a transaction checks conditions, then writes, and rolls back by restoring
    a copy of the table). One lock around moto's request methods gives threads DynamoDB's guarantee, so the
    concurrency tests exercise our conditions, not moto's interleavings."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = threading.RLock()
    names = ("transact_write_items", "update_item", "put_item", "delete_item", "get_item", "batch_get_item",
             "query", "transact_get_items")
    originals = {name: getattr(DynamoDBBackend, name) for name in names}

    def locked(function):
        def wrapper(*args, **kwargs):
            with lock:
                return function(*args, **kwargs)

        return wrapper

    for name, function in originals.items():
        setattr(DynamoDBBackend, name, locked(function))
    try:
        yield
    finally:
        for name, function in originals.items():
            setattr(DynamoDBBackend, name, function)
