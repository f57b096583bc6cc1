"""What the ticket operation talks about, as plain typed values.

The services see only these: the DynamoDB adapters (tickets/repository.py, tickets/queue_repository.py, each with
the port it implements) map PynamoDB items to them and back, and the in-memory fake of the tests (tests/fakes.py)
implements the same ports.
Times are aware datetimes (UTC); how they are written to a table is the adapters' business.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class TicketStatus(StrEnum):
    OPEN = "open"  # talking to the assistant (no human yet)
    WAITING = "waiting"  # in the human queue
    ASSIGNED = "assigned"  # claimed by an agent
    RESOLVED = "resolved"
    CLOSED = "closed"  # resolved and quiet for AUTO_CLOSE_DAYS (supportdesk/lifecycle/); a message opens a follow-up


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"


class Author(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"


class ReplyWait(StrEnum):
    """What a write does to the reply clock of a claimed ticket: the time the customer has been waiting for an
    agent's answer, which the SLA schedule compares with its target (supportdesk/lifecycle/jobs.py). Claiming starts
    it (the customer asked for a person and has not been answered yet); a customer message starts it unless it is
    already running (the wait counts from the first unanswered message: writing again must not push a breach
    away); an agent's answer stops it, and so do resolving and rejoining the queue."""

    START = "start"
    STOP = "stop"


class StatusChanged(Exception):
    """A conditional write found the ticket (or presence/stats item) not in the expected state: the caller reads
    again and decides on the new state."""


@dataclass(frozen=True)
class Ticket:
    ticket_id: str  # the short reference, e.g. T-8K3Q2
    customer_id: str
    category: str
    subject: str  # masked
    status: TicketStatus
    created_at: datetime
    updated_at: datetime
    language: str = "zh-CN"  # the customer's, for system notes and e-mail
    channel: Channel = Channel.WEB
    queue: str = "general"
    order_id: str | None = None
    # Human queue
    queue_seq: int | None = None
    queued_at: datetime | None = None
    assigned_agent: str | None = None
    claimed_at: datetime | None = None
    # Resolution and rating: a rating is allowed once per resolution (rated_resolution < resolution_count)
    resolved_at: datetime | None = None
    resolution_count: int = 0
    rated_resolution: int = 0
    rating_score: int | None = None
    rating_comment: str | None = None
    rated_at: datetime | None = None
    # Lifecycle (supportdesk/lifecycle/)
    closed_at: datetime | None = None
    follow_up_of: str | None = None  # the closed ticket a customer message on it opened this one from
    customer_deleted: bool = False  # the customer deleted their account: customer_id names nobody
    sla_notified_seq: int | None = None  # queue_seq whose SLA breach was reported to the supervisors
    # Reply SLA while claimed: since when the customer waits for an agent's answer (None: answered, or not claimed),
    # and when that wait was reported to the supervisors as a breach (None: not reported)
    awaiting_reply_since: datetime | None = None
    reply_breached_at: datetime | None = None


@dataclass(frozen=True)
class NewTicket:
    """A ticket before it has a reference (the store draws one)."""

    customer_id: str
    category: str
    subject: str  # masked
    language: str
    channel: Channel
    queue: str
    created_at: datetime
    order_id: str | None = None
    follow_up_of: str | None = None


@dataclass(frozen=True)
class MessageAttachment:
    """A file sent with a message (an e-mail's attachment, a web upload, an agent's file): listed with the message,
    downloaded through the ticket's attachment routes by its id (the bytes and their record live with the e-mail
    channel, supportdesk.inbound.attachments). The name is masked like any text a person wrote."""

    attachment_id: str
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class NewMessage:
    """A message to store (the store gives it its time-ordered id)."""

    author: Author
    text: str  # masked; system notes in the customer's language
    created_at: datetime
    author_id: str | None = None
    masked_kinds: frozenset[str] = frozenset()
    note: str | None = None  # system notes: which note (masked, after_hours, ...)
    params: dict | None = None
    attachments: tuple[MessageAttachment, ...] = ()


@dataclass(frozen=True)
class Message:
    """A stored message of a ticket's conversation."""

    message_id: str
    author: Author
    text: str
    created_at: datetime
    author_id: str | None = None
    masked_kinds: frozenset[str] = frozenset()
    note: str | None = None
    params: dict[str, str] | None = None
    attachments: tuple[MessageAttachment, ...] = ()


@dataclass(frozen=True)
class QueueEntry:
    """A waiting ticket as the staff's queue lists it."""

    ticket_id: str
    queue_seq: int
    category: str
    subject: str
    language: str
    channel: Channel
    queued_at: datetime | None
    sla_breached: bool = False  # the SLA schedule reported this wait to the supervisors


@dataclass(frozen=True)
class Access:
    """One look of a staff member at a ticket, for the audit trail. Written with the state change it leads to (in
    the same transaction) or on its own (record_access)."""

    ticket_id: str
    actor_id: str
    actor_role: str
    action: str  # read | claim | reply | resolve, with "_denied" when refused
    at: datetime
