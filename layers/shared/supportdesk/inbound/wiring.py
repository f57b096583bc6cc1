"""Adapters of the e-mail channel, built once per container on first use (supportdesk.runtime.component)."""

from __future__ import annotations

from supportdesk import i18n, runtime
from supportdesk.identity import wiring
from supportdesk.inbound.attachments import AttachmentService, S3Blobs
from supportdesk.inbound.repository import DynamoMailChannelStore
from supportdesk.inbound.model import HeldMail
from supportdesk.inbound.service import DELIVERED, QuarantineService
from supportdesk.masking import mask_sensitive
from supportdesk.roles import Caller, Role
from supportdesk.runtime import component
from supportdesk.tickets.model import Access
from supportdesk.tickets.settings import ticket_settings
from supportdesk.tickets.wiring import ticket_service, ticket_store


@component
def mail_channel_store():
    return DynamoMailChannelStore()


def _audit_trail(subject_id: str, staff, action: str, at) -> None:
    ticket_store().record_access(Access(subject_id, staff.account_id, str(staff.role), action, at))


def _deliver(mail: HeldMail) -> dict:
    """A released mail goes through the same ticket service call as trusted mail on arrival: its files listed with
    its message, the names of refused ones in a note."""
    account = wiring.account_reader().get(mail.customer_id)  # the projection its IAM policy allows: no password hash
    language = i18n.normalize_language(getattr(account, "language", None))
    caller = Caller(mail.customer_id, Role.CUSTOMER, language)
    result = ticket_service().from_email(caller, mail.reference, mail.subject, mail.body, mail.attachments)
    if mail.refused_attachments and result.get("action") in DELIVERED:
        ticket_service().note_refused_attachments(caller, str(result["ticket_id"]), list(mail.refused_attachments))
    return result


def _masked(text: str) -> str:
    return mask_sensitive(text).text


@component
def attachment_service():
    return AttachmentService(
        mail_channel_store(),
        S3Blobs(ticket_settings().require("mail_bucket")),
        ticket_store(),
        runtime.clock(),
        _audit_trail,
        _masked,
    )


@component
def quarantine_service():
    return QuarantineService(
        mail_channel_store(), runtime.clock(), mask_sensitive, _deliver, _audit_trail, attachment_service()
    )
