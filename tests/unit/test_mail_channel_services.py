"""The e-mail channel's services without AWS: quarantine (hold masked, list, release once, discard, audited) and
the rules around mail we send (one automatic answer per address per day; sent mail remembered per ticket;
machine headers on every SES mail)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

import pytest

from supportdesk.clock import FixedClock
from supportdesk.errors import Conflict, Forbidden, NotFound
from supportdesk.inbound.attachments import AttachmentService
from supportdesk.inbound.model import HeldMail
from supportdesk.inbound.service import QuarantineService
from supportdesk.notify.guard import MailChannelNotifier
from supportdesk.notify.notifier import Recipient
from supportdesk.masking import mask_sensitive
from tests.fakes import MemoryAttachmentRecords, MemoryBlobs

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


@dataclass
class MemoryMailChannel:
    """MailChannelStore in memory, with the same conditions as the DynamoDB adapter."""
    held_items: dict[str, HeldMail] = field(default_factory=dict)
    handlers: dict[str, str] = field(default_factory=dict)
    sent: dict[str, str] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    sent_until: dict[str, int] = field(default_factory=dict)

    def hold(self, mail):
        self.held_items[mail.quarantine_id] = mail

    def held(self, quarantine_id, now):
        mail = self.held_items.get(quarantine_id)
        return mail if mail and mail.expires_at > now else None

    def held_mail(self, limit, cursor, now):
        items = sorted((m for m in self.held_items.values() if m.expires_at > now),
                       key=lambda m: m.quarantine_id, reverse=True)
        return items[:limit], None

    def take(self, quarantine_id, staff_id, now):
        if self.held(quarantine_id, now) is None or quarantine_id in self.handlers:
            return None
        self.handlers[quarantine_id] = staff_id
        return self.held_items[quarantine_id]

    def untake(self, quarantine_id):
        self.handlers.pop(quarantine_id, None)

    def forget(self, quarantine_id):
        self.held_items.pop(quarantine_id, None)
        self.handlers.pop(quarantine_id, None)

    def remember_sent(self, ses_message_id, ticket_id, expires_at):
        self.sent[ses_message_id] = ticket_id
        self.sent_until[ses_message_id] = expires_at

    def ticket_of_sent(self, ses_message_id):
        return self.sent.get(ses_message_id)

    undeliverable: set = field(default_factory=set)

    def mark_undeliverable(self, address, reason):
        self.undeliverable.add(address.lower())

    def is_undeliverable(self, address):
        return address.lower() in self.undeliverable

    def claim_answer(self, address, now, until):
        if self.answered.get(address.lower(), 0) > now:
            return False
        self.answered[address.lower()] = until
        return True


@dataclass(frozen=True)
class Person:
    account_id: str
    role: str


AGENT, CUSTOMER = Person("agent-1", "agent"), Person("cust-alice", "customer")


@pytest.fixture
def quarantine():
    store, clock = MemoryMailChannel(), FixedClock(NOW)
    delivered, trail = [], []

    def deliver(mail):
        delivered.append((mail.customer_id, mail.reference, mail.subject, mail.body))
        return {"action": "opened", "ticket_id": "T-8K3Q2"}

    def record(subject, staff, action, at):
        trail.append((subject, staff.account_id, action))

    files = AttachmentService(MemoryAttachmentRecords(), MemoryBlobs(), None, clock, record,
                              lambda text: mask_sensitive(text).text)
    service = QuarantineService(store, clock, mask_sensitive, deliver, record, files)
    return service, store, clock, delivered, trail


def test_held_mail_is_stored_masked_and_listed_for_staff_only(quarantine):
    service, store, _, _, _ = quarantine
    qid = service.hold("cust-alice", "alice@example.net", "Card", "I paid with 4111 1111 1111 1111", None,
                       "not_aligned_with_from")
    (held,) = store.held_items.values()
    assert "1111 1111 1111" not in held.body and held.sender != "alice@example.net"
    listing = service.list_held(AGENT, 20, None)
    assert [m["id"] for m in listing["quarantine"]] == [qid]
    assert listing["quarantine"][0]["reason"] == "not_aligned_with_from"
    with pytest.raises(Forbidden):
        service.list_held(CUSTOMER, 20, None)


def test_a_release_delivers_the_mail_once_and_is_audited(quarantine):
    service, store, _, delivered, trail = quarantine
    qid = service.hold("cust-alice", "alice@example.net", "Parcel", "Where is it?", "T-8K3Q2", "dkim_fail")
    assert service.release(AGENT, qid) == {"released": qid, "action": "opened", "ticket_id": "T-8K3Q2"}
    assert delivered == [("cust-alice", "T-8K3Q2", "Parcel", "Where is it?")]
    assert (qid, "agent-1", "quarantine_release") in trail and ("T-8K3Q2", "agent-1", "quarantine_release") in trail
    with pytest.raises(NotFound):
        service.release(AGENT, qid)  # gone: a second release delivers nothing
    assert len(delivered) == 1


def test_a_mail_being_handled_by_someone_else_is_a_conflict(quarantine):
    service, store, _, delivered, _ = quarantine
    qid = service.hold("cust-alice", "alice@example.net", "s", "b", None, "r")
    store.take(qid, "agent-2", int(NOW.timestamp()))  # agent-2's release is under way
    with pytest.raises(Conflict):
        service.release(AGENT, qid)
    assert delivered == []


def test_a_failed_release_leaves_the_mail_held(quarantine):
    service, store, clock, _, _ = quarantine
    qid = service.hold("cust-alice", "alice@example.net", "s", "b", None, "r")
    service.deliver = lambda *args: (_ for _ in ()).throw(RuntimeError("tickets table unavailable"))
    with pytest.raises(RuntimeError):
        service.release(AGENT, qid)
    assert store.held(qid, int(clock.now().timestamp())) is not None and qid not in store.handlers


def test_discarded_and_expired_mail_is_gone(quarantine):
    service, _, clock, delivered, trail = quarantine
    qid = service.hold("cust-alice", "alice@example.net", "s", "b", None, "r")
    assert service.discard(AGENT, qid) == {"discarded": qid}
    assert (qid, "agent-1", "quarantine_discard") in trail and delivered == []
    old = service.hold("cust-alice", "alice@example.net", "s", "b", None, "r")
    # docs/api-tickets.md: "stored masked for 14 days"
    clock.advance(days=14, seconds=-1)
    assert [m["id"] for m in service.list_held(AGENT, 20, None)["quarantine"]] == [old]
    clock.advance(seconds=2)
    assert service.list_held(AGENT, 20, None)["quarantine"] == []
    with pytest.raises(NotFound):
        service.release(AGENT, old)
    with pytest.raises(NotFound):
        service.release(AGENT, "T-8K3Q2")


def _attachment(filename, data=b"%PDF-1.4 voucher", content_type="application/pdf", refused=""):
    from supportdesk.mail.parse import Attachment

    return Attachment(filename, content_type, b"" if refused else data, refused)


def test_held_mail_keeps_its_attachments_and_a_release_sends_them_with_its_message():
    store, clock = MemoryMailChannel(), FixedClock(NOW)
    records, blobs, delivered = MemoryAttachmentRecords(), MemoryBlobs(), []
    files = AttachmentService(records, blobs, None, clock, lambda *a: None, lambda text: mask_sensitive(text).text)

    def deliver(mail):
        delivered.append(mail)
        return {"action": "opened", "ticket_id": "T-8K3Q2"}

    service = QuarantineService(store, clock, mask_sensitive, deliver, lambda *a: None, files)
    # Given a forged-looking mail from Alice with a voucher (a card number in its name) and a refused program
    qid = service.hold("cust-alice", "alice@example.net", "Voucher", "see attached", None, "not_aligned_with_from",
                       [_attachment("card 4111 1111 1111 1111.pdf"), _attachment("setup.exe", refused="dangerous_type")])
    # Then the file is stored with the held mail, and staff see its masked name, type and size, and the refused name
    (held,) = service.list_held(AGENT, 20, None)["quarantine"]
    (listed,) = held["attachments"]
    assert "4111 1111 1111 1111" not in listed["filename"] and "**" in listed["filename"]
    assert (listed["content_type"], listed["size"]) == ("application/pdf", len(b"%PDF-1.4 voucher"))
    assert held["refused_attachments"] == ["setup.exe"]
    assert list(blobs.objects) == [f"quarantine/{qid}/{listed['id']}"]
    # When an agent releases it
    service.release(AGENT, qid)
    # Then the message delivered into the ticket lists the file, which is now stored with that ticket
    (mail,) = delivered
    assert [a.attachment_id for a in mail.attachments] == [listed["id"]]
    assert mail.refused_attachments == ("setup.exe",)  # the ticket's note names it (inbound.wiring._deliver)
    assert list(blobs.objects) == [f"attachments/T-8K3Q2/{listed['id']}"]
    (stored,) = records.attachments("T-8K3Q2")
    assert stored.sent and stored.author == "customer" and stored.filename == listed["filename"]


def test_discarding_held_mail_deletes_its_attachments(quarantine):
    service, _, _, _, _ = quarantine
    blobs = service.files.blobs
    qid = service.hold("cust-alice", "alice@example.net", "s", "b", None, "r", [_attachment("a.pdf")])
    assert len(blobs.objects) == 1
    service.discard(AGENT, qid)
    assert blobs.objects == {}


@dataclass
class RecordingNotifier:
    sent: list = field(default_factory=list)

    def send(self, recipient, template, context):
        self.sent.append((recipient.address, template))
        return f"0100018c-{len(self.sent):04d}"


def test_one_automatic_answer_per_address_per_day():
    inner, store, clock = RecordingNotifier(), MemoryMailChannel(), FixedClock(NOW)
    notifier = MailChannelNotifier(inner, store, clock)
    stranger = Recipient("email", "stranger@example.org", "en")
    for _ in range(3):
        notifier.send(stranger, "ticket_email_unknown_sender", {"subject": "x", "support_inbox": "h@example.com"})
    assert inner.sent == [("stranger@example.org", "ticket_email_unknown_sender")]
    # a person's answer (an agent's reply) is not an automatic answer and is never held back
    notifier.send(stranger, "ticket_agent_reply", {"reference": "T-8K3Q2"})
    notifier.send(stranger, "ticket_agent_reply", {"reference": "T-8K3Q2"})
    assert len(inner.sent) == 3
    # docs/api-tickets.md: "at most one automatic answer per 24 hours"
    clock.advance(hours=24, seconds=-1)
    notifier.send(stranger, "ticket_email_unknown_sender", {})
    assert len(inner.sent) == 3
    clock.advance(seconds=2)
    notifier.send(replace(stranger, address="Stranger@Example.org"), "ticket_email_unknown_sender", {})
    assert len(inner.sent) == 4


def test_mail_about_a_ticket_is_remembered_for_threading():
    inner, store = RecordingNotifier(), MemoryMailChannel()
    notifier = MailChannelNotifier(inner, store, FixedClock(NOW))
    message_id = notifier.send(Recipient("email", "alice@example.net"), "ticket_agent_reply", {"reference": "T-8K3Q2"})
    assert store.ticket_of_sent(message_id) == "T-8K3Q2"
    # docs/api-tickets.md: every mail about a ticket "is remembered by its SES message id ... for 180 days"
    assert store.sent_until[message_id] == int(NOW.timestamp()) + 180 * 86400


def test_every_ses_mail_says_a_machine_sent_it():
    from botocore.stub import ANY, Stubber

    from supportdesk.aws import client
    from supportdesk.notify.notifier import SesSnsNotifier

    ses = client("sesv2")
    with Stubber(ses) as stub:
        for auto in ("auto-replied", "auto-generated"):
            stub.add_response("send_email", {"MessageId": "0100018c-abc"}, {
                "FromEmailAddress": "help@example.com", "Destination": {"ToAddresses": ["a@example.net"]},
                "Content": {"Simple": {"Subject": ANY, "Body": ANY, "Headers": [
                    {"Name": "Auto-Submitted", "Value": auto}, {"Name": "X-Auto-Response-Suppress", "Value": "All"}]}},
            })
        notifier = SesSnsNotifier(sender="help@example.com")
        recipient = Recipient("email", "a@example.net", "en")
        assert notifier.send(recipient, "ticket_email_unknown_sender",
                             {"subject": "x", "support_inbox": "help@example.com"}) == "0100018c-abc"
        notifier.send(recipient, "ticket_agent_reply", {"reference": "T-8K3Q2", "subject": "s", "name": "",
                                                        "support_inbox": "help@example.com", "message": "hi"})
        stub.assert_no_pending_responses()


def test_an_address_that_bounced_or_complained_gets_no_more_mail():
    from functions.ticket.mail_events import undeliverable_addresses

    hard = {"eventType": "Bounce", "bounce": {"bounceType": "Permanent",
                                              "bouncedRecipients": [{"emailAddress": "gone@example.net"}]}}
    soft = {"eventType": "Bounce", "bounce": {"bounceType": "Transient",
                                              "bouncedRecipients": [{"emailAddress": "full@example.net"}]}}
    complaint = {"notificationType": "Complaint",
                 "complaint": {"complainedRecipients": [{"emailAddress": "angry@example.net"}]}}
    assert undeliverable_addresses(hard) == [("gone@example.net", "bounce")]
    assert undeliverable_addresses(soft) == [] and undeliverable_addresses({"eventType": "Delivery"}) == []
    assert undeliverable_addresses(complaint) == [("angry@example.net", "complaint")]
    inner, store = RecordingNotifier(), MemoryMailChannel()
    store.mark_undeliverable("gone@example.net", "bounce")
    notifier = MailChannelNotifier(inner, store, FixedClock(NOW))
    assert notifier.send(Recipient("email", "Gone@example.net"), "ticket_agent_reply", {"reference": "T-8K3Q2"}) is None
    assert inner.sent == []
    notifier.send(Recipient("email", "here@example.net"), "ticket_agent_reply", {"reference": "T-8K3Q2"})
    assert inner.sent == [("here@example.net", "ticket_agent_reply")]
