"""Customer side of tickets on moto: open, list, read, write, privacy (masking, other customers' tickets), input errors."""
from __future__ import annotations

import re

import pytest

from tests.integration.ticket_desk import desk  # noqa: F401 (fixture)


def test_open_ticket_answers_201_with_a_short_reference(desk):
    # Given a signed-in customer
    # When they open a ticket about one of their orders
    body = desk.open(desk.alice, "Has order O-1001 shipped yet?", category="order_status", subject="Order status",
                     order_id="O-1001")
    # Then they get the ticket with an unambiguous short reference, open, created now
    ticket = body["ticket"]
    assert re.fullmatch(r"T-[2-9A-HJKMNP-TV-Z]{5}", ticket["id"])
    assert ticket["reference"] == ticket["id"]
    assert ticket["status"] == "open"
    assert ticket["category"] == "order_status" and ticket["order_id"] == "O-1001"
    assert ticket["created_at"] == "2026-11-24T02:00:00Z"
    assert body["masked"] is False and body["queue"] is None


def test_ticket_with_messages_and_own_list_newest_first_with_cursor_pages(desk):
    ids = []
    for n in range(5):
        ids.append(desk.open(desk.alice, f"question {n}", subject=f"Question {n}")["ticket"]["id"])
        desk.clock.advance(minutes=1)
    desk.open(desk.bob, "别人的工单")

    status, page1 = desk.call(desk.alice, "GET", "/tickets", query={"limit": "2"})
    assert status == 200
    assert [t["id"] for t in page1["tickets"]] == ids[::-1][:2]
    status, page2 = desk.call(desk.alice, "GET", "/tickets", query={"limit": "2", "cursor": page1["next_cursor"]})
    status, page3 = desk.call(desk.alice, "GET", "/tickets", query={"limit": "2", "cursor": page2["next_cursor"]})
    seen = [t["id"] for p in (page1, page2, page3) for t in p["tickets"]]
    assert seen == ids[::-1]

    status, detail = desk.call(desk.alice, "GET", f"/tickets/{ids[0]}")
    assert status == 200
    assert detail["ticket"]["id"] == ids[0]
    assert [m["text"] for m in detail["messages"] if m["author"] == "customer"] == ["question 0"]


def test_a_message_is_added_in_order(desk):
    ticket_id = desk.open(desk.alice, "first")["ticket"]["id"]
    desk.clock.advance(seconds=5)
    status, body = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/messages", {"message": "second"})
    assert status == 201 and body["ticket"]["status"] == "open"
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    assert [m["text"] for m in detail["messages"] if m["author"] == "customer"] == ["first", "second"]


@pytest.mark.parametrize(
    "body, code",
    [
        ({"category": "gossip", "subject": "s", "message": "m"}, "invalid_category"),
        ({"subject": "s", "message": "m"}, "invalid_category"),
        ({"category": "payment", "subject": "s", "message": "   "}, "empty_message"),
        ({"category": "payment", "subject": "s", "message": "x" * 5001}, "message_too_long"),
        ({"category": "payment", "subject": "s" * 201, "message": "m"}, "field_too_long"),
        ({"category": "payment", "message": "m"}, "missing_field"),
        ({"category": "payment", "subject": "s", "message": 42}, "invalid_field"),
        ("not json", "invalid_json"),
    ],
)
def test_bad_ticket_input_is_a_400_with_a_stable_code_in_both_languages(desk, body, code):
    status, en = desk.call(desk.alice, "POST", "/tickets", body, language="en")
    status_zh, zh = desk.call(desk.alice, "POST", "/tickets", body, language="zh-CN")
    assert status == status_zh == 400
    assert en["error"]["code"] == zh["error"]["code"] == code
    assert en["error"]["message"] != zh["error"]["message"]


def test_a_message_of_exactly_5000_characters_and_a_subject_of_200_are_accepted(desk):
    # docs/api-tickets.md: "subject > 200 ... characters", "message ... over 5,000 characters" are refused
    body = desk.open(desk.alice, "x" * 5000, subject="s" * 200)
    assert body["ticket"]["status"] == "open" and body["ticket"]["subject"] == "s" * 200


def test_an_order_of_another_customer_is_order_not_found(desk):
    status, body = desk.call(desk.alice, "POST", "/tickets", {"category": "refund", "subject": "Refund",
                                                               "message": "refund please", "order_id": "O-2002"})
    assert status == 404 and body["error"]["code"] == "order_not_found"


def test_a_customer_can_never_read_or_change_another_customers_ticket(desk):
    # Given Bob's ticket
    bobs = desk.open(desk.bob, "我的快递到哪了？")["ticket"]["id"]
    # When Alice tries every customer route on it, Then each answers 404 exactly as for a ticket that does not exist
    attempts = [
        ("GET", f"/tickets/{bobs}", None),
        ("POST", f"/tickets/{bobs}/messages", {"message": "hi"}),
        ("POST", f"/tickets/{bobs}/handoff", None),
        ("GET", f"/tickets/{bobs}/queue", None),
        ("POST", f"/tickets/{bobs}/rating", {"score": 1}),
    ]
    for method, path, body in attempts:
        status, answer = desk.call(desk.alice, method, path, body)
        assert (status, answer["error"]["code"]) == (404, "ticket_not_found"), path
        missing = path.replace(bobs, "T-ZZZZZ")
        assert desk.call(desk.alice, method, missing, body) == (status, answer)
    # And Bob's ticket is unchanged
    _, detail = desk.call(desk.bob, "GET", f"/tickets/{bobs}")
    # (the help centre's automatic answer to "我的快递到哪了" is the only other message)
    assert detail["ticket"]["status"] == "open"
    assert [m["author"] for m in detail["messages"] if m.get("note") != "automatic_answer"] == ["customer"]


def test_malformed_ticket_ids_and_cursors_are_4xx_not_500(desk):
    status, body = desk.call(desk.alice, "GET", "/tickets/not-a-ticket")
    assert (status, body["error"]["code"]) == (404, "ticket_not_found")
    status, body = desk.call(desk.alice, "GET", "/tickets", query={"cursor": "%%%garbage"})
    assert (status, body["error"]["code"]) == (400, "invalid_cursor")
    status, body = desk.call(desk.alice, "GET", "/tickets", query={"limit": "1000"})
    assert (status, body["error"]["code"]) == (400, "invalid_limit")


def test_a_card_number_is_masked_in_what_is_stored_and_returned_with_a_notice(desk):
    from supportdesk.dal.tickets import TicketMessageModel, TicketModel

    card = "4111 1111 1111 1111"
    # When a customer writes a card number in the subject and the message
    body = desk.open(desk.alice, f"I paid with card {card} but the order is unpaid", category="payment",
                     subject=f"Card {card}")
    ticket_id = body["ticket"]["id"]
    # Then the response says so
    assert body["masked"] is True and body["masked_kinds"] == ["bank_card"]
    assert "4111 1111 1111 1111" not in body["ticket"]["subject"]
    # And nothing stored holds the number
    stored_ticket = TicketModel.get(ticket_id)
    stored = list(TicketMessageModel.query(ticket_id))
    assert "1111 1111 1111" not in stored_ticket.subject
    assert all("1111 1111 1111" not in m.text and "4111111111111111" not in m.text for m in stored)
    # And the customer sees a system note in their language that staff never ask for passwords or codes
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    notes = [m for m in detail["messages"] if m["author"] == "system" and m.get("note") == "masked"]
    assert len(notes) == 1 and "password" in notes[0]["text"] and "bank card" in notes[0]["text"]
    customer_text = next(m["text"] for m in detail["messages"] if m["author"] == "customer")
    assert customer_text.startswith("I paid with card ") and "1111 1111 1111" not in customer_text


def test_masking_notice_is_in_chinese_for_a_chinese_customer(desk):
    status, body = desk.call(desk.bob, "POST", "/tickets", {"category": "account", "subject": "登录",
                                                             "message": "我的密码是 hunter2hunter2，帮我登录"})
    assert status == 201 and body["masked"] is True
    _, detail = desk.call(desk.bob, "GET", f"/tickets/{body['ticket']['id']}")
    note = next(m for m in detail["messages"] if m.get("note") == "masked")
    assert "绝不会向您索要密码或验证码" in note["text"]
    assert all("hunter2hunter2" not in m["text"] for m in detail["messages"])


def test_opening_tickets_in_bulk_is_answered_429_with_a_stable_code(desk):
    from supportdesk.tickets.service import OPEN_PER_CUSTOMER

    # Given a customer who opened as many tickets as an hour allows
    for n in range(OPEN_PER_CUSTOMER.max_hits):
        desk.open(desk.alice, f"question {n}")
    # When they open one more
    status, body = desk.call(desk.alice, "POST", "/tickets", {"category": "other", "subject": "again", "message": "hi"},
                             language="en")
    # Then the answer is 429 with a stable code and the wait, in their language
    assert status == 429
    assert body["error"]["code"] == "ticket_rate_limited" and "seconds" in body["error"]["message"]
