"""The human queue on moto: handoff (explicit and by intent), exact positions under concurrency, the claim race,
constant DynamoDB calls, wait estimates with agents online and business hours across a holiday."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

from tests.dynamodb_calls import dynamodb_calls
from tests.integration.ticket_desk import desk, serialized_dynamodb  # noqa: F401


def test_handoff_joins_the_queue_with_position_and_wait(desk):
    # Given two agents online and two tickets already waiting
    for agent in (desk.agent, desk.agent2):
        assert desk.call(agent, "PUT", "/agent/status", {"online": True})[0] == 200
    for _ in range(2):
        desk.handoff(desk.bob, desk.open(desk.bob, "问题")["ticket"]["id"])
    ticket_id = desk.open(desk.alice, "My parcel is late")["ticket"]["id"]
    # When Alice asks for a human
    body = desk.handoff(desk.alice, ticket_id)
    # Then she is third in line, told the wait and that the desk is open
    assert body["ticket"]["status"] == "waiting"
    queue = body["queue"]
    assert queue["position"] == 3 and queue["waiting"] == 3 and queue["agents_online"] == 2
    assert queue["open_now"] is True and queue["agents_back_at"] is None
    # two tickets ahead, two agents, no history yet (300 s a conversation): one round of 300 s
    assert queue["estimated_wait_seconds"] == 300
    assert queue["expected_at"] == "2026-11-24T02:05:00Z"
    # And asking again keeps her place (idempotent)
    assert desk.handoff(desk.alice, ticket_id)["queue"]["position"] == 3
    # And GET /queue gives the same live
    assert desk.position(desk.alice, ticket_id) == 3


def test_a_message_asking_for_a_human_hands_off_but_words_that_merely_contain_it_do_not(desk):
    for text in ("转人工", "人工服务", "I want to talk to a real person", "agent please"):
        body = desk.open(desk.bob, "你好")
        status, answer = desk.call(desk.bob, "POST", f"/tickets/{body['ticket']['id']}/messages", {"message": text})
        assert status == 201 and answer["ticket"]["status"] == "waiting" and answer["queue"]["position"] >= 1, text
    for text in ("人工智能客服是怎么工作的？", "my user agent string is odd", "人工费怎么算"):
        body = desk.open(desk.bob, "你好")
        status, answer = desk.call(desk.bob, "POST", f"/tickets/{body['ticket']['id']}/messages", {"message": text})
        assert answer["ticket"]["status"] == "open" and answer["queue"] is None, text


def test_opening_a_ticket_with_a_request_for_a_human_queues_it_at_once(desk):
    body = desk.open(desk.bob, "人工客服")
    assert body["ticket"]["status"] == "waiting" and body["queue"]["position"] == 1


def test_positions_move_up_as_agents_claim(desk):
    ids = [desk.open(desk.alice, f"q{n}")["ticket"]["id"] for n in range(4)]
    for ticket_id in ids:
        desk.handoff(desk.alice, ticket_id)
    assert [desk.position(desk.alice, t) for t in ids] == [1, 2, 3, 4]
    assert desk.claim(desk.agent, ids[1])[0] == 200  # an agent may take any waiting ticket, not only the first
    assert [desk.position(desk.alice, t) for t in ids] == [1, None, 2, 3]
    assert desk.claim(desk.agent2, ids[0])[0] == 200
    assert [desk.position(desk.alice, t) for t in (ids[2], ids[3])] == [1, 2]


def test_concurrent_joins_then_concurrent_claims_keep_positions_exact(desk):
    # Given 16 customers' tickets
    ids = [desk.open(desk.bob, f"问题 {n}")["ticket"]["id"] for n in range(16)]
    with serialized_dynamodb(), ThreadPoolExecutor(max_workers=8) as pool:
        # When all of them ask for a human at the same time
        list(pool.map(lambda t: desk.handoff(desk.bob, t), ids))
        # Then the positions are exactly 1..16, in the order the queue handed out numbers
        positions = list(pool.map(lambda t: desk.position(desk.bob, t), ids))
        assert sorted(positions) == list(range(1, 17))
        by_position = [t for _, t in sorted(zip(positions, ids))]
        # When agents claim 6 of them concurrently (every other one from the head)
        claimed = by_position[::2][:6]
        results = list(pool.map(lambda t: desk.claim(desk.agent, t)[0], claimed))
        assert results == [200] * 6
        # Then the other 10 are exactly 1..10 and keep their relative order
        rest = [t for t in by_position if t not in claimed]
        assert list(pool.map(lambda t: desk.position(desk.bob, t), rest)) == list(range(1, 11))
    _, listing = desk.call(desk.agent, "GET", "/agent/queue", query={"limit": "50"})
    assert listing["waiting"] == 10
    assert [t["id"] for t in listing["tickets"]] == rest


def test_a_claim_race_has_exactly_one_winner(desk):
    ticket_id = desk.open(desk.alice, "help")["ticket"]["id"]
    desk.handoff(desk.alice, ticket_id)
    agents = [desk.agent, desk.agent2, desk.supervisor] * 4
    with serialized_dynamodb(), ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(lambda a: desk.claim(a, ticket_id), agents))
    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [200] + [409] * 11
    assert {body["error"]["code"] for status, body in outcomes if status == 409} == {"ticket_already_claimed"}
    winner = next(body for status, body in outcomes if status == 200)
    assert winner["ticket"]["status"] == "assigned"
    _, listing = desk.call(desk.agent, "GET", "/agent/queue")
    assert listing["waiting"] == 0 and listing["tickets"] == []


def _seed_waiting(count: int) -> None:
    """The state `count` more joins leave behind (waiting tickets, the queue's counter, tree nodes and waiting
    count), written in bulk: moto copies every table on each transaction, so hundreds of real joins take minutes.
    The join path itself is exercised by every other test here."""
    from collections import Counter

    from supportdesk.dal.tickets import TicketModel, TicketQueueModel
    from supportdesk.tickets import queue as q
    from supportdesk.tickets.repository import stamp

    counter = TicketQueueModel.get(q.sequence_key(q.DEFAULT_QUEUE))
    first = int(counter.next_seq) + 1
    seqs = range(first, first + count)
    now = stamp(datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc))
    nodes = Counter(index for seq in seqs for index in q.update_path(seq))
    with TicketModel.batch_write() as batch:
        for seq in seqs:
            batch.save(TicketModel(f"T-SEED{seq:04d}", customer_id="cust-seed", category="other", subject="seed",
                                   status="waiting", created_at=now, updated_at=now, queue=q.DEFAULT_QUEUE,
                                   queue_seq=seq, waiting_queue=q.DEFAULT_QUEUE, queued_at=now))
    for index, added in nodes.items():
        TicketQueueModel(q.node_key(q.DEFAULT_QUEUE, index)).update(actions=[TicketQueueModel.count.add(added)])
    TicketQueueModel(q.stats_key(q.DEFAULT_QUEUE)).update(actions=[TicketQueueModel.waiting.add(count)])
    counter.update(actions=[TicketQueueModel.next_seq.add(count)])


def _calls_for_one_handoff_and_queue_read(desk) -> tuple[list[str], list[str], int]:
    ticket_id = desk.open(desk.alice, "one more")["ticket"]["id"]
    with dynamodb_calls() as handoff_calls:
        position = desk.handoff(desk.alice, ticket_id)["queue"]["position"]
    with dynamodb_calls() as queue_calls:
        assert desk.position(desk.alice, ticket_id) == position
    return handoff_calls, queue_calls, position


def test_handoff_and_queue_position_cost_the_same_dynamodb_calls_with_3_or_300_waiting(desk):
    desk.waiting_tickets(3)
    *few, position = _calls_for_one_handoff_and_queue_read(desk)
    assert position == 4
    _seed_waiting(296)
    *many, position = _calls_for_one_handoff_and_queue_read(desk)
    assert position == 301  # 3 + 1 + 296 ahead: exact, not estimated
    assert few == many
    handoff_calls, queue_calls = many
    assert "Scan" not in handoff_calls + queue_calls
    # read ticket, next number, one transaction, one BatchGet of the tree's prefix nodes + stats (the new state of
    # the ticket is known from what was written, not read back)
    assert handoff_calls == ["GetItem", "UpdateItem", "TransactWriteItems", "BatchGetItem"]
    assert queue_calls == ["GetItem", "BatchGetItem"]


def test_agent_status_is_idempotent_and_drives_the_estimate(desk):
    def online(agent, flag):
        status, body = desk.call(agent, "PUT", "/agent/status", {"online": flag})
        assert status == 200
        return body["agents_online"]

    assert online(desk.agent, True) == 1
    assert online(desk.agent, True) == 1  # toggling twice does not count twice
    assert online(desk.agent2, True) == 2
    assert online(desk.agent, False) == 1
    assert online(desk.agent, False) == 1
    assert online(desk.agent2, False) == 0
    status, body = desk.call(desk.agent, "PUT", "/agent/status", {"online": "yes"})
    assert (status, body["error"]["code"]) == (400, "invalid_field")

    ids = desk.waiting_tickets(3)
    online(desk.agent, True)
    status, body = desk.call(desk.bob, "GET", f"/tickets/{ids[2]}/queue")
    assert body["queue"]["estimated_wait_seconds"] == 600  # two ahead, one agent, 300 s each
    online(desk.agent2, True)
    status, body = desk.call(desk.bob, "GET", f"/tickets/{ids[2]}/queue")
    assert body["queue"]["estimated_wait_seconds"] == 300


def test_handling_time_learned_on_resolve_feeds_the_estimate(desk):
    desk.call(desk.agent, "PUT", "/agent/status", {"online": True})
    first = desk.waiting_tickets(1)[0]
    assert desk.claim(desk.agent, first)[0] == 200
    desk.clock.advance(minutes=10)
    desk.resolve(desk.agent, first)
    ids = desk.waiting_tickets(2)
    _, body = desk.call(desk.bob, "GET", f"/tickets/{ids[1]}/queue")
    assert body["queue"]["estimated_wait_seconds"] == 600  # one ahead at the 600 s just observed
    _, listing = desk.call(desk.agent, "GET", "/agent/queue")
    assert listing["avg_handle_seconds"] == 600


def test_handoff_on_a_holiday_is_accepted_and_says_when_agents_are_back(desk):
    # Given National Day 2026 (1-7 October), 10:00 in Shanghai: the desk is closed until 8 October 09:00
    desk.clock.set(datetime(2026, 10, 1, 2, 0, tzinfo=timezone.utc))
    ticket_id = desk.open(desk.bob, "退款什么时候到账？", category="refund")["ticket"]["id"]
    # When the customer asks for a human
    body = desk.handoff(desk.bob, ticket_id)
    # Then the handoff is accepted, with the time agents are back, and the wait counts from then
    queue = body["queue"]
    assert body["ticket"]["status"] == "waiting"
    assert queue["open_now"] is False
    assert queue["agents_back_at"] == "2026-10-08T01:00:00Z"
    assert queue["expected_at"] == "2026-10-08T01:00:00Z"  # first in line: picked up at opening
    assert queue["estimated_wait_seconds"] == int((datetime(2026, 10, 8, 1, tzinfo=timezone.utc)
                                                   - datetime(2026, 10, 1, 2, tzinfo=timezone.utc)).total_seconds())
    # And an automatic acknowledgement in the customer's language is in the ticket
    _, detail = desk.call(desk.bob, "GET", f"/tickets/{ticket_id}")
    note = next(m for m in detail["messages"] if m.get("note") == "after_hours")
    assert note["author"] == "system" and "2026-10-08 09:00" in note["text"] and "非工作时间" in note["text"]
    # And during business hours the acknowledgement is the plain one
    desk.clock.set(datetime(2026, 10, 8, 2, 0, tzinfo=timezone.utc))
    other = desk.open(desk.alice, "hello")["ticket"]["id"]
    assert desk.handoff(desk.alice, other)["queue"]["open_now"] is True
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{other}")
    assert [m["note"] for m in detail["messages"] if m["author"] == "system"] == ["handoff"]
