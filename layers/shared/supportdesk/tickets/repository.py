"""DynamoDB adapter of the tickets themselves: tickets, their messages and the staff audit trail (the human queue's
counters and the agents' presence are tickets/queue_repository.py). Every method is a bounded number of key-based
calls; no Scan. Items are mapped to the dataclasses of tickets/model.py here and nowhere else.

State changes are conditional (on the ticket's status) and, where several items must change together, one
TransactWriteItems (supportdesk.dal.transactions: a transaction that races another on the same item is retried with
jitter, a failed condition is reported as StatusChanged).
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from supportdesk.dal.batch import batch_get
from supportdesk.dal.cursors import decode_cursor, encode_cursor
from supportdesk.dal.tickets import (
    MessageAttachmentAttribute,
    TicketAuditModel,
    TicketMessageModel,
    TicketModel,
    TicketQueueModel,
)
from supportdesk.errors import Conflict
from supportdesk.observability import logger
from supportdesk.tickets import queue as q
from supportdesk.tickets.model import (
    Access,
    Author,
    Channel,
    Message,
    MessageAttachment,
    NewMessage,
    NewTicket,
    ReplyWait,
    StatusChanged,
    Ticket,
    TicketStatus,
)
from supportdesk.tickets.queue_repository import enter_queue, leave_queue, to_stats
from supportdesk.tickets.references import new_reference
from supportdesk.tickets.settings import ticket_settings
from supportdesk.tickets.storage import message_id, parse_required_stamp, parse_stamp, stamp, transact

MAX_REFERENCE_ATTEMPTS = 12
_TICKET_FIELDS = frozenset(f.name for f in fields(Ticket))

__all__ = [
    "DynamoTicketStore",
    "StatusChanged",
    "TicketStore",
    "parse_stamp",
    "stamp",
    "to_access",
    "to_message",
    "to_ticket",
]


class TicketStore(Protocol):
    """Tickets, their messages and the staff audit trail. Every state change is conditional on the ticket's status
    (StatusChanged when it no longer holds) and returns the ticket as the write left it."""

    def create(self, ticket: NewTicket, messages: list[NewMessage], seq: int | None = None) -> Ticket: ...
    def get(self, ticket_id: str) -> Ticket | None: ...
    def messages(self, ticket_id: str) -> list[Message]: ...
    def customer_tickets(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list[Ticket], str | None]: ...
    def agent_tickets(self, agent_id: str, limit: int, cursor: str | None) -> tuple[list[Ticket], str | None]: ...
    def append(
        self,
        ticket: Ticket,
        messages: list[NewMessage],
        now: datetime,
        expected_status: TicketStatus,
        access: Access | None = None,
        reply_wait: ReplyWait | None = None,
    ) -> Ticket: ...
    def join(
        self,
        ticket: Ticket,
        from_statuses: tuple[TicketStatus, ...],
        seq: int,
        now: datetime,
        messages: list[NewMessage],
    ) -> Ticket: ...
    def claim(self, ticket: Ticket, agent_id: str, now: datetime, access: Access) -> Ticket: ...
    def ticket_with_stats(self, ticket_id: str, queue: str) -> tuple[Ticket | None, q.QueueStats]: ...
    def resolve(
        self,
        ticket: Ticket,
        agent_id: str,
        now: datetime,
        handled_seconds: float | None,
        stats: q.QueueStats,
        messages: list[NewMessage],
        access: Access,
    ) -> Ticket: ...
    def rate(
        self, ticket: Ticket, resolution: int, score: int, comment: str | None, now: datetime, message: NewMessage
    ) -> Ticket: ...
    def record_access(self, access: Access) -> None: ...
    def access_log(self, ticket_id: str, limit: int, cursor: str | None) -> tuple[list[Access], str | None]: ...


# ---- mapping between items and the model ---------------------------------------------------------------------


def to_ticket(item) -> Ticket:
    """A TicketModel item (or anything with its attributes, as stored) as a Ticket."""
    return Ticket(
        ticket_id=item.ticket_id,
        customer_id=item.customer_id,
        category=item.category,
        subject=item.subject,
        status=TicketStatus(item.status),
        created_at=parse_required_stamp(item.created_at),
        updated_at=parse_required_stamp(item.updated_at),
        language=item.language,
        channel=Channel(item.channel),
        queue=item.queue,
        order_id=item.order_id,
        queue_seq=int(item.queue_seq) if item.queue_seq is not None else None,
        queued_at=parse_stamp(item.queued_at),
        assigned_agent=item.assigned_agent,
        claimed_at=parse_stamp(item.claimed_at),
        resolved_at=parse_stamp(item.resolved_at),
        resolution_count=int(item.resolution_count or 0),
        rated_resolution=int(item.rated_resolution or 0),
        rating_score=int(item.rating_score) if item.rating_score is not None else None,
        rating_comment=item.rating_comment,
        rated_at=parse_stamp(item.rated_at),
        closed_at=parse_stamp(item.closed_at),
        follow_up_of=item.follow_up_of,
        customer_deleted=bool(item.customer_deleted),
        sla_notified_seq=int(item.sla_notified_seq) if item.sla_notified_seq is not None else None,
        awaiting_reply_since=parse_stamp(item.awaiting_reply_since),
        reply_breached_at=parse_stamp(item.reply_breached_at),
    )


def to_message(item) -> Message:
    params = item.params
    if params is not None and hasattr(params, "as_dict"):
        params = params.as_dict()
    return Message(
        message_id=item.message_id,
        author=Author(item.author),
        text=item.text,
        created_at=parse_required_stamp(item.created_at),
        author_id=item.author_id,
        masked_kinds=frozenset(item.masked_kinds or ()),
        note=item.note,
        params=dict(params) if params else None,
        attachments=tuple(
            MessageAttachment(a.attachment_id, a.filename, a.content_type, int(a.size))
            for a in getattr(item, "attachments", None) or ()
        ),
    )


def to_access(item) -> Access:
    return Access(item.ticket_id, item.actor_id, item.actor_role, item.action, parse_required_stamp(item.at))


def _message_item(ticket_id: str, message: NewMessage, index: int = 0):
    return TicketMessageModel(
        ticket_id,
        message_id(message.created_at, index),
        author=message.author.value,
        author_id=message.author_id,
        text=message.text,
        created_at=stamp(message.created_at),
        masked_kinds=set(message.masked_kinds) or None,
        note=message.note,
        params=message.params or None,
        attachments=[
            MessageAttachmentAttribute(
                attachment_id=a.attachment_id, filename=a.filename, content_type=a.content_type, size=a.size
            )
            for a in message.attachments
        ]
        or None,
    )


def _access_item(access: Access):
    # Expires by TTL after the audit retention period (docs/operations.md, "Data").
    expires = access.at + timedelta(days=ticket_settings().audit_retention_days)
    return TicketAuditModel(
        access.ticket_id,
        message_id(access.at),
        actor_id=access.actor_id,
        actor_role=str(access.actor_role),
        action=access.action,
        at=stamp(access.at),
        expires_at=int(expires.timestamp()),
    )


def _stored(value):
    """A model value as the ticket table stores it."""
    if isinstance(value, datetime):
        return stamp(value)
    if isinstance(value, Enum):
        return value.value
    return value


def _ticket_actions(changes: dict) -> list:
    """UpdateItem actions that write `changes` to a ticket (None removes the attribute)."""
    attributes = TicketModel.get_attributes()
    return [
        attributes[name].remove() if value is None else attributes[name].set(_stored(value))
        for name, value in changes.items()
    ]


def _changed(ticket: Ticket, changes: dict) -> Ticket:
    """The ticket as a successful write of `changes` leaves it: built from what was read and what was written, so
    nothing needs to be read back."""
    return replace(ticket, **{name: value for name, value in changes.items() if name in _TICKET_FIELDS})


# The reply clock stopped: no customer waits for an agent's answer (supportdesk.tickets.model.ReplyWait).
_REPLY_CLOCK_STOPPED = {"awaiting_reply_since": None, "reply_due_queue": None, "reply_breached_at": None}


def _reply_clock(ticket: Ticket, wait: ReplyWait | None, now: datetime):
    """The changes and the extra condition that apply `wait` to a ticket as it was read. Starting an already
    running clock changes nothing but requires it to be still running (an agent's answer in between stopped it: the
    condition fails, the caller reads again and starts it anew); starting a stopped clock requires it to be still
    stopped (two messages at once start it once). Starting sets the index key `reply_due_queue`, so the ticket
    enters the sparse UnansweredTickets index."""
    if wait is ReplyWait.STOP:
        return dict(_REPLY_CLOCK_STOPPED), None
    if wait is ReplyWait.START:
        if ticket.awaiting_reply_since is not None:
            return {}, TicketModel.awaiting_reply_since.exists()
        changes = {"awaiting_reply_since": now, "reply_due_queue": ticket.queue, "reply_breached_at": None}
        return changes, TicketModel.awaiting_reply_since.does_not_exist()
    return {}, None


def _waiting_changes(queue: str, seq: int, at: datetime) -> dict:
    """A ticket's attributes once it waits in `queue` under number `seq` (since `at`)."""
    return {
        "status": TicketStatus.WAITING,
        "queue_seq": seq,
        "waiting_queue": queue,  # puts the ticket in the sparse WaitingTickets index
        "queued_at": at,
        "updated_at": at,
        "assigned_agent": None,
        "claimed_at": None,
        # a reopened ticket is no longer due for a survey or auto-close (supportdesk/lifecycle/)
        "due_job": None,
        "due_at": None,
        **_REPLY_CLOCK_STOPPED,
    }


class DynamoTicketStore:
    # ---- tickets and messages ------------------------------------------------------------------------------
    def create(self, ticket: NewTicket, messages: list[NewMessage], seq: int | None = None) -> Ticket:
        """Store a new ticket under a fresh reference (conditional put; a collision draws again) with its first
        messages, in one transaction. With `seq` (see next_sequence) the ticket starts out waiting in its queue
        under that number: the tree and the waiting count move in the same transaction. Returns the stored ticket."""
        changes: dict = {
            "customer_id": ticket.customer_id,
            "category": ticket.category,
            "subject": ticket.subject,
            "status": TicketStatus.OPEN,
            "language": ticket.language,
            "channel": ticket.channel,
            "queue": ticket.queue,
            "order_id": ticket.order_id,
            "created_at": ticket.created_at,
            "updated_at": ticket.created_at,
            "follow_up_of": ticket.follow_up_of,
        }
        if seq is not None:
            changes.update(_waiting_changes(ticket.queue, seq, ticket.created_at))
        attributes = {name: _stored(value) for name, value in changes.items()}
        for attempt in range(MAX_REFERENCE_ATTEMPTS):
            item = TicketModel(new_reference(attempt), **attributes)

            def build(transaction, item=item):
                transaction.save(item, condition=TicketModel.ticket_id.does_not_exist())
                if seq is not None:
                    enter_queue(transaction, ticket.queue, seq)
                for index, message in enumerate(messages):
                    transaction.save(_message_item(item.ticket_id, message, index))

            try:
                transact(build)
                return to_ticket(item)
            except StatusChanged:
                logger.info("ticket reference collision", extra={"attempt": attempt + 1})
        raise Conflict("ticket_busy")

    def get(self, ticket_id: str) -> Ticket | None:
        try:
            return to_ticket(TicketModel.get(ticket_id, consistent_read=True))
        except TicketModel.DoesNotExist:
            return None

    def messages(self, ticket_id: str, limit: int = 500) -> list[Message]:
        return [to_message(item) for item in TicketMessageModel.query(ticket_id, consistent_read=True, limit=limit)]

    def customer_tickets(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list[Ticket], str | None]:
        return _newest_first(TicketModel.customer_tickets, "customer_id", customer_id, "created_at", limit, cursor)

    def agent_tickets(self, agent_id: str, limit: int, cursor: str | None) -> tuple[list[Ticket], str | None]:
        return _newest_first(TicketModel.agent_tickets, "assigned_agent", agent_id, "updated_at", limit, cursor)

    def append(
        self,
        ticket: Ticket,
        messages: list[NewMessage],
        now: datetime,
        expected_status: TicketStatus,
        access: Access | None = None,
        reply_wait: ReplyWait | None = None,
    ) -> Ticket:
        """Add messages to a ticket whose status is still `expected_status` (and a staff member's look at it, if
        given), starting or stopping its reply clock as `reply_wait` says (see _reply_clock). Returns the ticket as
        it is now."""
        clock_changes, clock_condition = _reply_clock(ticket, reply_wait, now)
        changes = {"updated_at": now, **clock_changes}
        condition = TicketModel.status == expected_status.value
        if clock_condition is not None:
            condition = condition & clock_condition

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
                condition=condition,
            )
            for index, message in enumerate(messages):
                transaction.save(_message_item(ticket.ticket_id, message, index))
            if access is not None:
                transaction.save(_access_item(access))

        transact(build)
        return _changed(ticket, changes)

    def join(
        self,
        ticket: Ticket,
        from_statuses: tuple[TicketStatus, ...],
        seq: int,
        now: datetime,
        messages: list[NewMessage],
    ) -> Ticket:
        """Put the ticket in its queue: status -> waiting (if it is still in one of `from_statuses`), +1 on the
        tree's update path and on the waiting count, and the messages, all in one transaction. Returns the ticket
        as it is now."""
        changes = _waiting_changes(ticket.queue, seq, now)

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
                condition=TicketModel.status.is_in(*(status.value for status in from_statuses)),
            )
            enter_queue(transaction, ticket.queue, seq)
            for index, message in enumerate(messages):
                transaction.save(_message_item(ticket.ticket_id, message, index))

        transact(build)
        return _changed(ticket, changes)

    def claim(self, ticket: Ticket, agent_id: str, now: datetime, access: Access) -> Ticket:
        """waiting -> assigned for exactly one agent: the status condition lets one transaction through, which also
        records the claimer's look and starts the reply clock. Returns the ticket as it is now."""
        queue, seq = ticket.queue, int(ticket.queue_seq or 0)
        changes = {
            "status": TicketStatus.ASSIGNED,
            "assigned_agent": agent_id,
            "claimed_at": now,
            "updated_at": now,
            "waiting_queue": None,
            # the customer now waits for this agent's first answer: the reply clock starts (ReplyWait.START)
            "awaiting_reply_since": now,
            "reply_due_queue": queue,
            "reply_breached_at": None,
        }

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
                condition=(TicketModel.status == TicketStatus.WAITING.value) & (TicketModel.queue_seq == seq),
            )
            leave_queue(transaction, queue, seq)
            transaction.save(_access_item(access))

        transact(build)
        return _changed(ticket, changes)

    def ticket_with_stats(self, ticket_id: str, queue: str) -> tuple[Ticket | None, q.QueueStats]:
        """A ticket and a queue's stats (the ticket's, when it is in that queue): one BatchGetItem."""
        ticket, stats = (TicketModel, ticket_id), (TicketQueueModel, q.stats_key(queue))
        found = batch_get([ticket, stats])
        item = found.get(ticket)
        return (to_ticket(item) if item is not None else None), to_stats(queue, found.get(stats))

    # ---- resolve and rate ------------------------------------------------------------------------------------
    def resolve(
        self,
        ticket: Ticket,
        agent_id: str,
        now: datetime,
        handled_seconds: float | None,
        stats: q.QueueStats,
        messages: list[NewMessage],
        access: Access,
    ) -> Ticket:
        """assigned -> resolved, counting one more resolution, and (if the handling time is known) the queue's
        average handling time, guarded by the stats item's version (optimistic locking); the resolver's look goes
        into the same transaction. Returns the ticket as it is now."""
        changes = {
            "status": TicketStatus.RESOLVED,
            "resolved_at": now,
            "updated_at": now,
            "resolution_count": ticket.resolution_count + 1,
            # due for the satisfaction survey, then auto-close (the LifecycleDue index; supportdesk/lifecycle/)
            "due_job": "survey",
            "due_at": now,
            **_REPLY_CLOCK_STOPPED,
        }

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
                condition=(TicketModel.status == TicketStatus.ASSIGNED.value)
                & (TicketModel.assigned_agent == ticket.assigned_agent)
                & (TicketModel.resolution_count == ticket.resolution_count),
            )
            if handled_seconds is not None:
                stats_item = TicketQueueModel(q.stats_key(ticket.queue))
                version = TicketQueueModel.version
                transaction.update(
                    stats_item,
                    actions=[
                        TicketQueueModel.avg_handle_seconds.set(
                            round(q.updated_handle_time(stats.avg_handle_seconds, handled_seconds), 3)
                        ),
                        TicketQueueModel.resolved.add(1),
                        TicketQueueModel.version.set((stats.version or 0) + 1),
                    ],
                    condition=version.does_not_exist() if stats.version is None else version == stats.version,
                )
            for index, message in enumerate(messages):
                transaction.save(_message_item(ticket.ticket_id, message, index))
            transaction.save(_access_item(access))

        transact(build)
        return _changed(ticket, changes)

    def rate(
        self, ticket: Ticket, resolution: int, score: int, comment: str | None, now: datetime, message: NewMessage
    ) -> Ticket:
        """Store the rating of resolution number `resolution`, once: the condition rejects a second rating of the
        same resolution and a rating of a ticket that was reopened meanwhile. Returns the ticket as it is now."""
        changes = {
            "rated_resolution": resolution,
            "rating_score": score,
            "rated_at": now,
            "updated_at": now,
            "rating_comment": comment or None,
        }

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
                condition=(TicketModel.status == TicketStatus.RESOLVED.value)
                & (TicketModel.resolution_count == resolution)
                & (TicketModel.rated_resolution < resolution),
            )
            transaction.save(_message_item(ticket.ticket_id, message))

        transact(build)
        return _changed(ticket, changes)

    # ---- audit trail -------------------------------------------------------------------------------------------
    def record_access(self, access: Access) -> None:
        """A look that no state change carries (a read, a refusal, a change that did not happen): one PutItem."""
        _access_item(access).save()

    def access_log(self, ticket_id: str, limit: int, cursor: str | None) -> tuple[list[Access], str | None]:
        position = decode_cursor(cursor, ("e",))
        start = {"ticket_id": {"S": ticket_id}, "entry_id": {"S": position["e"]}} if position else None
        results = TicketAuditModel.query(
            ticket_id, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
        )
        entries = [to_access(item) for item in results]
        last = results.last_evaluated_key if len(entries) >= limit else None
        return entries, encode_cursor({"e": last["entry_id"]["S"]}) if last else None

    # ---- self-service (the help centre's part in tickets; see tickets/self_service.py) -------------------------
    def add_messages_if(
        self, ticket_id: str, messages: list[NewMessage], now: datetime, expected_status: TicketStatus
    ) -> bool:
        """Messages written after the request's own change (the help centre's automatic reply), only while the ticket
        is still `expected_status`: one transaction, no read. False when the ticket moved on meanwhile."""

        def build(transaction):
            transaction.update(
                TicketModel(ticket_id),
                actions=_ticket_actions({"updated_at": now}),
                condition=TicketModel.status == expected_status.value,
            )
            for index, message in enumerate(messages):
                transaction.save(_message_item(ticket_id, message, index))

        try:
            transact(build)
        except StatusChanged:
            return False
        return True

    def close_by_customer(self, ticket: Ticket, now: datetime, messages: list[NewMessage]) -> Ticket:
        """open or waiting -> resolved by the customer (an article solved it), counting one more resolution; a
        waiting ticket leaves the queue (-1 on the tree's update path and on the waiting count) in the same
        transaction. Conditioned on the state that was read, so concurrent calls resolve it once. Returns the ticket
        as it is now."""

        resolutions = int(ticket.resolution_count or 0)
        changes = {
            "status": TicketStatus.RESOLVED,
            "resolved_at": now,
            "updated_at": now,
            "resolution_count": resolutions + 1,
        }
        waiting = ticket.status == TicketStatus.WAITING
        if waiting:
            changes["waiting_queue"] = None
            queue, seq = ticket.queue, int(ticket.queue_seq or 0)
            condition = (TicketModel.status == TicketStatus.WAITING.value) & (TicketModel.queue_seq == seq)
        else:
            condition = TicketModel.status == TicketStatus.OPEN.value
        condition = condition & (TicketModel.resolution_count == resolutions)

        def build(transaction):
            transaction.update(TicketModel(ticket.ticket_id), actions=_ticket_actions(changes), condition=condition)
            if waiting:
                leave_queue(transaction, queue, seq)
            for index, message in enumerate(messages):
                transaction.save(_message_item(ticket.ticket_id, message, index))

        transact(build)
        return _changed(ticket, changes)


def _newest_first(
    index, hash_attribute: str, hash_value: str, sort_attribute: str, limit: int, cursor: str | None
) -> tuple[list[Ticket], str | None]:
    """One page of an index partition, newest first, with an opaque cursor. The cursor carries only the sort key and
    the ticket id; the partition always comes from the caller, so a cursor cannot reach another partition."""
    position = decode_cursor(cursor, ("s", "t"))
    start = None
    if position:
        start = {
            hash_attribute: {"S": hash_value},
            sort_attribute: {"S": position["s"]},
            "ticket_id": {"S": position["t"]},
        }
    results = index.query(hash_value, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start)
    tickets = [to_ticket(item) for item in results]
    last = results.last_evaluated_key if len(tickets) >= limit else None
    next_cursor = encode_cursor({"s": last[sort_attribute]["S"], "t": last["ticket_id"]["S"]}) if last else None
    return tickets, next_cursor
