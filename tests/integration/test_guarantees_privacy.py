"""Privacy guarantees of docs/api-tickets.md, checked where a leak would show: what is stored, what the customer and the
e-mail see, and what the function writes to its log (the Powertools logger's own output, i.e. CloudWatch Logs).

"subjects, messages, rating comments and inbound mail are masked before they are stored or logged; the original is
never stored ... Agent replies are masked too."
"""
from __future__ import annotations

import io

import pytest

from tests.integration.ticket_desk import desk, mails_to  # noqa: F401 (fixture)

CARD = "4111 1111 1111 1111"  # passes the Luhn check
CARD_FORMS = (CARD, CARD.replace(" ", ""), "1111 1111 1111")


@pytest.fixture
def log_output(monkeypatch) -> io.StringIO:
    """Everything the functions log from now on, exactly as Lambda would ship it to CloudWatch Logs."""
    from supportdesk.observability import logger

    buffer = io.StringIO()
    monkeypatch.setattr(logger.registered_handler, "stream", buffer)
    return buffer


def _leaks(text: str) -> list[str]:
    return [form for form in CARD_FORMS if form in text]


def test_a_card_number_in_a_ticket_is_never_written_to_the_log(desk, log_output):
    from supportdesk.observability import logger

    previous = logger.log_level
    logger.setLevel("DEBUG")  # whatever a function logs at any level
    try:
        # When a customer opens a ticket with a card number in the subject and the message, writes it again, and an
        # agent handles the ticket
        body = desk.open(desk.alice, f"I paid with {CARD} twice", subject=f"Card {CARD}", category="payment")
        ticket_id = body["ticket"]["id"]
        status, _ = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/messages", {"message": f"card: {CARD}"})
        assert status == 201
        desk.handoff(desk.alice, ticket_id)
        assert desk.claim(desk.agent, ticket_id)[0] == 200
        desk.resolve(desk.agent, ticket_id)
        status, _ = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/rating", {"score": 4, "comment": CARD})
        assert status == 201
    finally:
        logger.setLevel(previous)
    logged = log_output.getvalue()
    # Then the log holds these requests (so the check below looks at real output) ...
    assert '"audit_event":"ticket_opened"' in logged and ticket_id in logged
    assert '"audit_event":"ticket_rated"' in logged
    # ... and never the number
    assert _leaks(logged) == []


def test_a_card_number_in_an_agent_reply_is_masked_in_the_ticket_the_mail_and_the_log(desk, log_output):
    from supportdesk.dal.tickets import TicketMessageModel

    # Given a ticket an agent claimed
    ticket_id = desk.open(desk.alice, "Refund please")["ticket"]["id"]
    desk.handoff(desk.alice, ticket_id)
    assert desk.claim(desk.agent, ticket_id)[0] == 200
    # When the agent pastes the customer's card number into a reply
    status, body = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages",
                             {"message": f"We refunded the card {CARD} today."})
    # Then the reply is accepted and says what was masked
    assert status == 201 and body["masked_kinds"] == ["bank_card"] and body["customer_notified"] is True
    # And neither the stored reply, nor what the customer reads, nor the e-mail, nor the log holds the number
    stored = [m.text for m in TicketMessageModel.query(ticket_id, consistent_read=True) if m.author == "agent"]
    assert len(stored) == 1 and stored[0].startswith("We refunded the card ") and _leaks(stored[0]) == []
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    assert _leaks(detail["messages"][-1]["text"]) == [] and detail["messages"][-1]["author"] == "agent"
    _, staff_view = desk.call(desk.agent, "GET", f"/agent/tickets/{ticket_id}")
    assert staff_view["messages"][-1]["masked_kinds"] == ["bank_card"]
    mails = mails_to("alice@example.net")
    assert len(mails) == 1 and "We refunded the card" in mails[0].body and _leaks(mails[0].body) == []
    assert _leaks(log_output.getvalue()) == []
