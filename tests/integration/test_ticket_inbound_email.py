"""Inbound e-mail on moto: SES has put the raw message at inbound/<messageId> and invokes the function with its
event (events/ticket_inbound_email.json)."""
from __future__ import annotations

import base64
import copy
import json
import secrets
import string
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import parseaddr

import pytest

from tests.conftest import LambdaContext, load_event
from tests.integration.ticket_desk import desk, mails_to  # noqa: F401 (fixture)


@pytest.fixture
def inbox(desk, aws):
    from supportdesk.aws import client
    from supportdesk.tickets.settings import ticket_settings as get_settings

    from functions.ticket import inbound_email

    def deliver(sender: str = "", subject: str = "", text: str | None = None, html: str | None = None,
                headers: dict[str, str] | None = None, verdicts: dict[str, str] | None = None,
                envelope: str | None = None, raw: bytes | None = None, store: bool = True) -> dict:
        """SES's part: the raw message at inbound/<id>, then the event. `envelope` is the SMTP MAIL FROM (SES's
        mail.source; by default the From address, as for mail a person sends from their own provider)."""
        if raw is None:
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
            raw = bytes(message)
        message_id = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(40))
        if store:
            client("s3").put_object(Bucket=get_settings().mail_bucket, Key=f"inbound/{message_id}", Body=raw)
        event = copy.deepcopy(load_event("ticket_inbound_email.json"))
        mail = event["Records"][0]["ses"]["mail"]
        mail["messageId"] = message_id
        mail["source"] = envelope if envelope is not None else parseaddr(sender)[1]
        mail["headers"] = [{"name": "From", "value": sender}] + [
            {"name": k, "value": v} for k, v in (headers or {}).items()]
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
        (None, {"spfVerdict": "FAIL", "dkimVerdict": "FAIL", "dmarcVerdict": "GRAY"}),
    ],
)
def test_automated_spam_or_forged_mail_is_dropped_without_reply(desk, inbox, headers, verdicts):
    result = inbox("stranger@example.org", "Out of office", "I am away", headers=headers, verdicts=verdicts)
    assert result == {"outcomes": ["dropped"]}
    assert mails_to("stranger@example.org") == []


ATTACKER_DOMAIN = {"spfVerdict": "PASS", "dkimVerdict": "GRAY", "dmarcVerdict": "GRAY"}


def test_forged_mail_in_a_customers_name_is_not_added_to_their_tickets(desk, inbox):
    # Given mail sent through the attacker's own SPF-valid domain, From: Alice; example.net has no DMARC record
    result = inbox("alice@example.net", "hello", "fake", verdicts=ATTACKER_DOMAIN, envelope="bounce@attacker.example")
    # Then it opens nothing in Alice's name and nothing is sent to her: it waits in quarantine for staff
    assert result == {"outcomes": ["quarantined"]}
    assert _tickets_of(desk, desk.alice) == []
    assert mails_to("alice@example.net") == []


def test_spf_aligned_with_the_from_domain_is_trusted_without_dmarc(desk, inbox):
    result = inbox("alice@example.net", "hello", "real", verdicts=ATTACKER_DOMAIN, envelope="bounce@mail.example.net")
    assert result == {"outcomes": ["opened"]}


def test_an_address_hidden_in_an_encoded_word_is_not_the_sender(desk, inbox):
    # From: =?utf-8?B?<alice@example.net>?= <attacker@evil.example>: the name shows Alice, the address is not hers
    raw = (b"From: =?utf-8?B?YWxpY2VAZXhhbXBsZS5uZXQ=?= <attacker@evil.example>\r\nTo: help@example.com\r\n"
           b"Subject: refund\r\n\r\nRefund to my new card\r\n")
    assert inbox("=?utf-8?B?YWxpY2VAZXhhbXBsZS5uZXQ=?= <attacker@evil.example>", raw=raw,
                 envelope="attacker@evil.example") == {"outcomes": ["dropped"]}
    assert _tickets_of(desk, desk.alice) == [] and mails_to("attacker@evil.example") == []


def test_spam_and_mail_nobody_can_vouch_for_are_dropped_before_the_message_is_read(desk, inbox):
    # Given no raw message in the bucket at all: reading it would fail the invocation
    assert inbox("stranger@example.org", "win", store=False, verdicts={"spamVerdict": "FAIL"}) == \
        {"outcomes": ["dropped"]}
    assert inbox("stranger@example.org", "hi", store=False, verdicts={
        "spfVerdict": "GRAY", "dkimVerdict": "GRAY", "dmarcVerdict": "GRAY"}) == {"outcomes": ["dropped"]}


def test_automated_mail_from_a_customer_changes_nothing(desk, inbox):
    ticket_id = desk.open(desk.alice, "first")["ticket"]["id"]
    result = inbox("alice@example.net", f"Automatic reply: [{ticket_id}] Parcel", "I am away",
                   headers={"Auto-Submitted": "auto-replied"})
    assert result == {"outcomes": ["noted"]}
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    assert [m["text"] for m in detail["messages"] if m["author"] == "customer"] == ["first"]
    assert len(_tickets_of(desk, desk.alice)) == 1 and mails_to("alice@example.net") == []


def test_a_message_over_ten_megabytes_is_not_read_and_stays_for_inspection(desk, inbox):
    raw = b"From: alice@example.net\r\nTo: help@example.com\r\nSubject: big\r\n\r\n" + b"x" * (10 * 1024 * 1024)
    assert inbox("alice@example.net", raw=raw) == {"outcomes": ["kept_too_large"]}
    assert len(_raw_messages_in_bucket()) == 1 and _tickets_of(desk, desk.alice) == []


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
    # And no non-current version or delete marker of it stays behind in the versioned bucket
    from supportdesk.aws import client
    from supportdesk.tickets.settings import ticket_settings as get_settings

    versions = client("s3").list_object_versions(Bucket=get_settings().mail_bucket, Prefix="inbound/")
    assert versions.get("Versions", []) == [] and versions.get("DeleteMarkers", []) == []


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


def test_the_corpus_goes_through_the_function_without_a_failure(desk, inbox):
    from tests.fixtures.mail.corpus import SAMPLES

    # Given 40+ real-world-shaped messages from customers, strangers and machines
    outcomes = {}
    for sample in SAMPLES:
        sender = parseaddr(next((line.split(b":", 1)[1].decode("utf-8", "replace") for line in sample.raw.splitlines()
                                 if line.lower().startswith(b"from:")), ""))[1]
        return_path = parseaddr(next((line.split(b":", 1)[1].decode("ascii", "replace")
                                      for line in sample.raw.splitlines() if line.lower().startswith(b"return-path:")),
                                     sender))[1]
        # When SES delivers each (all verdicts PASS)
        (outcomes[sample.name],) = inbox(sender, raw=sample.raw, envelope=return_path)["outcomes"]
    # Then each became a ticket or reply, an answer to a stranger, or a logged drop; none failed the invocation
    assert set(outcomes.values()) <= {"opened", "replied", "unknown_sender", "dropped", "dropped_rate_limited",
                                      "noted", "quarantined"}
    assert {name for name, outcome in outcomes.items() if outcome == "opened"} >= {
        "gb2312_label_carries_gbk", "mixed_html_then_plain_signature", "preamble_line_before_headers"}
    # And machine-sent mail neither opened a ticket nor was answered
    for sample in SAMPLES:
        if sample.automated:
            assert outcomes[sample.name] in ("dropped", "noted"), sample.name
    assert _raw_messages_in_bucket() == []


# ---- phase 2: quarantine, automated mail as notes, automatic answers, threading --------------------------------

def _held(desk):
    status, body = desk.call(desk.agent, "GET", "/agent/quarantine")
    assert status == 200, body
    return body["quarantine"]


def test_a_forged_mail_in_a_customers_name_is_held_masked_then_released_by_staff(desk, inbox):
    # Given a mail in Alice's name through an attacker's SPF-valid domain, with a card number in it
    result = inbox("alice@example.net", "Refund", "Refund to 4111 1111 1111 1111 please", verdicts=ATTACKER_DOMAIN,
                   envelope="bounce@attacker.example")
    # Then it is held, not turned into a ticket, and nothing is sent to anyone
    assert result == {"outcomes": ["quarantined"]}
    assert _tickets_of(desk, desk.alice) == [] and mails_to("alice@example.net") == []
    (held,) = _held(desk)
    assert held["customer_id"] == desk.alice.account_id and held["reason"] == "not_aligned_with_from"
    assert "1111 1111 1111" not in held["text"] and held["sender"] != "alice@example.net"
    # And customers cannot see the quarantine
    assert desk.call(desk.alice, "GET", "/agent/quarantine")[0] == 403
    # When an agent releases it
    status, released = desk.call(desk.agent, "POST", f"/agent/quarantine/{held['id']}/release")
    # Then it becomes Alice's ticket, acknowledged, and the release is in the audit trail
    assert status == 200 and released["action"] == "opened"
    (ticket,) = _tickets_of(desk, desk.alice)
    assert ticket["id"] == released["ticket_id"] and len(mails_to("alice@example.net")) == 1
    assert _held(desk) == []
    assert desk.call(desk.agent, "POST", f"/agent/quarantine/{held['id']}/release")[0] == 404
    from supportdesk.dal.tickets import TicketAuditModel

    assert [e.action for e in TicketAuditModel.query(held["id"])] == ["quarantine_release"]


def _voucher_mail(sender: str = "<alice@example.net>") -> bytes:
    import base64

    from tests.fixtures.mail.corpus import common, message, multipart, part

    return message(common(sender, "Payment voucher", "q"), multipart(
        "q", part("text/plain; charset=utf-8", b"Charged twice, voucher attached."),
        part("application/pdf", base64.encodebytes(b"%PDF-1.4 voucher"), "base64",
             "attachment; filename=\"voucher 4111 1111 1111 1111.pdf\""),
        part("application/octet-stream", b"MZ", "8bit", "attachment; filename=\"setup.exe\"")),
        "multipart/mixed; boundary=\"q\"")


def _bucket_keys(prefix: str) -> list[str]:
    from supportdesk.aws import client
    from supportdesk.tickets.settings import ticket_settings as get_settings

    listing = client("s3").list_objects_v2(Bucket=get_settings().mail_bucket, Prefix=prefix)
    return [item["Key"] for item in listing.get("Contents", [])]


def test_a_held_mail_keeps_its_attachments_and_releases_them_with_its_message(desk, inbox):
    # Given a forged-looking mail from Alice with a voucher (a card number in its name) and a program
    assert inbox("alice@example.net", raw=_voucher_mail(), verdicts=ATTACKER_DOMAIN,
                 envelope="bounce@attacker.example") == {"outcomes": ["quarantined"]}
    # Then staff see the held file's masked name, type and size, and the refused program's name
    (held,) = _held(desk)
    (file,) = held["attachments"]
    assert "4111 1111 1111 1111" not in file["filename"] and file["content_type"] == "application/pdf"
    assert file["size"] == len(b"%PDF-1.4 voucher") and held["refused_attachments"] == ["setup.exe"]
    assert _bucket_keys("quarantine/") == [f"quarantine/{held['id']}/{file['id']}"]
    # When an agent releases it, Then its message in Alice's new ticket carries the file, the program is noted,
    # and the file is stored with the ticket (the held copy is gone)
    _, released = desk.call(desk.agent, "POST", f"/agent/quarantine/{held['id']}/release")
    ticket_id = released["ticket_id"]
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    (opening,) = [m for m in detail["messages"] if m["author"] == "customer"]
    assert [a["id"] for a in opening["attachments"]] == [file["id"]]
    assert any("setup.exe" in m["text"] for m in detail["messages"] if m["author"] == "system")
    assert _bucket_keys("quarantine/") == [] and _bucket_keys(f"attachments/{ticket_id}/") == [
        f"attachments/{ticket_id}/{file['id']}"]
    assert desk.call(desk.alice, "GET", f"/tickets/{ticket_id}/attachments/{file['id']}")[0] == 200


def test_a_discarded_held_mail_takes_its_attachments_with_it(desk, inbox):
    inbox("alice@example.net", raw=_voucher_mail(), verdicts=ATTACKER_DOMAIN, envelope="bounce@attacker.example")
    (held,) = _held(desk)
    assert desk.call(desk.agent, "POST", f"/agent/quarantine/{held['id']}/discard")[0] == 200
    assert _bucket_keys("quarantine/") == []


def test_a_held_mail_can_be_discarded_and_only_once(desk, inbox):
    inbox("alice@example.net", "hello", "fake", verdicts=ATTACKER_DOMAIN, envelope="bounce@attacker.example")
    (held,) = _held(desk)
    assert desk.call(desk.agent, "POST", f"/agent/quarantine/{held['id']}/discard") == (200, {"discarded": held["id"]})
    assert desk.call(desk.agent, "POST", f"/agent/quarantine/{held['id']}/discard")[0] == 404
    assert _held(desk) == [] and _tickets_of(desk, desk.alice) == []


def test_concurrent_releases_of_one_mail_open_one_ticket(desk, inbox):
    from concurrent.futures import ThreadPoolExecutor

    from tests.integration.ticket_desk import serialized_dynamodb

    inbox("alice@example.net", "Parcel", "where?", verdicts=ATTACKER_DOMAIN, envelope="bounce@attacker.example")
    (held,) = _held(desk)
    with serialized_dynamodb(), ThreadPoolExecutor(4) as pool:
        statuses = sorted(s for s, _ in pool.map(
            lambda _: desk.call(desk.agent, "POST", f"/agent/quarantine/{held['id']}/release"), range(4)))
    assert statuses.count(200) == 1 and set(statuses) <= {200, 404, 409}
    assert len(_tickets_of(desk, desk.alice)) == 1


def test_an_out_of_office_answering_an_agent_changes_nothing(desk, inbox):
    # Given Alice's ticket, answered by an agent and resolved
    ticket_id = desk.open(desk.alice, "first")["ticket"]["id"]
    desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/handoff")
    desk.call(desk.agent, "PUT", "/agent/status", {"online": True})
    assert desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/claim")[0] == 200
    desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": "It has shipped."})
    assert desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/resolve")[0] == 200
    mails_before = len(mails_to("alice@example.net"))
    # When her out-of-office answers the agent's mail
    result = inbox("alice@example.net", f"Automatic reply: [{ticket_id}] Parcel", "I am away until Monday.",
                   headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"})
    # Then it is a note in the ticket, which stays resolved, and nobody is mailed
    assert result == {"outcomes": ["noted"]}
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}")
    assert detail["ticket"]["status"] == "resolved"
    assert detail["messages"][-1]["author"] == "system" and "I am away until Monday." in detail["messages"][-1]["text"]
    assert len(mails_to("alice@example.net")) == mails_before and len(_tickets_of(desk, desk.alice)) == 1


def test_an_out_of_office_without_a_reference_opens_nothing(desk, inbox):
    assert inbox("alice@example.net", "Out of office", "Away", headers={"Auto-Submitted": "auto-replied"}) == \
        {"outcomes": ["dropped"]}
    assert _tickets_of(desk, desk.alice) == [] and mails_to("alice@example.net") == []


def test_an_unknown_sender_gets_one_automatic_answer_a_day(desk, inbox):
    for _ in range(3):
        assert inbox("stranger@example.org", "hello", "anyone?") == {"outcomes": ["unknown_sender"]}
    assert len(mails_to("stranger@example.org")) == 1
    desk.clock.advance(hours=24, seconds=1)
    inbox("stranger@example.org", "hello", "anyone?")
    assert len(mails_to("stranger@example.org")) == 2


def test_a_reply_that_lost_the_reference_threads_by_in_reply_to(desk, inbox):
    # Given the acknowledgement we mailed for Alice's ticket
    inbox("alice@example.net", "Parcel", "Where is it?")
    (ticket,) = _tickets_of(desk, desk.alice)
    (ack,) = mails_to("alice@example.net")
    # When she answers it from a client that dropped the [T-…] from the subject
    result = inbox("alice@example.net", "Re: your message", "Still waiting",
                   headers={"In-Reply-To": f"<{ack.id}@email.amazonses.com>"})
    # Then her answer is in that ticket
    assert result == {"outcomes": ["replied"]}
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket['id']}")
    assert [m["text"] for m in detail["messages"] if m["author"] == "customer"] == ["Where is it?", "Still waiting"]



def test_attachments_are_kept_with_the_ticket_and_dangerous_ones_refused_with_a_note(desk, inbox):
    from urllib.parse import parse_qs, urlparse

    from supportdesk.aws import client
    from supportdesk.dal.tickets import TicketAuditModel
    from supportdesk.tickets.settings import ticket_settings as get_settings
    from tests.fixtures.mail.corpus import common, message, multipart, part

    # Given Alice mails a payment voucher named in Chinese (RFC 2231) and a program
    raw = message(common("<alice@example.net>", "Payment dispute", "att"), multipart(
        "a", part("text/plain; charset=utf-8", "附件是支付凭证。".encode()),
        part("application/pdf", __import__("base64").encodebytes(b"%PDF-1.4 voucher"), "base64",
             "attachment; filename*=utf-8''%E6%94%AF%E4%BB%98%E5%87%AD%E8%AF%81.pdf"),
        part("application/octet-stream", b"MZ", "8bit", "attachment; filename=\"invoice.pdf.exe\"")),
        "multipart/mixed; boundary=\"a\"")
    assert inbox("alice@example.net", raw=raw) == {"outcomes": ["opened"]}
    (ticket,) = _tickets_of(desk, desk.alice)
    # Then the voucher is listed with the ticket, and the program is named in a note
    status, listing = desk.call(desk.alice, "GET", f"/tickets/{ticket['id']}/attachments")
    assert status == 200
    (voucher,) = listing["attachments"]
    assert voucher["filename"] == "支付凭证.pdf" and voucher["size"] == len(b"%PDF-1.4 voucher")
    _, detail = desk.call(desk.alice, "GET", f"/tickets/{ticket['id']}")
    assert any("invoice.pdf.exe" in m["text"] for m in detail["messages"] if m["author"] == "system")
    # And the voucher is listed with the mail's own message, for Alice and for staff
    (opening,) = [m for m in detail["messages"] if m["author"] == "customer"]
    assert [(a["id"], a["filename"]) for a in opening["attachments"]] == [(voucher["id"], "支付凭证.pdf")]
    desk.call(desk.alice, "POST", f"/tickets/{ticket['id']}/handoff")
    _, staff_view = desk.call(desk.agent, "GET", f"/agent/tickets/{ticket['id']}")
    assert [a["id"] for m in staff_view["messages"] for a in m["attachments"]] == [voucher["id"]]
    # And Alice gets a short-lived link that forces a download of exactly that file
    status, link = desk.call(desk.alice, "GET", f"/tickets/{ticket['id']}/attachments/{voucher['id']}")
    assert status == 200 and link["expires_in"] == 300
    query = parse_qs(urlparse(link["url"]).query)
    assert query["response-content-disposition"][0].startswith("attachment;")
    path = urlparse(link["url"]).path.lstrip("/")
    key = path[path.index("attachments/"):]
    stored = client("s3").get_object(Bucket=get_settings().mail_bucket, Key=key)
    assert stored["Body"].read() == b"%PDF-1.4 voucher" and stored.get("ServerSideEncryption") == "AES256"
    # And nobody else's customer reaches it; a staff download is audited
    assert desk.call(desk.bob, "GET", f"/tickets/{ticket['id']}/attachments/{voucher['id']}")[0] == 404
    assert desk.call(desk.agent, "GET", f"/agent/tickets/{ticket['id']}/attachments/{voucher['id']}")[0] == 200
    assert "attachment_download" in [e.action for e in TicketAuditModel.query(ticket["id"])]


def _post_to_s3(upload: dict, data: bytes) -> None:
    """What the browser does with a presigned POST: the object at the form's key."""
    from supportdesk.aws import client
    from supportdesk.tickets.settings import ticket_settings as get_settings

    fields = upload["upload"]["fields"]
    client("s3").put_object(Bucket=get_settings().mail_bucket, Key=fields["key"], Body=data,
                            ContentType=fields["Content-Type"], ServerSideEncryption="AES256")


def test_the_web_channel_uploads_an_attachment_through_a_presigned_post(desk):
    ticket_id = desk.open(desk.alice, "see the voucher")["ticket"]["id"]
    status, answer = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/attachments",
                               {"filename": "凭证.jpg", "content_type": "image/jpeg"})
    assert status == 201 and answer["attachment"]["filename"] == "凭证.jpg"
    fields = answer["upload"]["fields"]
    assert fields["key"] == f"attachments/{ticket_id}/{answer['attachment']['id']}"
    assert fields["Content-Type"] == "image/jpeg" and "policy" in fields
    # docs/api-tickets.md: "a 5-minute presigned POST for that one key, that content type, at most 10 MB, encrypted"
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 10 * 1024 * 1024] in policy["conditions"]
    assert {"x-amz-server-side-encryption": "AES256"} in policy["conditions"]
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert timedelta(minutes=4) < expires - datetime.now(timezone.utc) <= timedelta(minutes=5)
    # programs are refused up front; another customer's ticket is not found
    assert desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/attachments",
                     {"filename": "setup.exe", "content_type": "application/octet-stream"})[0] == 400
    assert desk.call(desk.bob, "POST", f"/tickets/{ticket_id}/attachments",
                     {"filename": "a.jpg", "content_type": "image/jpeg"})[0] == 404


def test_web_and_agent_files_are_listed_with_the_message_that_sent_them(desk):
    # Given Alice's ticket with an agent, and a voucher she uploaded for her next message
    ticket_id = desk.open(desk.alice, "转人工 charged twice")["ticket"]["id"]
    assert desk.claim(desk.agent, ticket_id)[0] == 200
    _, upload = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/attachments",
                          {"filename": "voucher.jpg", "content_type": "image/jpeg"})
    voucher = upload["attachment"]["id"]
    # When her message names it before the upload reached S3, Then it is refused (nothing is written)
    status, body = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/messages",
                             {"message": "voucher attached", "attachment_ids": [voucher]})
    assert status == 409 and body["error"]["code"] == "attachment_not_uploaded"
    # When it is uploaded and her message names it, Then the message lists it (with the size S3 holds)
    _post_to_s3(upload, b"\xff\xd8 jpeg voucher")
    status, body = desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/messages",
                             {"message": "voucher attached", "attachment_ids": [voucher]})
    assert status == 201, body
    assert desk.call(desk.alice, "POST", f"/tickets/{ticket_id}/messages",
                     {"message": "again", "attachment_ids": [voucher]})[1]["error"]["code"] == "attachment_already_sent"
    # And the agent answers with a return label uploaded for the reply
    status, label_upload = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/attachments",
                                     {"filename": "return-label.pdf", "content_type": "application/pdf"})
    assert status == 201, label_upload
    assert desk.call(desk.agent2, "POST", f"/agent/tickets/{ticket_id}/attachments",
                     {"filename": "x.pdf", "content_type": "application/pdf"})[0] == 403  # not their ticket
    _post_to_s3(label_upload, b"%PDF-1.4 label")
    label = label_upload["attachment"]["id"]
    status, reply = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages",
                              {"message": "Please use the label", "attachment_ids": [label]})
    assert status == 201 and reply["customer_notified"] is True
    assert "return-label.pdf" in mails_to("alice@example.net")[-1].body
    # Then each message carries its own file, in Alice's view and in the staff view
    for who, path in ((desk.alice, f"/tickets/{ticket_id}"), (desk.agent, f"/agent/tickets/{ticket_id}")):
        _, detail = desk.call(who, "GET", path)
        files = {m["text"]: [(a["id"], a["size"]) for a in m["attachments"]] for m in detail["messages"]}
        assert files["voucher attached"] == [(voucher, len(b"\xff\xd8 jpeg voucher"))]
        assert files["Please use the label"] == [(label, len(b"%PDF-1.4 label"))]
    # And Alice downloads the agent's file
    status, link = desk.call(desk.alice, "GET", f"/tickets/{ticket_id}/attachments/{label}")
    assert status == 200 and link["author"] == "agent"


def test_a_hard_bounce_stops_our_mail_to_that_address(desk, inbox):
    from functions.ticket import mail_events

    # Given SES reports that Alice's address hard-bounced (SNS event of the configuration set's destination)
    notification = {"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
                                                      "bouncedRecipients": [{"emailAddress": "alice@example.net"}]}}
    event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(notification)}},
                         {"EventSource": "aws:sns", "Sns": {"Message": "not json"}}]}
    assert mail_events.lambda_handler(event, LambdaContext()) == {"marked": 1}
    # When she mails us, her ticket is opened but no acknowledgement goes to the bouncing address
    assert inbox("alice@example.net", "Parcel", "Where is it?") == {"outcomes": ["opened"]}
    assert mails_to("alice@example.net") == []


def _ses_event(*notifications: dict) -> dict:
    import json

    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(n)}} for n in notifications]}


def test_a_bounce_marks_the_account_staff_see_it_and_replies_go_by_sms(desk):
    from moto.sns.models import sns_backends

    from functions.ticket import mail_events
    from supportdesk.dal.accounts import AccountModel
    from tests.integration.ticket_desk import ACCOUNT, REGION

    # Given Alice has a verified phone, and a ticket waiting for an agent
    AccountModel(desk.alice.account_id).update(actions=[AccountModel.phone.set("+8613800138000")])
    ticket_id = desk.open(desk.alice, "human please")["ticket"]["id"]
    # When SES reports that her address hard-bounced (and a complaint about an address nobody has)
    bounce = {"eventType": "Bounce", "bounce": {"bounceType": "Permanent", "bouncedRecipients": [
        {"emailAddress": "Alice@Example.net"}]}}
    complaint = {"eventType": "Complaint", "complaint": {"complainedRecipients": [
        {"emailAddress": "nobody@example.org"}]}}
    assert mail_events.lambda_handler(_ses_event(bounce, complaint), LambdaContext()) == {"marked": 2}
    # Then her account carries the mark (and nobody's else)
    stored = AccountModel.get(desk.alice.account_id)
    assert (stored.undeliverable_email, stored.undeliverable_reason) == ("alice@example.net", "bounce")
    assert AccountModel.get(desk.bob.account_id).undeliverable_email is None
    # And the agent who claims her ticket sees that her e-mail is undeliverable and that SMS is used
    status, claimed = desk.claim(desk.agent, ticket_id)
    assert status == 200
    assert claimed["customer"] == {"email_undeliverable": True, "undeliverable_reason": "bounce",
                                   "notified_by": "sms"}
    assert desk.call(desk.agent, "GET", f"/agent/tickets/{ticket_id}")[1]["customer"]["email_undeliverable"] is True
    # And the agent's reply reaches her by SMS, not at the bouncing address
    status, reply = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": "On its way"})
    assert status == 201 and reply["customer_notified"] is True
    assert mails_to("alice@example.net") == []
    texts = [text for phone, text in sns_backends[ACCOUNT][REGION].sms_messages.values() if phone == "+8613800138000"]
    assert len(texts) == 1 and ticket_id in texts[0]


def test_a_customer_without_a_verified_phone_is_shown_unreachable_after_a_complaint(desk):
    from functions.ticket import mail_events

    ticket_id = desk.open(desk.bob, "转人工")["ticket"]["id"]
    complaint = {"notificationType": "Complaint", "complaint": {"complainedRecipients": [
        {"emailAddress": "bob@example.net"}]}}
    assert mail_events.lambda_handler(_ses_event(complaint), LambdaContext()) == {"marked": 1}
    _, claimed = desk.claim(desk.agent, ticket_id)
    assert claimed["customer"] == {"email_undeliverable": True, "undeliverable_reason": "complaint",
                                   "notified_by": None}
    status, reply = desk.call(desk.agent, "POST", f"/agent/tickets/{ticket_id}/messages", {"message": "好的"})
    assert status == 201 and reply["customer_notified"] is False and mails_to("bob@example.net") == []


def test_mail_from_an_unverified_address_is_not_mapped_to_the_account(desk, inbox):
    # Given an account whose e-mail address was never confirmed (someone signed up with another person's address)
    from supportdesk.dal.accounts import AccountModel
    from supportdesk.dal.tickets import TicketModel

    AccountModel(desk.alice.account_id).update(actions=[AccountModel.unverified.add({"email"})])
    # When mail arrives from that address, it is answered as from an unknown sender and stored nowhere
    assert inbox("alice@example.net", "My order", "Where is it?") == {"outcomes": ["unknown_sender"]}
    assert list(TicketModel.customer_tickets.query(desk.alice.account_id)) == []
