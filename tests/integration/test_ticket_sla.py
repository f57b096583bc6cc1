"""The 5-minute SLA schedule on moto: queue metrics from the stats item and the oldest waiting ticket, with the same
DynamoDB calls however long the queue."""
from __future__ import annotations

import json

from tests.conftest import LambdaContext, load_event
from tests.dynamodb_calls import dynamodb_calls
from tests.integration.ticket_desk import desk  # noqa: F401 (fixture)


def _run(capsys) -> tuple[dict, list[dict]]:
    from functions.ticket import sla

    capsys.readouterr()
    result = sla.lambda_handler(load_event("ticket_sla_schedule.json"), LambdaContext())
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return result["queues"][0], [r for r in records if "_aws" in r]


def _queue(desk, count: int) -> list[str]:
    ids = []
    for n in range(count):
        ticket_id = desk.open(desk.bob, f"问题{n}")["ticket"]["id"]
        desk.handoff(desk.bob, ticket_id)
        ids.append(ticket_id)
        desk.clock.advance(minutes=3)
    return ids


def test_schedule_publishes_waiting_count_oldest_wait_and_agents_online(desk, capsys):
    # Given an empty queue, the report says so
    report, _ = _run(capsys)
    assert report["waiting"] == 0 and report["oldest_wait_seconds"] == 0
    # Given three waiting tickets (queued 3 minutes apart), one claimed, one agent online
    ids = _queue(desk, 3)
    desk.call(desk.agent, "PUT", "/agent/status", {"online": True})
    desk.claim(desk.agent, ids[0])
    # When the schedule runs
    report, emf = _run(capsys)
    # Then it reports two waiting, the oldest waiting since 6 minutes (the second ticket), one agent online
    assert report["waiting"] == 2 and report["agents_online"] == 1
    assert report["oldest_ticket_id"] == ids[1] and report["oldest_wait_seconds"] == 6 * 60
    # And publishes them as metrics with a Queue dimension
    (record,) = emf
    assert record["Queue"] == "general"
    assert record["QueueWaitingTickets"] == [2.0] and record["QueueOldestWaitSeconds"] == [360.0]


def test_schedule_reads_a_constant_number_of_items(desk, capsys):
    _queue(desk, 2)
    with dynamodb_calls() as few:
        _run(capsys)
    _queue(desk, 10)
    with dynamodb_calls() as many:
        _run(capsys)
    # One Query of the lapsed presence leases (none here), the stats item, the oldest waiting ticket
    assert few == many == ["Query", "GetItem", "Query"]
