"""Guarantees that only hold because a DynamoDB condition or retry holds them, proven on moto with real threads.

The service checks a ticket's state before it writes; those pre-checks alone would catch requests that arrive one
after the other. Here both requests read the ticket before either writes (a barrier inside the store method that
writes), so only the write's own condition can keep the guarantee. moto in-process is made atomic per request by
`serialized_dynamodb`, as DynamoDB is. docs/testing.md lists which code change each test catches.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.ticket_desk import desk, serialized_dynamodb  # noqa: F401


def _meet_before_first_call(monkeypatch, cls, name: str, parties: int = 2) -> list[str]:
    """Wrap `cls.name` so that the first call of each of `parties` threads waits until all of them have made it
    (every thread has passed the service's pre-checks on the same state); later threads pass straight through.
    Returns the names of the threads that called, one entry per call."""
    original = getattr(cls, name)
    barrier = threading.Barrier(parties, timeout=10)
    calls: list[str] = []
    lock = threading.Lock()

    def wrapper(self, *args, **kwargs):
        with lock:
            name = threading.current_thread().name
            first = name not in calls and len(set(calls)) < parties
            calls.append(name)
        if first:
            barrier.wait()
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, wrapper)
    return calls


def _at_once(*requests):
    with serialized_dynamodb(), ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return [future.result() for future in [pool.submit(request) for request in requests]]


def _waiting_count() -> int:
    from supportdesk.dal.tickets import TicketQueueModel

    return int(TicketQueueModel.get("general#stats", consistent_read=True).waiting)


# ---- "the status condition makes every join happen exactly once" ----------------------------------------------------


def test_one_ticket_handed_off_twice_at_the_same_moment_joins_the_queue_once(desk, monkeypatch):
    from supportdesk.tickets.repository import DynamoTicketStore

    # Given an open ticket, and both handoff requests past the service's "already waiting?" check
    ticket_id = desk.open(desk.alice, "Where is my parcel?")["ticket"]["id"]
    joins = _meet_before_first_call(monkeypatch, DynamoTicketStore, "join")
    # When the customer's two tabs ask for a human at the same moment
    results = _at_once(*[lambda: desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/handoff")] * 2)
    # Then both answers say the ticket is first in line
    assert [(status, body["queue"]["position"]) for status, body in results] == [(200, 1), (200, 1)]
    assert len(joins) == 2  # both really reached the conditional write
    # And the ticket joined once: one waiting ticket on the stats item and in the tree
    assert _waiting_count() == 1
    later = desk.open(desk.bob, "另一个问题")["ticket"]["id"]
    assert desk.handoff(desk.bob, later)["queue"]["position"] == 2
    # And one acknowledgement in the conversation
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    assert [m.get("note") for m in detail["messages"]].count("handoff") == 1


# ---- "one conditional update makes 'once' hold even for concurrent requests" ---------------------------------------


def test_two_ratings_of_one_resolution_at_the_same_moment_store_one(desk, monkeypatch):
    from supportdesk.dal.tickets import TicketMessageModel, TicketModel
    from supportdesk.tickets.repository import DynamoTicketStore

    # Given a resolved ticket and two rating requests past the service's "already rated?" check
    ticket_id = desk.open(desk.alice, "Where is my parcel?")["ticket"]["id"]
    desk.handoff(desk.alice, ticket_id)
    assert desk.claim(desk.agent, ticket_id)[0] == 200
    desk.resolve(desk.agent, ticket_id)
    rates = _meet_before_first_call(monkeypatch, DynamoTicketStore, "rate")
    # When both arrive at once with different scores
    results = _at_once(
        lambda: desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/rating", {"score": 5}),
        lambda: desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/rating", {"score": 1}),
    )
    assert len(rates) == 2
    # Then exactly one is stored, and the other is told the resolution is already rated
    outcomes = sorted((status, body.get("error", {}).get("code")) for status, body in results)
    assert outcomes == [(201, None), (409, "ticket_already_rated")]
    winner = next(body for status, body in results if status == 201)["ticket"]["rating"]["score"]
    stored = TicketModel.get(ticket_id, consistent_read=True)
    assert int(stored.rating_score) == winner and int(stored.rated_resolution) == 1
    ratings = [m for m in TicketMessageModel.query(ticket_id, consistent_read=True) if m.note == "rating"]
    assert len(ratings) == 1 and ratings[0].params.as_dict()["score"] == str(winner)


# ---- "a reference collision cannot overwrite anything" ------------------------------------------------------------


def test_a_reference_collision_draws_again_and_never_overwrites_the_existing_ticket(desk, monkeypatch):
    from supportdesk.dal.tickets import TicketMessageModel, TicketModel
    from supportdesk.tickets import references, repository

    # Given Alice's ticket
    existing = desk.open(desk.alice, "Alice's own question", subject="Alice's subject")["ticket"]["id"]
    # When the next two references drawn are hers (a collision, twice)
    drawn: list[int] = []

    def colliding(attempt: int = 0) -> str:
        drawn.append(attempt)
        return existing if attempt < 2 else references.new_reference(attempt)

    monkeypatch.setattr(repository, "new_reference", colliding)
    created = desk.open(desk.bob, "鲍勃的问题", subject="鲍勃")["ticket"]["id"]
    # Then Bob's ticket got a new reference, one character longer after two collisions
    assert drawn == [0, 1, 2]
    assert created != existing and len(created) == len("T-") + 6
    # And Alice's ticket and conversation are untouched
    stored = TicketModel.get(existing, consistent_read=True)
    assert (stored.customer_id, stored.subject) == ("cust-alice", "Alice's subject")
    texts = [m.text for m in TicketMessageModel.query(existing, consistent_read=True)]
    assert texts == ["Alice's own question"]
    status, body = desk.call(desk.alice, "GET", f"/tickets/{existing}")
    assert status == 200 and body["ticket"]["subject"] == "Alice's subject"
    status, body = desk.call(desk.bob, "GET", f"/tickets/{existing}")
    assert (status, body["error"]["code"]) == (404, "ticket_not_found")


# ---- "TransactionConflict is retried with jittered back-off"; 409 ticket_busy when it keeps conflicting -------------


@pytest.fixture
def conflicts(monkeypatch):
    """Make DynamoDB cancel the next `n` TransactWriteItems with TransactionConflict, as real DynamoDB does when two
    transactions touch the same item at once (moto never does). The back-off sleeps are recorded, not slept."""
    import time

    from moto.dynamodb.exceptions import TransactionCanceledException
    from moto.dynamodb.models import DynamoDBBackend

    state = {"left": 0, "cancelled": 0, "sleeps": []}
    original = DynamoDBBackend.transact_write_items

    def transact_write_items(self, transact_items, *args, **kwargs):
        if state["left"] > 0:
            state["left"] -= 1
            state["cancelled"] += 1
            reasons = [("TransactionConflict", "Transaction is ongoing for the item", None)]
            reasons += [(None, None, None)] * (len(transact_items) - 1)
            raise TransactionCanceledException(reasons)
        return original(self, transact_items, *args, **kwargs)

    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", transact_write_items)
    monkeypatch.setattr(time, "sleep", lambda seconds: state["sleeps"].append(seconds))

    def arm(n: int) -> dict:
        state.update(left=n, cancelled=0, sleeps=[])
        return state

    return arm


def test_a_transaction_conflict_is_retried_until_it_goes_through(desk, conflicts):
    ticket_id = desk.open(desk.alice, "Where is my parcel?")["ticket"]["id"]
    # Given DynamoDB cancels the next three transactions for a conflict
    state = conflicts(3)
    # When the customer asks for a human
    status, body = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/handoff")
    # Then the join went through on the fourth try, once, after three jittered back-offs
    assert status == 200 and body["ticket"]["status"] == "waiting" and body["queue"]["position"] == 1
    assert state["cancelled"] == 3 and state["left"] == 0
    assert len(state["sleeps"]) == 3 and all(0 <= s <= 0.02 * 2**n for n, s in enumerate(state["sleeps"]))
    assert _waiting_count() == 1


def test_a_transaction_that_keeps_conflicting_is_409_ticket_busy_and_changes_nothing(desk, conflicts):
    from supportdesk.dal.tickets import TicketModel

    ticket_id = desk.open(desk.alice, "Where is my parcel?")["ticket"]["id"]
    # Given every transaction conflicts
    state = conflicts(1000)
    # When the customer asks for a human
    status, body = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/handoff", language="en")
    # Then they are told to retry (409 ticket_busy, in their language), not a 500
    assert (status, body["error"]["code"]) == (409, "ticket_busy")
    assert body["error"]["message"] and "ticket_busy" not in body["error"]["message"]
    # after a bounded number of tries, each after a back-off
    assert 2 <= state["cancelled"] <= 10 and len(state["sleeps"]) == state["cancelled"]
    # And nothing changed
    assert TicketModel.get(ticket_id, consistent_read=True).status == "open"
    state["left"] = 0
    assert desk.handoff(desk.alice, ticket_id)["queue"]["position"] == 1
