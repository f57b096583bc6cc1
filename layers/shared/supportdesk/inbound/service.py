"""Quarantine: a known customer's mail whose From could not be trusted (supportdesk.mail.auth) is neither turned
into a ticket in their name nor silently dropped (forwarding breaks SPF for honest customers too). It is kept
masked for 14 days, its attachments with it (the files under quarantine/<id>/, their masked names, types and sizes
listed for staff; the names of refused ones too); staff list it, release it into the customer's tickets as if it
had just arrived (its files go with its message, refused ones get their note), or discard it (and its files).
Each release and discard is audited (TicketAuditTable under the quarantine id, and under the ticket a release
wrote to), and only one of two concurrent decisions on one mail takes effect.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Protocol

from supportdesk.clock import Clock
from supportdesk.errors import Conflict, Forbidden, NotFound
from supportdesk.inbound.model import QUARANTINE_DAYS, HeldMail
from supportdesk.inbound.repository import MailChannelStore
from supportdesk.observability import audit, mask_email, metrics
from supportdesk.tickets.model import MessageAttachment

STAFF = ("agent", "supervisor")
PREVIEW = 1000  # characters of a held mail's body in the list
_ID = re.compile(r"^Q-\d{20}-[0-9a-f]{6}$")


class Staff(Protocol):
    account_id: str
    role: str


class AuditTrail(Protocol):
    def __call__(self, subject_id: str, staff: Staff, action: str, at: datetime) -> None: ...


# deliver(mail) -> {"action": ..., "ticket_id": ...}: the ticket service's handling of a customer's mail (its files
# listed with its message, refused ones noted), injected so this module does not depend on the ticket service.
Deliver = Callable[[HeldMail], dict]
DELIVERED = ("opened", "replied", "follow_up")  # outcomes whose ticket got the mail's message (and so its files)


class HeldFiles(Protocol):
    """Where a held mail's attachments wait (supportdesk.inbound.attachments.AttachmentService)."""

    def hold(self, quarantine_id: str, attachments: Iterable) -> tuple[MessageAttachment, ...]: ...

    def release(self, quarantine_id: str, ticket_id: str, held: Iterable[MessageAttachment]) -> None: ...

    def discard(self, quarantine_id: str, held: Iterable[MessageAttachment]) -> None: ...


def new_quarantine_id(now: datetime) -> str:
    """Sorts by arrival (the list is newest first in one Query) and is unguessable enough for a URL."""
    return f"Q-{now.astimezone(timezone.utc):%Y%m%d%H%M%S%f}-{secrets.token_hex(3)}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def held_view(mail: HeldMail) -> dict[str, Any]:
    return {
        "id": mail.quarantine_id,
        "customer_id": mail.customer_id,
        "sender": mail.sender,
        "subject": mail.subject,
        "text": mail.body[:PREVIEW],
        "reference": mail.reference,
        "reason": mail.reason,
        "received_at": _iso(mail.received_at),
        "expires_at": _iso(datetime.fromtimestamp(mail.expires_at, timezone.utc)),
        # what is known of the files (masked names), not the files: they can be read once released into a ticket
        "attachments": [
            {"id": a.attachment_id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in mail.attachments
        ],
        "refused_attachments": list(mail.refused_attachments),
    }


class QuarantineService:
    def __init__(
        self,
        store: MailChannelStore,
        clock: Clock,
        mask: Callable[[str], Any],
        deliver: Deliver,
        trail: AuditTrail,
        files: HeldFiles,
    ) -> None:
        self.store = store
        self.clock = clock
        self.mask = mask
        self.deliver = deliver
        self.trail = trail
        self.files = files

    def _masked(self, text: str) -> str:
        return self.mask(text).text

    def hold(
        self,
        customer_id: str,
        sender: str,
        subject: str,
        body: str,
        reference: str | None,
        reason: str,
        attachments: Iterable = (),
    ) -> str:
        """Keep the mail (masked) and its accepted attachments; `attachments` are the mail's, refused ones
        included (supportdesk.mail.parse.Attachment): their names are kept for the note a release writes."""
        now = self.clock.now()
        quarantine_id = new_quarantine_id(now)
        attachments = list(attachments)
        files = self.files.hold(quarantine_id, attachments) if attachments else ()
        refused = tuple(self._masked(a.filename) for a in attachments if a.refused)
        mail = HeldMail(
            quarantine_id,
            customer_id,
            mask_email(sender),
            self._masked(subject),
            self._masked(body),
            reference,
            reason,
            now,
            int(now.timestamp()) + QUARANTINE_DAYS * 86400,
            files,
            refused,
        )
        self.store.hold(mail)
        metrics.add_metric(name="InboundEmailsQuarantined", unit="Count", value=1)
        audit("mail_quarantined", account_id=customer_id, quarantine_id=mail.quarantine_id, reason=reason)
        return mail.quarantine_id

    @staticmethod
    def _require_staff(staff: Staff) -> None:
        if staff.role not in STAFF:
            raise Forbidden()

    def list_held(self, staff: Staff, limit: int, cursor: str | None) -> dict:
        self._require_staff(staff)
        items, next_cursor = self.store.held_mail(limit, cursor, int(self.clock.now().timestamp()))
        audit("quarantine_listed", account_id=staff.account_id, count=len(items))
        return {"quarantine": [held_view(m) for m in items], "next_cursor": next_cursor}

    def _take(self, staff: Staff, quarantine_id: str) -> HeldMail:
        self._require_staff(staff)
        now = int(self.clock.now().timestamp())
        if not _ID.match(quarantine_id or "") or self.store.held(quarantine_id, now) is None:
            raise NotFound("quarantine_not_found")
        mail = self.store.take(quarantine_id, staff.account_id, now)
        if mail is None:
            raise Conflict("quarantine_busy")  # another staff member is releasing or discarding it
        return mail

    def release(self, staff: Staff, quarantine_id: str) -> dict:
        """Into the customer's tickets, exactly as if the mail had been trusted on arrival (a reply to the ticket
        its subject names, else a new ticket, acknowledged)."""
        mail = self._take(staff, quarantine_id)
        try:
            result = self.deliver(mail)
            if mail.attachments and result.get("action") in DELIVERED and result.get("ticket_id"):
                self.files.release(quarantine_id, str(result["ticket_id"]), mail.attachments)
            elif mail.attachments:  # the mail was dropped (the customer's rate limit): so are its files
                self.files.discard(quarantine_id, mail.attachments)
        except Exception:
            self.store.untake(quarantine_id)  # still held: the release can be tried again
            raise
        self.store.forget(quarantine_id)
        now = self.clock.now()
        self.trail(quarantine_id, staff, "quarantine_release", now)
        if result.get("ticket_id"):
            self.trail(str(result["ticket_id"]), staff, "quarantine_release", now)
        audit(
            "quarantine_released",
            account_id=staff.account_id,
            quarantine_id=quarantine_id,
            ticket_id=result.get("ticket_id"),
            action=result.get("action"),
        )
        return {"released": quarantine_id, "action": result.get("action"), "ticket_id": result.get("ticket_id")}

    def discard(self, staff: Staff, quarantine_id: str) -> dict:
        mail = self._take(staff, quarantine_id)
        try:
            if mail.attachments:
                self.files.discard(quarantine_id, mail.attachments)
        except Exception:
            self.store.untake(quarantine_id)  # still held: the discard can be tried again
            raise
        self.store.forget(quarantine_id)
        self.trail(quarantine_id, staff, "quarantine_discard", self.clock.now())
        audit("quarantine_discarded", account_id=staff.account_id, quarantine_id=quarantine_id)
        return {"discarded": quarantine_id}
