"""Storage of the e-mail channel (MailChannelTable, see supportdesk.dal.mail_channel). The port is what the
services need; DynamoMailChannelStore is the adapter, one key-based call per method, state changes conditioned so
that two staff members cannot both release one mail. What the mail we send needs (automatic answers, threading,
undeliverable addresses) is supportdesk.dal.mail_channel.DynamoMailMemory, used by supportdesk.notify.guard."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Protocol

from supportdesk.dal.cursors import decode_cursor, encode_cursor
from supportdesk.dal.mail_channel import MailChannelModel
from supportdesk.dal.tickets import MessageAttachmentAttribute
from supportdesk.dal.transactions import conditional_update
from supportdesk.inbound.attachments import CUSTOMER, StoredAttachment
from supportdesk.inbound.model import HeldMail
from supportdesk.tickets.model import MessageAttachment

QUARANTINE = "quarantine"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class MailChannelStore(Protocol):
    def hold(self, mail: HeldMail) -> None: ...

    def held(self, quarantine_id: str, now: int) -> HeldMail | None: ...

    def held_mail(self, limit: int, cursor: str | None, now: int) -> tuple[list[HeldMail], str | None]: ...

    def take(self, quarantine_id: str, staff_id: str, now: int) -> HeldMail | None:
        """Mark the mail as being handled by `staff_id` unless someone else already is (or it expired); the
        mail as it was, or None when another request won."""

    def untake(self, quarantine_id: str) -> None: ...

    def forget(self, quarantine_id: str) -> None: ...


class DynamoMailChannelStore:
    def hold(self, mail: HeldMail) -> None:

        files = [
            MessageAttachmentAttribute(
                attachment_id=a.attachment_id, filename=a.filename, content_type=a.content_type, size=a.size
            )
            for a in mail.attachments
        ]
        MailChannelModel(
            QUARANTINE,
            mail.quarantine_id,
            customer_id=mail.customer_id,
            sender=mail.sender,
            subject=mail.subject,
            body=mail.body,
            reference=mail.reference,
            reason=mail.reason,
            received_at=_stamp(mail.received_at),
            expires_at=mail.expires_at,
            files=files or None,
            refused_names=list(mail.refused_attachments) or None,
        ).save()

    @staticmethod
    def _held(item) -> HeldMail:
        files = tuple(
            MessageAttachment(f.attachment_id, f.filename, f.content_type, int(f.size)) for f in item.files or ()
        )
        return HeldMail(
            item.sk,
            item.customer_id,
            item.sender or "",
            item.subject or "",
            item.body or "",
            item.reference,
            item.reason or "",
            _time(item.received_at),
            int(item.expires_at),
            files,
            tuple(item.refused_names or ()),
        )

    def held(self, quarantine_id: str, now: int) -> HeldMail | None:

        try:
            item = MailChannelModel.get(QUARANTINE, quarantine_id, consistent_read=True)
        except MailChannelModel.DoesNotExist:
            return None
        return self._held(item) if int(item.expires_at or 0) > now else None  # TTL deletes lazily

    def held_mail(self, limit: int, cursor: str | None, now: int) -> tuple[list[HeldMail], str | None]:
        M = MailChannelModel

        position = decode_cursor(cursor, ("sk",))
        start = {"pk": {"S": QUARANTINE}, "sk": {"S": position["sk"]}} if position else None
        result = M.query(
            QUARANTINE,
            scan_index_forward=False,
            limit=limit,
            last_evaluated_key=start,
            filter_condition=M.expires_at > now,
        )
        items = [self._held(item) for item in result]
        last = result.last_evaluated_key
        return items, encode_cursor({"sk": last["sk"]["S"]} if last else None)

    def take(self, quarantine_id: str, staff_id: str, now: int) -> HeldMail | None:
        M = MailChannelModel

        item = M(QUARANTINE, quarantine_id)
        taken = conditional_update(
            item, [M.handled_by.set(staff_id)], M.pk.exists() & M.handled_by.does_not_exist() & (M.expires_at > now)
        )
        return self._held(item) if taken else None

    def untake(self, quarantine_id: str) -> None:
        M = MailChannelModel

        M(QUARANTINE, quarantine_id).update(actions=[M.handled_by.remove()], condition=M.pk.exists())

    def forget(self, quarantine_id: str) -> None:

        MailChannelModel(QUARANTINE, quarantine_id).delete()

    # ---- files of a ticket's messages (supportdesk.inbound.attachments.AttachmentRecords) --------------------
    def add_attachment(self, attachment: StoredAttachment) -> None:
        MailChannelModel(
            f"attachments#{attachment.ticket_id}",
            attachment.attachment_id,
            ticket_id=attachment.ticket_id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            received_at=_stamp(attachment.received_at),
            author=attachment.author,
            uploaded_by=attachment.uploaded_by,
            sent_at=_stamp(attachment.received_at) if attachment.sent else None,
        ).save()

    def attachments(self, ticket_id: str) -> list[StoredAttachment]:
        return [
            StoredAttachment(
                item.sk,
                ticket_id,
                item.filename or "attachment",
                item.content_type or "",
                int(item.size or 0),
                _time(item.received_at),
                item.author or CUSTOMER,
                item.uploaded_by,
                item.sent_at is not None or item.uploaded_by is None,
            )
            for item in MailChannelModel.query(f"attachments#{ticket_id}", limit=200)
        ]

    def mark_attachment_sent(self, ticket_id: str, attachment_id: str, size: int, at: datetime) -> None:
        M = MailChannelModel
        M(f"attachments#{ticket_id}", attachment_id).update(
            actions=[M.sent_at.set(_stamp(at)), M.size.set(size)], condition=M.pk.exists()
        )
