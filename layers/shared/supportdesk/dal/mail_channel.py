"""PynamoDB model of MailChannelTable (template.yaml, section "inbound e-mail"): what the e-mail channel must
remember between messages, one item group per partition key, all expiring through the `expires_at` TTL.

- pk "quarantine", sk <quarantine id>: a customer's mail whose From could not be trusted, masked, for 14 days;
  one partition so staff list it with a single Query, newest first (ids sort by time).
- pk "sent#<SES message id>", sk "-": a mail we sent about a ticket, so that a reply which lost the [T-…]
  reference threads by In-Reply-To/References (180 days).
- pk "answered#<hash of the address>", sk "-": when we last answered an address automatically (24 hours).
- pk "undeliverable#<hash of the address>", sk "-": the address hard-bounced or complained about our mail (SES
  event via functions/ticket/mail_events.py); we send it no more mail. No TTL.
- pk "attachments#<ticket>", sk <attachment id>: a file sent with a message of the ticket (or uploaded for the
  next one: no `sent_at` yet); the bytes are in the MailBucket (supportdesk.inbound.attachments). No TTL: they go
  with the ticket.
"""

from __future__ import annotations

import hashlib

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from supportdesk.dal.base import TableName
from supportdesk.dal.tickets import MessageAttachmentAttribute
from supportdesk.dal.transactions import conditional_put


class MailChannelModel(Model):
    class Meta:
        table_name = TableName("mail_channel_table")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    expires_at = NumberAttribute(null=True)  # epoch seconds; the table's TTL attribute
    # quarantine
    customer_id = UnicodeAttribute(null=True)
    sender = UnicodeAttribute(null=True)  # masked (a***@example.net)
    subject = UnicodeAttribute(null=True)  # masked
    body = UnicodeAttribute(null=True)  # masked
    reference = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)
    received_at = UnicodeAttribute(null=True)
    handled_by = UnicodeAttribute(null=True)  # set while a staff member releases or discards it
    files = ListAttribute(of=MessageAttachmentAttribute, null=True)  # its kept attachments (names masked)
    refused_names: ListAttribute = ListAttribute(of=UnicodeAttribute, null=True)  # refused attachments (masked)
    # sent, attachments
    ticket_id = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    filename = UnicodeAttribute(null=True)
    content_type = UnicodeAttribute(null=True)
    author = UnicodeAttribute(null=True)  # customer | agent (absent: a customer's e-mail)
    uploaded_by = UnicodeAttribute(null=True)  # account id of a web upload
    sent_at = UnicodeAttribute(null=True)  # when a message named it (absent on an upload not sent yet)


def address_key(address: str) -> str:
    """Addresses are kept as hashes where only equality matters."""
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:32]


class DynamoMailMemory:
    """What the mail we send must remember (supportdesk.notify.guard.MailMemory): one key-based call each, the
    automatic-answer mark a conditional put so that two mails cannot both earn an answer."""

    def remember_sent(self, ses_message_id: str, ticket_id: str, expires_at: int) -> None:
        MailChannelModel(f"sent#{ses_message_id}", "-", ticket_id=ticket_id, expires_at=expires_at).save()

    def ticket_of_sent(self, ses_message_id: str) -> str | None:
        try:
            return MailChannelModel.get(f"sent#{ses_message_id}", "-").ticket_id
        except MailChannelModel.DoesNotExist:
            return None

    def claim_answer(self, address: str, now: int, until: int) -> bool:

        m = MailChannelModel
        return conditional_put(
            m(f"answered#{address_key(address)}", "-", expires_at=until), m.pk.does_not_exist() | (m.expires_at <= now)
        )

    def mark_undeliverable(self, address: str, reason: str) -> None:
        MailChannelModel(f"undeliverable#{address_key(address)}", "-", reason=reason).save()

    def is_undeliverable(self, address: str) -> bool:
        try:
            MailChannelModel.get(f"undeliverable#{address_key(address)}", "-")
        except MailChannelModel.DoesNotExist:
            return False
        return True
