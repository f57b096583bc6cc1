"""Quarantine: a known customer's mail whose From could not be trusted (supportdesk.mail.auth) is neither turned
into a ticket in their name nor silently dropped (forwarding breaks SPF for honest customers too). It is kept
masked for 14 days; staff list it, release it into the customer's tickets as if it had just arrived, or discard it.
Each release and discard is audited (TicketAuditTable under the quarantine id, and under the ticket a release
wrote to), and only one of two concurrent decisions on one mail takes effect.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timezone
from typing import Any, Callable, Protocol

from supportdesk.clock import Clock
from supportdesk.errors import Conflict, Forbidden, NotFound
from supportdesk.inbound.model import QUARANTINE_DAYS, HeldMail
from supportdesk.inbound.repository import MailChannelStore
from supportdesk.observability import audit, mask_email, metrics

STAFF = ("agent", "supervisor")
PREVIEW = 1000  # characters of a held mail's body in the list
_ID = re.compile(r"^Q-\d{20}-[0-9a-f]{6}$")


class Staff(Protocol):
    account_id: str
    role: str


class AuditTrail(Protocol):
    def __call__(self, subject_id: str, staff: Staff, action: str, at: datetime) -> None: ...


# deliver(customer_id, reference, subject, body) -> {"action": ..., "ticket_id": ...}: the ticket service's
# handling of a customer's mail, injected so this module does not depend on the ticket service.
Deliver = Callable[[str, "str | None", str, str], dict]


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
    }


class QuarantineService:
    def __init__(self, store: MailChannelStore, clock: Clock, mask: Callable[[str], Any], deliver: Deliver,
                 trail: AuditTrail) -> None:
        self.store = store
        self.clock = clock
        self.mask = mask
        self.deliver = deliver
        self.trail = trail

    def _masked(self, text: str) -> str:
        return self.mask(text).text

    def hold(self, customer_id: str, sender: str, subject: str, body: str, reference: str | None,
             reason: str) -> str:
        now = self.clock.now()
        mail = HeldMail(new_quarantine_id(now), customer_id, mask_email(sender), self._masked(subject),
                        self._masked(body), reference, reason, now,
                        int(now.timestamp()) + QUARANTINE_DAYS * 86400)
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
            result = self.deliver(mail.customer_id, mail.reference, mail.subject, mail.body)
        except Exception:
            self.store.untake(quarantine_id)  # still held: the release can be tried again
            raise
        self.store.forget(quarantine_id)
        now = self.clock.now()
        self.trail(quarantine_id, staff, "quarantine_release", now)
        if result.get("ticket_id"):
            self.trail(str(result["ticket_id"]), staff, "quarantine_release", now)
        audit("quarantine_released", account_id=staff.account_id, quarantine_id=quarantine_id,
              ticket_id=result.get("ticket_id"), action=result.get("action"))
        return {"released": quarantine_id, "action": result.get("action"), "ticket_id": result.get("ticket_id")}

    def discard(self, staff: Staff, quarantine_id: str) -> dict:
        self._take(staff, quarantine_id)
        self.store.forget(quarantine_id)
        self.trail(quarantine_id, staff, "quarantine_discard", self.clock.now())
        audit("quarantine_discarded", account_id=staff.account_id, quarantine_id=quarantine_id)
        return {"discarded": quarantine_id}
