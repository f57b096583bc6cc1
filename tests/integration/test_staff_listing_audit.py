"""Staff listings are audited like ticket reads: the queue, an agent's tickets (a supervisor's look at another
agent's included) and a ticket's access log each leave an audit record naming who looked at which tickets, and a
refused look is recorded too."""
from __future__ import annotations

import pytest

from tests.integration.ticket_desk import desk  # noqa: F401 (fixture)


@pytest.fixture
def audits(desk, monkeypatch) -> list[dict]:
    from functions.ticket import app

    records: list[dict] = []
    original = app.audit
    monkeypatch.setattr(app, "audit", lambda event, **fields: records.append({"event": event, **fields})
                        or original(event, **fields))
    return records


def test_the_queue_listing_names_the_viewer_and_the_tickets(desk, audits):
    waiting = desk.waiting_tickets(2)
    status, _ = desk.call(desk.agent, "GET", "/agent/queue")
    assert status == 200
    [record] = [r for r in audits if r["event"] == "staff_listing"]
    assert record["actor_id"] == desk.agent.account_id and record["view"] == "queue"
    assert set(waiting) <= set(record["ticket_ids"])


def test_a_supervisor_looking_at_an_agents_tickets_is_recorded(desk, audits):
    ticket_id = desk.waiting_tickets(1)[0]
    desk.claim(desk.agent, ticket_id)
    status, _ = desk.call(desk.supervisor, "GET", "/agent/tickets", query={"agent_id": desk.agent.account_id})
    assert status == 200
    [record] = [r for r in audits if r["event"] == "staff_listing"]
    assert record["actor_role"] == "supervisor" and record["agent_id"] == desk.agent.account_id
    assert record["ticket_ids"] == [ticket_id]


def test_an_agent_refused_another_agents_tickets_is_recorded(desk, audits):
    status, _ = desk.call(desk.agent, "GET", "/agent/tickets", query={"agent_id": desk.agent2.account_id})
    assert status == 403
    [record] = [r for r in audits if r["event"] == "staff_listing_denied"]
    assert record["actor_id"] == desk.agent.account_id and record["agent_id"] == desk.agent2.account_id


def test_reading_a_tickets_access_log_is_recorded(desk, audits):
    ticket_id = desk.open(desk.alice)["ticket"]["id"]
    status, _ = desk.call(desk.supervisor, "GET", f"/agent/tickets/{ticket_id}/audit")
    assert status == 200
    [record] = [r for r in audits if r["event"] == "staff_listing"]
    assert record["view"] == "access_log" and record["ticket_id"] == ticket_id
