"""Inbound e-mail on moto: SES has put the raw message at inbound/<messageId> and invokes the function with its
event (events/ticket_inbound_email.json)."""
from __future__ import annotations

import copy
import secrets
import string
from email.message import EmailMessage

import pytest

from tests.conftest import LambdaContext, load_event
from tests.integration.ticket_desk import desk, mails_to  # noqa: F401 (fixture)


@pytest.fixture
def inbox(desk, aws):
    from supportdesk.aws import client
    from supportdesk.tickets.settings import ticket_settings as get_settings

    from functions.ticket import inbound_email

    def deliver(sender: str, subject: str, text: str | None = None, html: str | None = None,
                headers: dict[str, str] | None = None, verdicts: dict[str, str] | None = None) -> dict:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = "help@example.com"
        message["Subject"] = subject
        for name, value in (headers or {}).items():
            message[name] = value
        if text is not None:
            message.set_content(text)
            if html is not None:
                message.add_alternative(html, subtype="html")
        elif html is not None:
            message.set_content(html, subtype="html")
        message_id = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(40))
        client("s3").put_object(Bucket=get_settings().mail_bucket, Key=f"inbound/{message_id}", Body=bytes(message))
        event = copy.deepcopy(load_event("ticket_inbound_email.json"))
        event["Records"][0]["ses"]["mail"]["messageId"] = message_id
        for name, status in (verdicts or {}).items():
            event["Records"][0]["ses"]["receipt"][name] = {"status": status}
        return inbound_email.lambda_handler(event, LambdaContext())

    return deliver


def _tickets_of(desk, who):
    status, body = desk.call(who, "GET", "/tickets")
    assert status == 200
    return body["tickets"]


def test_mail_from_a_customer_opens_a_ticket_and_is_acknowledged(desk, inbox):
    # When Alice writes to the support inbox with a card number in the mail
    result = inbox("Alice <Alice@Example.net>", "Where is my parcel?",
                   "Hello, my order O-1001 has not arrived.\nI paid with 4111 1111 1111 1111.\n\n"
                   "On Mon, 23 Nov 2026 Shop <shop@example.com> wrote:\n> Your order has shipped")
    # Then a ticket (category other, channel email) is opened for her, the body masked and the quote cut off
    assert result == {"outcomes": ["opened"]}
    (ticket,) = _tickets_of(desk, desk.alice)
    assert ticket["category"] == "other" and ticket["channel"] == "email"
    assert ticket["subject"] == "Where is my parcel?"
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket['id']}")
    text = detail["messages"][0]["text"]
    assert "has not arrived" in text and "1111 1111 1111" not in text and "Your order has shipped" not in text
    assert any(m.get("note") == "masked" for m in detail["messages"])
    # And she is told the reference to reply with, in her language
    (ack,) = mails_to("alice@example.net")
    assert ack.subject.startswith(f"[{ticket['id']}] We received your message")


def test_a_reply_with_the_reference_in_the_subject_goes_into_that_ticket(desk, inbox):
    ticket_id = desk.open(desk.alice, "first")["ticket"]["id"]
    assert inbox("alice@example.net", f"Re: [{ticket_id}] Parcel", "Any news?") == {"outcomes": ["replied"]}
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    assert [m["text"] for m in detail["messages"] if m["author"] == "customer"] == ["first", "Any news?"]
    assert len(_tickets_of(desk, desk.alice)) == 1


def test_a_reference_to_someone_elses_ticket_opens_a_new_one_instead(desk, inbox):
    bobs = desk.open(desk.bob, "我的问题")["ticket"]["id"]
    assert inbox("alice@example.net", f"[{bobs}] hello", "Is this mine?") == {"outcomes": ["opened"]}
    _, detail = desk.call(desk.bob, "GET", f"/tickets/{bobs}")
    assert len(detail["messages"]) == 1
    assert len(_tickets_of(desk, desk.alice)) == 1


def test_html_only_mail_is_turned_into_text(desk, inbox):
    inbox("bob@example.net", "退款", html="<html><head><style>p{}</style></head><body><p>我要退款</p>"
                                          "<p>订单&nbsp;O-2002</p><script>alert(1)</script></body></html>")
    (ticket,) = _tickets_of(desk, desk.bob)
    _, detail = desk.call(desk.bob, "GET", f"/tickets/{ticket['id']}")
    assert detail["messages"][0]["text"] == "我要退款\n\n订单 O-2002"
    assert mails_to("bob@example.net")[0].subject.startswith(f"[{ticket['id']}] 我们已收到您的来信")


def test_an_unknown_sender_gets_a_polite_auto_reply_and_nothing_is_stored(desk, inbox):
    from supportdesk.dal.tickets import TicketModel

    assert inbox("stranger@example.org", "我的订单呢", "请帮我查一下") == {"outcomes": ["unknown_sender"]}
    (reply,) = mails_to("stranger@example.org")
    assert "注册" in reply.body
    assert list(TicketModel.customer_tickets.query("stranger@example.org")) == []


@pytest.mark.parametrize(
    "headers, verdicts",
    [
        ({"Auto-Submitted": "auto-replied"}, None),
        ({"Precedence": "bulk"}, None),
        (None, {"spamVerdict": "FAIL"}),
        (None, {"spfVerdict": "FAIL", "dkimVerdict": "FAIL"}),
    ],
)
def test_automated_spam_or_forged_mail_is_dropped_without_reply(desk, inbox, headers, verdicts):
    result = inbox("stranger@example.org", "Out of office", "I am away", headers=headers, verdicts=verdicts)
    assert result == {"outcomes": ["dropped"]}
    assert mails_to("stranger@example.org") == []


def test_forged_mail_in_a_customers_name_is_not_added_to_their_tickets(desk, inbox):
    result = inbox("alice@example.net", "hello", "fake", verdicts={"spfVerdict": "FAIL", "dkimVerdict": "FAIL"})
    assert result == {"outcomes": ["dropped"]}
    assert _tickets_of(desk, desk.alice) == []


def test_a_mail_asking_for_a_human_queues_the_ticket(desk, inbox):
    inbox("bob@example.net", "人工", "转人工")
    (ticket,) = _tickets_of(desk, desk.bob)
    assert ticket["status"] == "waiting"


def _raw_messages_in_bucket() -> list[str]:
    from supportdesk.aws import client
    from supportdesk.tickets.settings import ticket_settings as get_settings

    listing = client("s3").list_objects_v2(Bucket=get_settings().mail_bucket, Prefix="inbound/")
    return [item["Key"] for item in listing.get("Contents", [])]


def test_the_raw_message_is_deleted_once_processed(desk, inbox):
    # Given mail that opens a ticket, mail from a stranger, and spam
    assert inbox("alice@example.net", "Card", "I paid with 4111 1111 1111 1111") == {"outcomes": ["opened"]}
    # Then the unmasked original is no longer in the bucket
    assert _raw_messages_in_bucket() == []
    assert inbox("stranger@example.org", "hello", "hi") == {"outcomes": ["unknown_sender"]}
    assert _raw_messages_in_bucket() == []
    assert inbox("stranger@example.org", "win", "prize", verdicts={"spamVerdict": "FAIL"}) == {"outcomes": ["dropped"]}
    assert _raw_messages_in_bucket() == []


def test_the_raw_message_stays_when_processing_fails(desk, inbox):
    from pynamodb.exceptions import PynamoDBException

    from supportdesk.dal.tickets import TicketModel

    # Given the tickets table is unavailable
    TicketModel.delete_table()
    # When a customer's mail arrives, the invocation fails (Lambda retries it, then the dead-letter queue holds it)
    with pytest.raises(PynamoDBException):
        inbox("alice@example.net", "Where is my parcel?", "It has not arrived.")
    # Then the raw message is still there to be processed again
    (key,) = _raw_messages_in_bucket()
    assert key.startswith("inbound/")
