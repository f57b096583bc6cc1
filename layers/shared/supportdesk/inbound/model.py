"""The inbound e-mail channel's records as the services see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from supportdesk.tickets.model import MessageAttachment

QUARANTINE_DAYS = 14


@dataclass(frozen=True)
class HeldMail:
    """A known customer's mail whose From could not be trusted (possibly forged, possibly forwarded by an honest
    customer's provider, which breaks SPF): kept masked until staff release or discard it, or it expires."""

    quarantine_id: str
    customer_id: str
    sender: str  # masked
    subject: str  # masked
    body: str  # masked
    reference: str | None
    reason: str  # why the From was not trusted (supportdesk.mail.auth.Trust.reason)
    received_at: datetime
    expires_at: int  # epoch seconds
    attachments: tuple[MessageAttachment, ...] = ()  # kept under quarantine/<id>/ until released (names masked)
    refused_attachments: tuple[str, ...] = ()  # names (masked) of those refused: noted in the ticket on release
