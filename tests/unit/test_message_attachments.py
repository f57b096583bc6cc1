"""Files sent with messages, without AWS: the web's two steps (upload, then the message names the upload), the rules
of who may upload and name what, what customers see of staff files, and which files count as a customer's (a
dispute's evidence)."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from supportdesk.clock import FixedClock
from supportdesk.errors import Conflict, Forbidden, InvalidInput, NotFound
from supportdesk.inbound.attachments import AttachmentService, parse_attachment_ids
from supportdesk.masking import mask_sensitive
from supportdesk.tickets.model import TicketStatus
from tests.fakes import MemoryAttachmentRecords, MemoryBlobs

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)
ALICE = SimpleNamespace(account_id="cust-alice", role="customer")
BOB = SimpleNamespace(account_id="cust-bob", role="customer")
AGENT = SimpleNamespace(account_id="agent-1", role="agent")
AGENT2 = SimpleNamespace(account_id="agent-2", role="agent")
SUPERVISOR = SimpleNamespace(account_id="lead-1", role="supervisor")


class Tickets:
    def __init__(self) -> None:
        self.rows = {"T-8K3Q2": SimpleNamespace(ticket_id="T-8K3Q2", customer_id="cust-alice",
                                                status=TicketStatus.ASSIGNED, assigned_agent="agent-1")}

    def get(self, ticket_id):
        return self.rows.get(ticket_id)


@pytest.fixture
def desk():
    records, blobs, tickets, trail = MemoryAttachmentRecords(), MemoryBlobs(), Tickets(), []
    service = AttachmentService(records, blobs, tickets, FixedClock(NOW),
                                lambda subject, staff, action, at: trail.append((subject, staff.account_id, action)),
                                lambda text: mask_sensitive(text).text)
    return SimpleNamespace(service=service, records=records, blobs=blobs, tickets=tickets, trail=trail)


def _uploaded(desk, who, name="voucher.pdf", data=b"%PDF-1.4", staff=False) -> str:
    upload = (desk.service.staff_upload if staff else desk.service.upload)(who, "T-8K3Q2", name, "application/pdf")
    desk.blobs.put(upload["upload"]["fields"]["key"], data, "application/pdf")  # the browser's POST to S3
    return upload["attachment"]["id"]


def test_a_message_names_the_customers_upload_which_is_then_listed_with_it(desk):
    # Given Alice asked to upload a voucher but has not sent it to S3 yet
    upload = desk.service.upload(ALICE, "t-8k3q2", "voucher.pdf", "application/pdf")
    file_id = upload["attachment"]["id"]
    assert upload["attachment"]["sent"] is False
    # When her message names it too early, Then it is refused: the file is not there
    with pytest.raises(Conflict) as error:
        desk.service.for_message("T-8K3Q2", [file_id], ALICE.account_id)
    assert error.value.code == "attachment_not_uploaded"
    # When it is uploaded and the message names it, Then the message lists it with its real size
    desk.blobs.put(upload["upload"]["fields"]["key"], b"%PDF-1.4 voucher", "application/pdf")
    (listed,) = desk.service.for_message("T-8K3Q2", [file_id], ALICE.account_id)
    assert (listed.attachment_id, listed.filename, listed.size) == (file_id, "voucher.pdf", 16)
    desk.service.sent("T-8K3Q2", [listed])
    # And it cannot be sent a second time, nor by someone who did not upload it
    with pytest.raises(Conflict) as again:
        desk.service.for_message("T-8K3Q2", [file_id], ALICE.account_id)
    assert again.value.code == "attachment_already_sent"
    other = _uploaded(desk, ALICE)
    with pytest.raises(NotFound):
        desk.service.for_message("T-8K3Q2", [other], BOB.account_id)
    with pytest.raises(NotFound):
        desk.service.for_message("T-8K3Q2", ["A-0000000000000000"], ALICE.account_id)


def test_the_ids_a_message_names_are_a_short_list_of_strings():
    assert parse_attachment_ids(None) == [] and parse_attachment_ids(["A-1", "A-1"]) == ["A-1"]
    for bad in ("A-1", [1], {"id": "A-1"}):
        with pytest.raises(InvalidInput) as error:
            parse_attachment_ids(bad)
        assert error.value.code == "invalid_field"
    with pytest.raises(InvalidInput) as error:
        parse_attachment_ids([f"A-{n}" for n in range(11)])
    assert error.value.code == "too_many_attachments"


def test_only_the_agent_answering_the_ticket_uploads_for_a_reply_and_customers_see_it_once_sent(desk):
    # An agent who did not claim the ticket is refused (and that look is audited); a supervisor may
    with pytest.raises(Forbidden):
        desk.service.staff_upload(AGENT2, "T-8K3Q2", "label.pdf", "application/pdf")
    assert ("T-8K3Q2", "agent-2", "attachment_upload_denied") in desk.trail
    assert desk.service.staff_upload(SUPERVISOR, "T-8K3Q2", "label.pdf", "application/pdf")["attachment"]
    with pytest.raises(Forbidden):
        desk.service.staff_upload(ALICE, "T-8K3Q2", "label.pdf", "application/pdf")
    # The claiming agent uploads a return label; before the reply sends it, Alice neither lists nor downloads it
    label = _uploaded(desk, AGENT, "return-label.pdf", staff=True)
    assert ("T-8K3Q2", "agent-1", "attachment_upload") in desk.trail
    assert label not in [a["id"] for a in desk.service.list_for_customer(ALICE, "T-8K3Q2")["attachments"]]
    with pytest.raises(NotFound):
        desk.service.download_for_customer(ALICE, "T-8K3Q2", label)
    # Once the reply names it, she does
    desk.service.sent("T-8K3Q2", desk.service.for_message("T-8K3Q2", [label], AGENT.account_id))
    (mine,) = [a for a in desk.service.list_for_customer(ALICE, "T-8K3Q2")["attachments"] if a["id"] == label]
    assert mine["author"] == "agent" and mine["sent"] is True
    assert desk.service.download_for_customer(ALICE, "T-8K3Q2", label)["url"].endswith("?expires=300")


def test_uploads_need_a_ticket_still_open_to_messages_and_a_claimed_one_for_staff(desk):
    desk.tickets.rows["T-8K3Q2"].status = TicketStatus.WAITING
    with pytest.raises(Conflict) as unclaimed:
        desk.service.staff_upload(AGENT, "T-8K3Q2", "label.pdf", "application/pdf")
    assert unclaimed.value.code == "ticket_not_claimed"
    desk.tickets.rows["T-8K3Q2"].status = TicketStatus.CLOSED
    with pytest.raises(Conflict) as closed:
        desk.service.upload(ALICE, "T-8K3Q2", "voucher.pdf", "application/pdf")
    assert closed.value.code == "ticket_closed"


def test_the_customers_files_are_those_sent_with_their_messages(desk):
    sent = _uploaded(desk, ALICE, "voucher.pdf")
    desk.service.sent("T-8K3Q2", desk.service.for_message("T-8K3Q2", [sent], ALICE.account_id))
    _uploaded(desk, ALICE, "draft.pdf")  # uploaded, never sent
    label = _uploaded(desk, AGENT, "label.pdf", staff=True)
    desk.service.sent("T-8K3Q2", desk.service.for_message("T-8K3Q2", [label], AGENT.account_id))
    assert [a.attachment_id for a in desk.service.customer_files("T-8K3Q2")] == [sent]
