"""Files sent with ticket messages: a customer's e-mail attachments, files the customer uploads from the web, files an
agent sends with a reply. The bytes are in the MailBucket under attachments/<ticket>/<id> (encrypted at rest,
expired by its lifecycle rule after 365 days), the description in MailChannelTable (pk "attachments#<ticket>"),
and each message lists the files sent with it (supportdesk.tickets.model.MessageAttachment), so the ticket views
show every file with its message. Names are masked like any text a person wrote.

They are reached only through short-lived presigned links (5 minutes) that force a download (Content-Disposition:
attachment), never inline, so a file cannot run as a page of ours; the customer reaches only their own tickets'
(another's is a 404), staff by role, and every staff download is audited. Dangerous types never get here
(supportdesk.mail.parse refuses them in mail, and the ticket gets a note; the upload routes refuse them up front).

The web (customer and agent alike) attaches in two steps: an upload (a presigned POST for one key, 5 minutes, at most
10 MB) creates the file's record, not yet sent; the message then names it (`attachment_ids`), which checks that the
uploader's object is really in S3 (HeadObject, its real size) and marks it sent once the message is stored.

Quarantined mail keeps its files under quarantine/<quarantine id>/<id> (expired with the held mail by the bucket's
lifecycle rule); releasing the mail copies them to its ticket, discarding it deletes them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Protocol
from urllib.parse import quote

from supportdesk.aws import client
from supportdesk.clock import Clock
from supportdesk.errors import Conflict, Forbidden, InvalidInput, NotFound
from supportdesk.mail.parse import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, is_dangerous
from supportdesk.observability import audit
from supportdesk.tickets.model import MessageAttachment, TicketStatus
from supportdesk.tickets.references import normalize_reference

DOWNLOAD_SECONDS = 300
PREFIX = "attachments/"
QUARANTINE_PREFIX = "quarantine/"
MAX_PER_MESSAGE = MAX_ATTACHMENTS  # as for one e-mail
CUSTOMER, AGENT = "customer", "agent"
_ID = re.compile(r"^A-[0-9a-f]{16}$")


def blob_key(ticket_id: str, attachment_id: str) -> str:
    return f"{PREFIX}{ticket_id}/{attachment_id}"


def held_key(quarantine_id: str, attachment_id: str) -> str:
    return f"{QUARANTINE_PREFIX}{quarantine_id}/{attachment_id}"


def new_attachment_id() -> str:
    return f"A-{secrets.token_hex(8)}"


def mail_attachment_id(ses_message_id: str, index: int) -> str:
    """The same id for the same attachment of the same mail: a retried invocation (which writes the message again)
    stores the file under the id the first message already names."""
    return f"A-{hashlib.sha256(f'{ses_message_id}/{index}'.encode()).hexdigest()[:16]}"


@dataclass(frozen=True)
class StoredAttachment:
    attachment_id: str
    ticket_id: str
    filename: str  # masked
    content_type: str
    size: int
    received_at: datetime
    author: str = CUSTOMER  # customer | agent (records from before the web channel: a customer's e-mail)
    uploaded_by: str | None = None  # account id; None for e-mail
    sent: bool = True  # listed with a message (an upload is not until its message names it)

    @property
    def key(self) -> str:
        return blob_key(self.ticket_id, self.attachment_id)

    def as_message_attachment(self) -> MessageAttachment:
        return MessageAttachment(self.attachment_id, self.filename, self.content_type, self.size)


class AttachmentRecords(Protocol):
    def add_attachment(self, attachment: StoredAttachment) -> None: ...

    def attachments(self, ticket_id: str) -> list[StoredAttachment]: ...

    def mark_attachment_sent(self, ticket_id: str, attachment_id: str, size: int, at: datetime) -> None: ...


class Blobs(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def size(self, key: str) -> int | None:
        """The object's size, None when there is no such object (an upload that never happened)."""

    def copy(self, source: str, key: str) -> None: ...

    def delete(self, key: str) -> None: ...

    def upload_form(self, key: str, content_type: str, max_bytes: int, seconds: int) -> dict: ...

    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str: ...


class Tickets(Protocol):
    def get(self, ticket_id: str): ...


class S3Blobs:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    def put(self, key: str, data: bytes, content_type: str) -> None:
        client("s3").put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType=content_type, ServerSideEncryption="AES256"
        )

    def size(self, key: str) -> int | None:
        s3 = client("s3")
        try:
            return int(s3.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def copy(self, source: str, key: str) -> None:
        client("s3").copy_object(
            Bucket=self.bucket,
            Key=key,
            CopySource={"Bucket": self.bucket, "Key": source},
            ServerSideEncryption="AES256",
        )

    def delete(self, key: str) -> None:
        client("s3").delete_object(Bucket=self.bucket, Key=key)

    def upload_form(self, key: str, content_type: str, max_bytes: int, seconds: int) -> dict:
        """A presigned POST (S3 checks the policy: this key only, this content type, at most max_bytes, encrypted)."""
        fields = {"Content-Type": content_type, "x-amz-server-side-encryption": "AES256"}
        conditions = [
            {"Content-Type": content_type},
            {"x-amz-server-side-encryption": "AES256"},
            ["content-length-range", 1, max_bytes],
        ]
        return client("s3").generate_presigned_post(
            self.bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=seconds
        )

    def download_url(self, key: str, filename: str, content_type: str, seconds: int) -> str:
        ascii_name = re.sub(r"[^A-Za-z0-9._-]", "_", filename) or "attachment"
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
        return client("s3").generate_presigned_url(
            "get_object",
            ExpiresIn=seconds,
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": disposition,
                "ResponseContentType": "application/octet-stream",
            },
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def attachment_view(item: StoredAttachment) -> dict:
    return {
        "id": item.attachment_id,
        "filename": item.filename,
        "content_type": item.content_type,
        "size": item.size,
        "received_at": _iso(item.received_at),
        "author": item.author,
        "sent": item.sent,
    }


def parse_attachment_ids(value: Any) -> list[str]:
    """The `attachment_ids` of a message body: absent, or a list of at most MAX_PER_MESSAGE distinct ids."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("invalid_field", field="attachment_ids", details={"field": "attachment_ids"})
    ids = list(dict.fromkeys(value))
    if len(ids) > MAX_PER_MESSAGE:
        raise InvalidInput("too_many_attachments", max=MAX_PER_MESSAGE, details={"max": MAX_PER_MESSAGE})
    return ids


class AttachmentService:
    def __init__(
        self,
        records: AttachmentRecords,
        blobs: Blobs,
        tickets: Tickets,
        clock: Clock,
        trail: Callable[[str, object, str, datetime], None],
        mask: Callable[[str], str] = lambda text: text,
    ) -> None:
        self.records = records
        self.blobs = blobs
        self.tickets = tickets
        self.clock = clock
        self.trail = trail
        self.mask = mask  # filenames are text a person wrote: masked before they are stored

    # ---- e-mail --------------------------------------------------------------------------------------------
    def for_mail(self, ses_message_id: str, attachments: Iterable) -> list[tuple[MessageAttachment, Any]]:
        """The accepted attachments of one mail, each with the description its message lists (ids stable for
        this mail), before the ticket is known; `keep` stores them once it is."""
        return [
            (
                MessageAttachment(
                    mail_attachment_id(ses_message_id, index), self.mask(a.filename), a.content_type, len(a.data)
                ),
                a,
            )
            for index, a in enumerate(attachments)
            if not a.refused
        ]

    def keep(self, ticket_id: str, prepared: list[tuple[MessageAttachment, Any]]) -> list[StoredAttachment]:
        """Store a mail's accepted attachments with the ticket its message went to (refused ones are the caller's
        to note)."""
        now = self.clock.now()
        kept = []
        for described, attachment in prepared:
            item = StoredAttachment(
                described.attachment_id, ticket_id, described.filename, described.content_type, described.size, now
            )
            self.blobs.put(item.key, attachment.data, described.content_type)
            self.records.add_attachment(item)
            kept.append(item)
        return kept

    # ---- quarantine (supportdesk.inbound.service) ----------------------------------------------------------
    def hold(self, quarantine_id: str, attachments: Iterable) -> tuple[MessageAttachment, ...]:
        """Keep the accepted attachments of a held mail until staff decide (masked names, for the list)."""
        held = []
        for index, attachment in enumerate(attachments):
            if attachment.refused:
                continue
            described = MessageAttachment(
                mail_attachment_id(quarantine_id, index),
                self.mask(attachment.filename),
                attachment.content_type,
                len(attachment.data),
            )
            self.blobs.put(held_key(quarantine_id, described.attachment_id), attachment.data, attachment.content_type)
            held.append(described)
        return tuple(held)

    def release(self, quarantine_id: str, ticket_id: str, held: Iterable[MessageAttachment]) -> None:
        """A released mail's files go to the ticket its message went to; the held copies are deleted."""
        now = self.clock.now()
        for described in held:
            item = StoredAttachment(
                described.attachment_id, ticket_id, described.filename, described.content_type, described.size, now
            )
            self.blobs.copy(held_key(quarantine_id, described.attachment_id), item.key)
            self.records.add_attachment(item)
        self.discard(quarantine_id, held)

    def discard(self, quarantine_id: str, held: Iterable[MessageAttachment]) -> None:
        for described in held:
            self.blobs.delete(held_key(quarantine_id, described.attachment_id))

    # ---- web uploads ---------------------------------------------------------------------------------------
    def _customer_ticket(self, customer_id: str, ticket_id: str):
        ticket = self.tickets.get(normalize_reference(ticket_id) or "-")
        if ticket is None or ticket.customer_id != customer_id:
            raise NotFound("ticket_not_found")
        return ticket

    def _staff_ticket(self, staff, ticket_id: str):
        self._require_staff(staff)
        ticket = self.tickets.get(normalize_reference(ticket_id) or "-")
        if ticket is None:
            raise NotFound("ticket_not_found")
        return ticket

    def _upload(self, ticket, author: str, uploader_id: str, filename: Any, content_type: Any) -> dict:
        name = re.split(r"[\\/]", str(filename or ""))[-1].strip()[:200]
        ctype = str(content_type or "application/octet-stream").strip().lower()[:100]
        if not name or not re.match(r"^[\w.+-]+/[\w.+-]+$", ctype):
            raise InvalidInput("invalid_attachment")
        if is_dangerous(name, ctype):
            raise InvalidInput("attachment_type_refused")
        if ticket.status is TicketStatus.CLOSED:
            raise Conflict("ticket_closed")
        item = StoredAttachment(
            new_attachment_id(),
            ticket.ticket_id,
            self.mask(name),
            ctype,
            0,
            self.clock.now(),
            author=author,
            uploaded_by=uploader_id,
            sent=False,
        )
        form = self.blobs.upload_form(item.key, ctype, MAX_ATTACHMENT_BYTES, DOWNLOAD_SECONDS)
        self.records.add_attachment(item)  # not sent until a message names it
        return {"attachment": attachment_view(item), "upload": form, "expires_in": DOWNLOAD_SECONDS}

    def upload(self, caller, ticket_id: str, filename: Any, content_type: Any) -> dict:
        """The customer's upload for their next message: a presigned POST for one object (5 minutes, at most 10 MB,
        the declared content type). Dangerous types are refused here, as in e-mail."""
        ticket = self._customer_ticket(caller.account_id, ticket_id)
        return self._upload(ticket, CUSTOMER, caller.account_id, filename, content_type)

    def staff_upload(self, staff, ticket_id: str, filename: Any, content_type: Any) -> dict:
        """An agent's upload for their next reply: only on a ticket they may answer (claimed by them, or any
        claimed ticket for a supervisor), audited like their other looks at it."""
        ticket = self._staff_ticket(staff, ticket_id)
        now = self.clock.now()
        if ticket.status is not TicketStatus.ASSIGNED:
            self.trail(ticket.ticket_id, staff, "attachment_upload_denied", now)
            raise Conflict("ticket_not_claimed")
        if str(staff.role) != "supervisor" and ticket.assigned_agent != staff.account_id:
            self.trail(ticket.ticket_id, staff, "attachment_upload_denied", now)
            raise Forbidden("ticket_not_assigned")
        answer = self._upload(ticket, AGENT, staff.account_id, filename, content_type)
        self.trail(ticket.ticket_id, staff, "attachment_upload", now)
        return answer

    def for_message(self, ticket_id: str, ids: list[str], uploader_id: str) -> tuple[MessageAttachment, ...]:
        """The files `uploader_id` uploaded to the ticket and now sends with a message, as the message lists them:
        each must be theirs and not sent yet (404 attachment_not_found, 409 attachment_already_sent) and really in
        S3 (409 attachment_not_uploaded). One Query of the ticket's files and one HeadObject per file."""
        if not ids:
            return ()
        reference = normalize_reference(ticket_id) or "-"
        mine = {a.attachment_id: a for a in self.records.attachments(reference) if a.uploaded_by == uploader_id}
        chosen = []
        for attachment_id in ids:
            item = mine.get(attachment_id) if _ID.match(attachment_id) else None
            if item is None:
                raise NotFound("attachment_not_found")
            if item.sent:
                raise Conflict("attachment_already_sent")
            size = self.blobs.size(item.key)
            if size is None:
                raise Conflict("attachment_not_uploaded")
            chosen.append(replace(item, size=size).as_message_attachment())
        return tuple(chosen)

    def sent(self, ticket_id: str, attachments: Iterable[MessageAttachment]) -> None:
        """The message naming these files is stored: they are listed with it from now on (and their real size)."""
        now = self.clock.now()
        reference = normalize_reference(ticket_id) or "-"
        for attachment in attachments:
            self.records.mark_attachment_sent(reference, attachment.attachment_id, attachment.size, now)

    # ---- listing and downloads -----------------------------------------------------------------------------
    def _find(self, ticket_id: str, attachment_id: str) -> StoredAttachment:
        if _ID.match(attachment_id or ""):
            for item in self.records.attachments(ticket_id):
                if item.attachment_id == attachment_id:
                    return item
        raise NotFound("attachment_not_found")

    def _download(self, item: StoredAttachment) -> dict:
        return {
            **attachment_view(item),
            "expires_in": DOWNLOAD_SECONDS,
            "url": self.blobs.download_url(item.key, item.filename, item.content_type, DOWNLOAD_SECONDS),
        }

    def list_for_customer(self, caller, ticket_id: str) -> dict:
        ticket = self._customer_ticket(caller.account_id, ticket_id)
        return {
            "attachments": [
                attachment_view(a)
                for a in self.records.attachments(ticket.ticket_id)
                if a.sent or a.uploaded_by == caller.account_id
            ]
        }

    def download_for_customer(self, caller, ticket_id: str, attachment_id: str) -> dict:
        ticket = self._customer_ticket(caller.account_id, ticket_id)
        item = self._find(ticket.ticket_id, attachment_id)
        if not item.sent and item.uploaded_by != caller.account_id:
            raise NotFound("attachment_not_found")  # an agent's file before their reply sends it
        return self._download(item)

    @staticmethod
    def _require_staff(staff) -> None:
        if str(staff.role) not in ("agent", "supervisor"):
            raise Forbidden()

    def list_for_staff(self, staff, ticket_id: str) -> dict:
        ticket = self._staff_ticket(staff, ticket_id)
        return {"attachments": [attachment_view(a) for a in self.records.attachments(ticket.ticket_id)]}

    def download_for_staff(self, staff, ticket_id: str, attachment_id: str) -> dict:
        self._require_staff(staff)
        reference = normalize_reference(ticket_id) or "-"
        item = self._find(reference, attachment_id)
        self.trail(reference, staff, "attachment_download", self.clock.now())
        audit(
            "ticket_attachment_downloaded",
            account_id=staff.account_id,
            ticket_id=reference,
            attachment_id=attachment_id,
        )
        return self._download(item)

    def customer_files(self, ticket_id: str) -> list[StoredAttachment]:
        """The files the customer sent with their messages (e-mail or web): a dispute's evidence when the ticket is
        about a dispute (supportdesk.refunds)."""
        return [a for a in self.records.attachments(ticket_id) if a.author == CUSTOMER and a.sent]
