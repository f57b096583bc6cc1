"""PynamoDB model of MailChannelTable (template.yaml, section "inbound e-mail"): what the e-mail channel must
remember between messages, one item group per partition key, all expiring through the `expires_at` TTL.

- pk "quarantine", sk <quarantine id>: a customer's mail whose From could not be trusted, masked, for 14 days;
  one partition so staff list it with a single Query, newest first (ids sort by time).
- pk "sent#<SES message id>", sk "-": a mail we sent about a ticket, so that a reply which lost the [T-…]
  reference threads by In-Reply-To/References (180 days).
- pk "answered#<hash of the address>", sk "-": when we last answered an address automatically (24 hours).
- pk "undeliverable#<hash of the address>", sk "-": the address hard-bounced or complained about our mail (SES
  event via functions/ticket/mail_events.py); we send it no more mail. No TTL.
- pk "attachments#<ticket>", sk <attachment id>: an attachment kept with a ticket; the bytes are in the MailBucket (supportdesk.inbound.attachments). No TTL: they go
  with the ticket.
"""
from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from supportdesk.dal.base import TableName


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
    # sent, attachments
    ticket_id = UnicodeAttribute(null=True)
    size = NumberAttribute(null=True)
    filename = UnicodeAttribute(null=True)
    content_type = UnicodeAttribute(null=True)
