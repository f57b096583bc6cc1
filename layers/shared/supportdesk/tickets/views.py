"""What the API answers about tickets: model values -> JSON-ready dicts. The one place that decides which fields a
customer sees and which only staff see; the services build their answers from these and never read them back."""

from __future__ import annotations

from datetime import datetime, timedelta

from supportdesk.clock import iso
from supportdesk.tickets.model import Access, Message, MessageAttachment, QueueEntry, Ticket, TicketStatus

RATING_WINDOW = timedelta(days=7)


def _time(moment: datetime | None) -> str | None:
    return iso(moment) if moment else None


def can_rate(ticket: Ticket, now: datetime) -> bool:
    return (
        ticket.status is TicketStatus.RESOLVED
        and ticket.resolved_at is not None
        and ticket.rated_resolution < ticket.resolution_count
        and now - ticket.resolved_at <= RATING_WINDOW
    )


def ticket_view(ticket: Ticket, now: datetime, *, staff: bool = False) -> dict:
    view = {
        "id": ticket.ticket_id,
        "reference": ticket.ticket_id,
        "status": ticket.status.value,
        "category": ticket.category,
        "subject": ticket.subject,
        "order_id": ticket.order_id,
        "channel": ticket.channel.value,
        "created_at": _time(ticket.created_at),
        "updated_at": _time(ticket.updated_at),
        "queued_at": _time(ticket.queued_at) if ticket.status is TicketStatus.WAITING else None,
        "with_agent": ticket.status is TicketStatus.ASSIGNED,
        "resolved_at": _time(ticket.resolved_at),
        "rating": (
            {"score": ticket.rating_score, "comment": ticket.rating_comment, "rated_at": _time(ticket.rated_at)}
            if ticket.rating_score is not None
            else None
        ),
        "can_rate": can_rate(ticket, now),
        "closed_at": _time(ticket.closed_at),
        "follow_up_of": ticket.follow_up_of,
    }
    if staff:
        view.update(
            customer_id=ticket.customer_id,
            language=ticket.language,
            assigned_agent=ticket.assigned_agent,
            claimed_at=_time(ticket.claimed_at),
            queue=ticket.queue,
            # the customer deleted their account (PIPL): customer_id no longer names anyone
            customer_deleted=ticket.customer_deleted,
            # claimed: since when the customer waits for an answer, and whether that wait was reported as a breach
            # of the reply SLA (supportdesk/lifecycle/jobs.py)
            awaiting_reply_since=_time(ticket.awaiting_reply_since),
            reply_sla_breached=ticket.reply_breached_at is not None,
        )
    return view


def message_attachment_view(attachment: MessageAttachment) -> dict:
    """A file of a message; its download link comes from GET /tickets/{id}/attachments/{attachment_id} (customers)
    or /agent/tickets/{id}/attachments/{attachment_id} (staff, audited)."""
    return {
        "id": attachment.attachment_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
    }


def message_view(message: Message, *, staff: bool = False) -> dict:
    view: dict = {
        "id": message.message_id,
        "author": message.author.value,
        "text": message.text,
        "created_at": _time(message.created_at),
        "attachments": [message_attachment_view(a) for a in message.attachments],
    }
    if message.note:
        view["note"] = message.note
    if message.params:
        view["params"] = dict(message.params)
    if staff:
        view["author_id"] = message.author_id
        view["masked_kinds"] = sorted(message.masked_kinds)
    return view


def queue_entry_view(entry: QueueEntry, now: datetime) -> dict:
    return {
        "id": entry.ticket_id,
        "category": entry.category,
        "subject": entry.subject,
        "language": entry.language,
        "channel": entry.channel.value,
        "queued_at": _time(entry.queued_at),
        "waited_seconds": max(0, int((now - entry.queued_at).total_seconds())) if entry.queued_at else None,
        "sla_breached": entry.sla_breached,
    }


def access_view(entry: Access) -> dict:
    return {"actor_id": entry.actor_id, "actor_role": entry.actor_role, "action": entry.action, "at": _time(entry.at)}
