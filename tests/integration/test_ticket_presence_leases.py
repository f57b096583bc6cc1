"""Agent presence leases on moto: going online holds a 30-minute lease that the agent console renews with the same
call; the 5-minute SLA schedule takes agents whose lease ended off the agents-online count (which the wait estimate
uses), exactly once, and never an agent who renewed in time."""
from __future__ import annotations

from tests.conftest import LambdaContext, load_event
from tests.dynamodb_calls import dynamodb_calls
from tests.integration.ticket_desk import desk  # noqa: F401 (fixture)


def _status(desk, agent, online: bool) -> dict:
    status, body = desk.call(agent, "PUT", "/agent/status", {"online": online})
    assert status == 200, body
    return body


def _schedule() -> dict:
    from functions.ticket import sla

    return sla.lambda_handler(load_event("ticket_sla_schedule.json"), LambdaContext())["queues"][0]


def _agents_online() -> int:
    from supportdesk.tickets.wiring import queue_store

    return queue_store().stats("general").agents_online


def _estimate(desk, ticket_id: str) -> int:
    status, body = desk.call(desk.bob, "GET", f"/tickets/{ticket_id}/queue")
    assert status == 200, body
    return body["queue"]["estimated_wait_seconds"]


def test_going_online_holds_a_thirty_minute_lease(desk):
    # When an agent goes online
    body = _status(desk, desk.agent, True)
    # Then the answer says until when they count as online
    assert body["changed"] is True and body["agents_online"] == 1
    assert body["lease_until"] == "2026-11-24T02:30:00Z"
    # And going offline ends it
    body = _status(desk, desk.agent, False)
    assert body["changed"] is True and body["lease_until"] is None and body["agents_online"] == 0


def test_a_lapsed_lease_is_expired_by_the_schedule_and_the_estimate_follows(desk):
    # Given two agents online and three waiting tickets: two ahead of the last one, one round of 300 s
    _status(desk, desk.agent, True)
    desk.clock.advance(minutes=1)
    _status(desk, desk.agent2, True)
    ids = desk.waiting_tickets(3)
    assert _estimate(desk, ids[2]) == 300
    # And the first agent closes the browser; the second keeps renewing (every 10 minutes)
    for _ in range(3):
        desk.clock.advance(minutes=10)
        _status(desk, desk.agent2, True)
    # When the schedule runs 31 minutes after the first agent's last call
    desk.clock.advance(minutes=1)
    report = _schedule()
    # Then exactly that agent is taken off the count
    assert report["leases_expired"] == 1 and report["agents_online"] == 1
    # And the estimate is for one agent: two ahead at 300 s each
    assert _estimate(desk, ids[2]) == 600
    # And the next run finds nothing more to expire
    assert _schedule()["leases_expired"] == 0 and _agents_online() == 1


def test_a_renewal_at_minute_twenty_keeps_the_agent_counted_at_minute_thirty_one(desk):
    # Given an agent online whose console renews the lease at minute 20
    _status(desk, desk.agent, True)
    desk.clock.advance(minutes=20)
    renewal = _status(desk, desk.agent, True)
    # Then the renewal does not count the agent twice and moves the lease on
    assert renewal["changed"] is False and renewal["agents_online"] == 1
    assert renewal["lease_until"] == "2026-11-24T02:50:00Z"
    # When the schedule runs at minute 31
    desk.clock.advance(minutes=11)
    report = _schedule()
    # Then the agent still counts
    assert report["leases_expired"] == 0 and report["agents_online"] == 1
    # And without a further renewal the lease ends at minute 50
    desk.clock.advance(minutes=20)
    assert _schedule()["leases_expired"] == 1 and _agents_online() == 0


def test_a_renewal_between_the_query_and_the_expiry_wins(desk):
    from supportdesk.tickets.sla import expire_leases
    from supportdesk.tickets.wiring import queue_store

    store = queue_store()
    # Given an agent whose lease lapsed, found by the schedule's Query
    _status(desk, desk.agent, True)
    desk.clock.advance(minutes=31)
    stale = store.expired_leases("general", desk.clock.now(), 100)
    assert stale == [desk.agent.account_id]

    # When the console renews the lease before the schedule writes
    class StaleQuery:
        def expired_leases(self, queue, now, limit):
            _status(desk, desk.agent, True)
            return stale

        def expire_lease(self, queue, agent_id, now):
            return store.expire_lease(queue, agent_id, now)

    expired = expire_leases(StaleQuery(), "general", desk.clock.now())
    # Then the renewal wins: nobody is taken off and the agent still counts, once
    assert expired == 0 and _agents_online() == 1
    assert store.expired_leases("general", desk.clock.now(), 100) == []


def test_going_offline_then_the_schedule_does_not_count_the_agent_off_twice(desk):
    from supportdesk.tickets.wiring import queue_store

    store = queue_store()
    # Given two agents online, one of whom goes offline after their lease lapsed
    _status(desk, desk.agent, True)
    _status(desk, desk.agent2, True)
    desk.clock.advance(minutes=31)
    stale = store.expired_leases("general", desk.clock.now(), 100)
    assert sorted(stale) == sorted([desk.agent.account_id, desk.agent2.account_id])
    _status(desk, desk.agent2, True)  # agent2 renews
    assert _status(desk, desk.agent, False)["agents_online"] == 1
    # When the schedule runs (and even when it acts on the list it read before the agent went offline)
    assert _schedule()["leases_expired"] == 0
    assert [store.expire_lease("general", agent_id, desk.clock.now()) for agent_id in stale] == [False, False]
    # Then the counter went down exactly once
    assert _agents_online() == 1


def test_going_online_costs_the_same_calls_as_before_and_a_renewal_one_conditional_update_more(desk):
    # Going online: one transaction (presence + counter) and the stats read for the answer
    with dynamodb_calls() as first:
        _status(desk, desk.agent, True)
    assert first == ["TransactWriteItems", "GetItem"]
    # Renewing: the transaction's condition refuses to count the agent twice, one conditional UpdateItem renews
    with dynamodb_calls() as renewal:
        _status(desk, desk.agent, True)
    assert renewal == ["TransactWriteItems", "UpdateItem", "GetItem"]
