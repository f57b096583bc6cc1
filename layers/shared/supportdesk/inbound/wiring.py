"""Adapters of the e-mail channel, built once per container on first use (supportdesk.runtime.component)."""
from __future__ import annotations

from supportdesk import i18n, runtime
from supportdesk.identity import wiring
from supportdesk.inbound.attachments import AttachmentService, S3Blobs
from supportdesk.inbound.repository import DynamoMailChannelStore
from supportdesk.inbound.service import QuarantineService
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


def _deliver(customer_id: str, reference: str | None, subject: str, body: str) -> dict:
    """A released mail goes through the same ticket service call as trusted mail on arrival."""
    identity = wiring

    account = identity.account_reader().get(customer_id)  # the projection its IAM policy allows: no password hash
    language = i18n.normalize_language(getattr(account, "language", None))
    return ticket_service().from_email(Caller(customer_id, Role.CUSTOMER, language), reference, subject, body)


@component
def quarantine_service():

    return QuarantineService(mail_channel_store(), runtime.clock(), mask_sensitive, _deliver, _audit_trail)


@component
def attachment_service():

    return AttachmentService(mail_channel_store(), S3Blobs(ticket_settings().require("mail_bucket")), ticket_store(),
                             runtime.clock(), _audit_trail)
