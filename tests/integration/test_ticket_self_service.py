"""Self-service before a human, over HTTP on moto: suggested articles when a ticket opens, the automatic reply and
when it must not happen, closing a ticket an article solved (idempotent, concurrent-safe, own tickets only), and the
agent message guard (agents never ask for secrets)."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.integration.ticket_desk import desk, serialized_dynamodb  # noqa: F401


def messages(desk, who, ticket_id):
    status, body = desk.call(who, "GET", f"/tickets/{ticket_id}")
    assert status == 200, body
    return body["messages"]


def automatic(desk, who, ticket_id):
    return [m for m in messages(desk, who, ticket_id) if m.get("note") == "automatic_answer"]


def test_opening_a_ticket_suggests_up_to_three_articles_in_the_customers_language(desk):
    body = desk.open(desk.alice, "My refund was approved but the money is not back yet, how long does it take?",
                     category="refund", subject="Refund")
    suggested = body["suggested_articles"]
    assert 1 <= len(suggested) <= 3 and suggested[0]["id"] == "refund-progress"
    assert {s["language"] for s in suggested} == {"en"}
    body = desk.open(desk.bob, "今天天气怎么样", subject="你好")
    assert body["suggested_articles"] == []


def test_a_clear_question_gets_an_automatic_reply_with_the_article_and_how_to_reach_a_human(desk):
    body = desk.open(desk.bob, "退款多久到账", category="refund", subject="退款")
    assert body["ticket"]["status"] == "open"
    replies = automatic(desk, desk.bob, body["ticket"]["id"])
    assert len(replies) == 1
    assert replies[0]["author"] == "system" and replies[0]["params"]["automatic"] == "true"
    assert replies[0]["params"]["article_id"] == "refund-progress" and "输入“转人工”" in replies[0]["text"]
    # a later message on the same open ticket is answered the same way
    status, _ = desk.call(desk.bob, "POST", f"/tickets/{body['ticket']['id']}/messages", {"message": "怎么改地址"})
    assert status == 201
    ids = [m["params"]["article_id"] for m in automatic(desk, desk.bob, body["ticket"]["id"])]
    assert ids == ["refund-progress", "change-delivery-address"]


def test_no_automatic_reply_when_the_customer_asks_for_a_human_or_an_agent_is_talking(desk):
    # asked for a human in the first message: queued, no automatic answer
    body = desk.open(desk.bob, "转人工,退款多久到账", category="refund", subject="退款")
    assert body["ticket"]["status"] == "waiting" and automatic(desk, desk.bob, body["ticket"]["id"]) == []
    # an agent is talking: their conversation, not the robot's
    ticket_id = body["ticket"]["id"]
    assert desk.claim(desk.agent, ticket_id)[0] == 200
    status, _ = desk.call(desk.bob, "POST", f"/tickets/{ticket_id}/messages", {"message": "退款多久到账"})
    assert status == 201 and automatic(desk, desk.bob, ticket_id) == []
    # nothing clear to say: no automatic answer either
    body = desk.open(desk.bob, "我有个问题想咨询一下", subject="咨询")
    assert automatic(desk, desk.bob, body["ticket"]["id"]) == []


def test_a_ticket_an_article_solved_is_closed_once_and_counted(desk):
    ticket_id = desk.open(desk.bob, "怎么取消订单", category="order_status", subject="取消")["ticket"]["id"]
    path = f"/tickets/{ticket_id}/solved-by-article"
    status, body = desk.call(desk.bob, "POST", path, {"article_id": "cancel-order"})
    assert status == 200 and body["ticket"]["status"] == "resolved" and body["article"]["id"] == "cancel-order"
    assert body["solved_now"] is True
    notes = [m for m in messages(desk, desk.bob, ticket_id) if m.get("note") == "solved_by_article"]
    assert len(notes) == 1 and notes[0]["params"]["article_id"] == "cancel-order"
    # again (a retry): same answer, nothing written twice
    status, body = desk.call(desk.bob, "POST", path, {"article_id": "cancel-order"})
    assert status == 200 and body["ticket"]["status"] == "resolved" and body["solved_now"] is False
    assert len([m for m in messages(desk, desk.bob, ticket_id) if m.get("note") == "solved_by_article"]) == 1


def test_solved_by_article_guards(desk):
    ticket_id = desk.open(desk.bob, "怎么取消订单", category="order_status", subject="取消")["ticket"]["id"]
    path = f"/tickets/{ticket_id}/solved-by-article"
    assert desk.call(desk.alice, "POST", path, {"article_id": "cancel-order"})[0] == 404  # another customer's
    status, body = desk.call(desk.bob, "POST", path, {"article_id": "no-such-article"})
    assert status == 404 and body["error"]["code"] == "article_not_found"
    status, body = desk.call(desk.bob, "POST", path, {})
    assert status == 400 and body["error"]["details"] == {"field": "article_id"}
    assert desk.call(desk.agent, "POST", path, {"article_id": "cancel-order"})[0] == 403  # customers only
    # an agent is handling it: the customer tells the agent instead
    desk.handoff(desk.bob, ticket_id)
    assert desk.claim(desk.agent, ticket_id)[0] == 200
    status, body = desk.call(desk.bob, "POST", path, {"article_id": "cancel-order"})
    assert status == 409 and body["error"]["code"] == "ticket_with_agent"


def test_solving_a_waiting_ticket_leaves_the_queue_and_the_others_move_up(desk):
    first, second, third = desk.waiting_tickets(3)
    status, body = desk.call(desk.bob, "POST", f"/tickets/{first}/solved-by-article", {"article_id": "cancel-order"})
    assert status == 200 and body["ticket"]["status"] == "resolved"
    assert [desk.position(desk.bob, t) for t in (first, second, third)] == [None, 1, 2]
    status, body = desk.call(desk.agent, "GET", "/agent/queue")
    assert body["waiting"] == 2 and [t["id"] for t in body["tickets"]] == [second, third]


def test_concurrent_solved_by_article_closes_the_ticket_exactly_once(desk):
    ticket_id = desk.waiting_tickets(1)[0]
    path = f"/tickets/{ticket_id}/solved-by-article"
    with serialized_dynamodb(), ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: desk.call(desk.bob, "POST", path, {"article_id": "refund-apply"}), range(4)))
    assert [status for status, _ in results] == [200] * 4
    assert sum(1 for _, body in results if body["solved_now"]) == 1
    notes = [m for m in messages(desk, desk.bob, ticket_id) if m.get("note") == "solved_by_article"]
    assert len(notes) == 1
    assert desk.call(desk.agent, "GET", "/agent/queue")[1]["waiting"] == 0  # left the queue once, not four times


def test_an_agent_reply_asking_for_a_secret_is_refused_and_not_stored(desk):
    ticket_id = desk.waiting_tickets(1)[0]
    assert desk.claim(desk.agent, ticket_id)[0] == 200
    path = f"/agent/tickets/{ticket_id}/messages"
    for text, rule in (("请提供您的密码", "password"), ("把验证码发给我", "verification_code"),
                       ("send me your full card number", "card_number")):
        status, body = desk.call(desk.agent, "POST", path, {"message": text}, language="en")
        assert status == 422, body
        assert body["error"]["code"] == "unsafe_request_for_secret" and body["error"]["details"] == {"rule": rule}
        assert rule in body["error"]["message"]
    status, body = desk.call(desk.agent, "POST", path, {"message": "请不要把密码告诉任何人,我们已为您处理退款。"})
    assert status == 201, body
    texts = [m["text"] for m in messages(desk, desk.bob, ticket_id) if m["author"] == "agent"]
    assert texts == ["请不要把密码告诉任何人,我们已为您处理退款。"]
