"""Attachments of customers' e-mail, kept with their ticket: the bytes in the MailBucket under
attachments/<ticket>/<id> (encrypted at rest by the bucket's default encryption, expired by its lifecycle rule after
365 days), the description in MailChannelTable (pk "attachments#<ticket>"). They are reached only through
short-lived presigned links (5 minutes) that force a download (Content-Disposition: attachment), never inline,
so a file cannot run as a page of ours; the customer reaches only their own tickets' (another's is a 404), staff
by role, and every staff download is audited. Dangerous types never get here (supportdesk.mail.parse refuses
them, and the ticket gets a note).
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Protocol
from urllib.parse import quote

from supportdesk.aws import client
from supportdesk.clock import Clock
from supportdesk.errors import Forbidden, InvalidInput, NotFound
from supportdesk.mail.parse import MAX_ATTACHMENT_BYTES, is_dangerous
from supportdesk.observability import audit

DOWNLOAD_SECONDS = 300
PREFIX = "attachments/"
_ID = re.compile(r"^A-[0-9a-f]{16}$")


@dataclass(frozen=True)
class StoredAttachment:
    attachment_id: str
    ticket_id: str
    filename: str
    content_type: str
    size: int
    received_at: datetime

    @property
    def key(self) -> str:
        return f"{PREFIX}{self.ticket_id}/{self.attachment_id}"


class AttachmentRecords(Protocol):
    def add_attachment(self, attachment: StoredAttachment) -> None: ...

    def attachments(self, ticket_id: str) -> list[StoredAttachment]: ...


class Blobs(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def upload_form(self, key: str, content_type: str, max_bytes: int, seconds: int) -> dict: ...

    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str: ...


class Tickets(Protocol):
    def get(self, ticket_id: str): ...


class S3Blobs:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:

        client("s3").put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type,
                                ServerSideEncryption="AES256")

    def upload_form(self, key: str, content_type: str, max_bytes: int, seconds: int) -> dict:
        """A presigned POST (S3 checks the policy: this key only, this content type, at most max_bytes, encrypted)."""

        fields = {"Content-Type": content_type, "x-amz-server-side-encryption": "AES256"}
        conditions = [{"Content-Type": content_type}, {"x-amz-server-side-encryption": "AES256"},
                      ["content-length-range", 1, max_bytes]]
        return client("s3").generate_presigned_post(self.bucket, key, Fields=fields, Conditions=conditions,
                                                    ExpiresIn=seconds)

    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str:

        ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "attachment"
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
        return client("s3").generate_presigned_url("get_object", ExpiresIn=seconds, Params={
            "Bucket": self.bucket, "Key": key, "ResponseContentDisposition": disposition,
            "ResponseContentType": "application/octet-stream"})


def attachment_view(item: StoredAttachment) -> dict:
    return {"id": item.attachment_id, "filename": item.filename, "content_type": item.content_type,
            "size": item.size, "received_at": item.received_at.astimezone(timezone.utc).isoformat(
                timespec="seconds").replace("+00:00", "Z")}


class AttachmentService:
    def __init__(self, records: AttachmentRecords, blobs: Blobs, tickets: Tickets, clock: Clock,
                 trail: Callable[[str, object, str, datetime], None]) -> None:
        self.records = records
        self.blobs = blobs
        self.tickets = tickets
        self.clock = clock
        self.trail = trail

    def keep(self, ticket_id: str, attachments) -> list[StoredAttachment]:
        """Store the accepted attachments of one mail with its ticket (refused ones are the caller's to note)."""
        now = self.clock.now()
        kept = []
        for attachment in attachments:
            if attachment.refused:
                continue
            item = StoredAttachment(f"A-{secrets.token_hex(8)}", ticket_id, attachment.filename,
                                    attachment.content_type, len(attachment.data), now)
            self.blobs.put(item.key, attachment.data, attachment.content_type)
            self.records.add_attachment(item)
            kept.append(item)
        return kept

    def _customer_ticket(self, customer_id: str, ticket_id: str):
        ticket = self.tickets.get(ticket_id)
        if ticket is None or ticket.customer_id != customer_id:
            raise NotFound("ticket_not_found")
        return ticket

    def _find(self, ticket_id: str, attachment_id: str) -> StoredAttachment:
        if _ID.match(attachment_id or ""):
            for item in self.records.attachments(ticket_id):
                if item.attachment_id == attachment_id:
                    return item
        raise NotFound("attachment_not_found")

    def _download(self, item: StoredAttachment) -> dict:
        return {**attachment_view(item), "expires_in": DOWNLOAD_SECONDS,
                "url": self.blobs.download_url(item.key, item.filename, item.content_type, DOWNLOAD_SECONDS)}

    def list_for_customer(self, caller, ticket_id: str) -> dict:
        ticket = self._customer_ticket(caller.account_id, ticket_id)
        return {"attachments": [attachment_view(a) for a in self.records.attachments(ticket.ticket_id)]}

    def download_for_customer(self, caller, ticket_id: str, attachment_id: str) -> dict:
        ticket = self._customer_ticket(caller.account_id, ticket_id)
        return self._download(self._find(ticket.ticket_id, attachment_id))

    def upload(self, caller, ticket_id: str, filename: str, content_type: str) -> dict:
        """The web channel's way to attach a file to a ticket: a presigned POST for one object (5 minutes, at most
        10 MB, the declared content type). Dangerous types are refused here, as in e-mail."""

        ticket = self._customer_ticket(caller.account_id, ticket_id)
        name = re.split(r"[\\/]", str(filename or ""))[-1].strip()[:200]
        ctype = str(content_type or "application/octet-stream").strip().lower()[:100]
        if not name or not re.match(r"^[\w.+-]+/[\w.+-]+$", ctype):
            raise InvalidInput("invalid_attachment")
        if is_dangerous(name, ctype):
            raise InvalidInput("attachment_type_refused")
        item = StoredAttachment(f"A-{secrets.token_hex(8)}", ticket.ticket_id, name, ctype, 0, self.clock.now())
        form = self.blobs.upload_form(item.key, ctype, MAX_ATTACHMENT_BYTES, DOWNLOAD_SECONDS)
        self.records.add_attachment(item)  # listed from now on; the size is what S3 accepted (at most 10 MB)
        return {"attachment": attachment_view(item), "upload": form, "expires_in": DOWNLOAD_SECONDS}

    @staticmethod
    def _require_staff(staff) -> None:
        if staff.role not in ("agent", "supervisor"):
            raise Forbidden()

    def list_for_staff(self, staff, ticket_id: str) -> dict:
        self._require_staff(staff)
        if self.tickets.get(ticket_id) is None:
            raise NotFound("ticket_not_found")
        return {"attachments": [attachment_view(a) for a in self.records.attachments(ticket_id)]}

    def download_for_staff(self, staff, ticket_id: str, attachment_id: str) -> dict:
        self._require_staff(staff)
        item = self._find(ticket_id, attachment_id)
        self.trail(ticket_id, staff, "attachment_download", self.clock.now())
        audit("ticket_attachment_downloaded", account_id=staff.account_id, ticket_id=ticket_id,
              attachment_id=attachment_id)
        return self._download(item)
