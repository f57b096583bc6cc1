"""DynamoDB adapter of the ticket operation: tickets, messages, the human queue (Fenwick tree + stats + presence)
and the staff audit trail. Every method is a bounded number of key-based calls; no Scan.

State changes are conditional (on the ticket's status) and, where several items must change together, one
TransactWriteItems. Real DynamoDB cancels a transaction that races with another on the same item
(TransactionConflict); that is retried here with jitter, a failed condition is reported as StatusChanged.
"""
from __future__ import annotations

import base64
import json
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Iterable

from supportdesk.errors import Conflict, InvalidInput
from supportdesk.observability import logger
from supportdesk.tickets import queue as q
from supportdesk.tickets.references import new_reference

MAX_REFERENCE_ATTEMPTS = 12
MAX_CONFLICT_RETRIES = 6


class StatusChanged(Exception):
    """A conditional write found the ticket (or presence/stats item) not in the expected state."""


def stamp(moment: datetime) -> str:
    """Fixed-width ISO 8601 UTC with microseconds: sorts as text, so it can be a sort key."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


def parse_stamp(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def message_id(moment: datetime, index: int = 0) -> str:
    """Time-ordered id. Ties at the same clock reading (two writes in the same microsecond, or a fixed clock in
    tests) keep the order they were written in: the process's wall clock in nanoseconds, then the position in the
    batch, then randomness so that ids never collide."""
    return f"{stamp(moment)}#{time.time_ns():020d}{index:02d}{secrets.token_hex(3)}"


@dataclass(frozen=True)
class NewMessage:
    author: str  # customer | agent | system
    text: str
    created_at: datetime
    author_id: str | None = None
    masked_kinds: frozenset[str] = frozenset()
    note: str | None = None
    params: dict | None = None

    def model(self, ticket_id: str, index: int = 0):
        from supportdesk.dal.tickets import TicketMessageModel

        return TicketMessageModel(
            ticket_id,
            message_id(self.created_at, index),
            author=self.author,
            author_id=self.author_id,
            text=self.text,
            created_at=stamp(self.created_at),
            masked_kinds=set(self.masked_kinds) or None,
            note=self.note,
            params=self.params or None,
        )


def encode_cursor(key: dict | None) -> str | None:
    if not key:
        return None
    raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, required: Iterable[str]) -> dict | None:
    """An opaque cursor back to its fields; anything that is not one of ours is a 400, never a 500."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
    except (ValueError, TypeError):
        raise InvalidInput("invalid_cursor") from None
    if not isinstance(value, dict) or any(not isinstance(value.get(k), str) for k in required):
        raise InvalidInput("invalid_cursor")
    return value


def _transact(build: Callable) -> None:
    """Run one TransactWriteItems built by `build(transaction)`; retry on TransactionConflict, raise StatusChanged
    when a condition failed."""
    from pynamodb.connection import Connection
    from pynamodb.exceptions import TransactWriteError
    from pynamodb.transactions import TransactWrite

    for attempt in range(MAX_CONFLICT_RETRIES):
        try:
            with TransactWrite(connection=Connection()) as transaction:
                build(transaction)
            return
        except TransactWriteError as exc:
            codes = {reason.code for reason in (exc.cancellation_reasons or []) if reason is not None}
            if "ConditionalCheckFailed" in codes:
                raise StatusChanged(sorted(codes)) from exc
            if "TransactionConflict" in codes or exc.cause_response_code == "TransactionConflictException":
                time.sleep(random.uniform(0, 0.02 * (2**attempt)))  # noqa: S311 - jitter, not security
                continue
            raise
    logger.warning("transaction kept conflicting", extra={"attempts": MAX_CONFLICT_RETRIES})
    raise Conflict("ticket_busy")


class DynamoTicketStore:
    # ---- tickets and messages ------------------------------------------------------------------------------
    def create(self, fields: dict, messages: list[NewMessage]):
        """Store a new ticket under a fresh reference (conditional put; a collision draws again) with its first
        messages, in one transaction. Returns the stored model."""
        from supportdesk.dal.tickets import TicketModel

        for attempt in range(MAX_REFERENCE_ATTEMPTS):
            ticket = TicketModel(new_reference(attempt), **fields)

            def build(transaction, ticket=ticket):
                transaction.save(ticket, condition=TicketModel.ticket_id.does_not_exist())
                for index, message in enumerate(messages):
                    transaction.save(message.model(ticket.ticket_id, index))

            try:
                _transact(build)
                return ticket
            except StatusChanged:
                logger.info("ticket reference collision", extra={"attempt": attempt + 1})
        raise Conflict("ticket_busy")

    def get(self, ticket_id: str):
        from supportdesk.dal.tickets import TicketModel

        try:
            return TicketModel.get(ticket_id, consistent_read=True)
        except TicketModel.DoesNotExist:
            return None

    def messages(self, ticket_id: str, limit: int = 500) -> list:
        from supportdesk.dal.tickets import TicketMessageModel

        return list(TicketMessageModel.query(ticket_id, consistent_read=True, limit=limit))

    def customer_tickets(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list, str | None]:
        from supportdesk.dal.tickets import TicketModel

        position = decode_cursor(cursor, ("c", "t"))
        start = None
        if position:
            start = {
                "customer_id": {"S": customer_id},  # always the caller's: a cursor cannot reach another customer
                "created_at": {"S": position["c"]},
                "ticket_id": {"S": position["t"]},
            }
        results = TicketModel.customer_tickets.query(
            customer_id, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
        )
        tickets = list(results)
        last = results.last_evaluated_key if len(tickets) >= limit else None
        next_cursor = encode_cursor({"c": last["created_at"]["S"], "t": last["ticket_id"]["S"]}) if last else None
        return tickets, next_cursor

    def agent_tickets(self, agent_id: str, limit: int, cursor: str | None) -> tuple[list, str | None]:
        from supportdesk.dal.tickets import TicketModel

        position = decode_cursor(cursor, ("u", "t"))
        start = None
        if position:
            start = {
                "assigned_agent": {"S": agent_id},
                "updated_at": {"S": position["u"]},
                "ticket_id": {"S": position["t"]},
            }
        results = TicketModel.agent_tickets.query(
            agent_id, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
        )
        tickets = list(results)
        last = results.last_evaluated_key if len(tickets) >= limit else None
        next_cursor = encode_cursor({"u": last["updated_at"]["S"], "t": last["ticket_id"]["S"]}) if last else None
        return tickets, next_cursor

    def append(self, ticket, messages: list[NewMessage], now: datetime, expected_status: str) -> None:
        """Add messages to a ticket whose status is still `expected_status`."""
        from supportdesk.dal.tickets import TicketModel

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=[TicketModel.updated_at.set(stamp(now))],
                condition=TicketModel.status == expected_status,
            )
            for index, message in enumerate(messages):
                transaction.save(message.model(ticket.ticket_id, index))

        _transact(build)

    # ---- the human queue --------------------------------------------------------------------------------------
    def next_sequence(self, queue: str) -> int:
        """One UpdateItem ADD: the queue's next ticket number (gaps from abandoned joins are harmless)."""
        from supportdesk.dal.tickets import TicketQueueModel

        counter = TicketQueueModel(q.sequence_key(queue))
        counter.update(actions=[TicketQueueModel.next_seq.add(1)])
        return int(counter.next_seq)

    def join(self, ticket, from_statuses: tuple[str, ...], seq: int, now: datetime, messages: list[NewMessage]) -> None:
        """Put the ticket in its queue: status -> waiting (if it is still in one of `from_statuses`), +1 on the
        tree's update path and on the waiting count, and the messages, all in one transaction."""
        from supportdesk.dal.tickets import TicketModel, TicketQueueModel

        queue = ticket.queue

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=[
                    TicketModel.status.set("waiting"),
                    TicketModel.queue_seq.set(seq),
                    TicketModel.waiting_queue.set(queue),
                    TicketModel.queued_at.set(stamp(now)),
                    TicketModel.updated_at.set(stamp(now)),
                    TicketModel.assigned_agent.remove(),
                    TicketModel.claimed_at.remove(),
                ],
                condition=TicketModel.status.is_in(*from_statuses),
            )
            for index in q.update_path(seq):
                transaction.update(TicketQueueModel(q.node_key(queue, index)), actions=[TicketQueueModel.count.add(1)])
            transaction.update(TicketQueueModel(q.stats_key(queue)), actions=[TicketQueueModel.waiting.add(1)])
            for index, message in enumerate(messages):
                transaction.save(message.model(ticket.ticket_id, index))

        _transact(build)

    def claim(self, ticket, agent_id: str, now: datetime) -> None:
        """waiting -> assigned for exactly one agent: the status condition lets one transaction through."""
        from supportdesk.dal.tickets import TicketModel, TicketQueueModel

        queue, seq = ticket.queue, int(ticket.queue_seq)

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=[
                    TicketModel.status.set("assigned"),
                    TicketModel.assigned_agent.set(agent_id),
                    TicketModel.claimed_at.set(stamp(now)),
                    TicketModel.updated_at.set(stamp(now)),
                    TicketModel.waiting_queue.remove(),
                ],
                condition=(TicketModel.status == "waiting") & (TicketModel.queue_seq == seq),
            )
            for index in q.update_path(seq):
                transaction.update(TicketQueueModel(q.node_key(queue, index)), actions=[TicketQueueModel.count.add(-1)])
            transaction.update(TicketQueueModel(q.stats_key(queue)), actions=[TicketQueueModel.waiting.add(-1)])

        _transact(build)

    def position(self, queue: str, seq: int) -> tuple[int, q.QueueStats]:
        """The ticket's place (1 = next) and the queue's stats: one strongly consistent BatchGetItem."""
        from supportdesk.dal.tickets import TicketQueueModel

        keys = [q.node_key(queue, index) for index in q.prefix_path(seq)] + [q.stats_key(queue)]
        found = {item.pk: item for item in TicketQueueModel.batch_get(keys, consistent_read=True)}
        position = sum(int(found[k].count or 0) for k in keys[:-1] if k in found)
        return position, self._stats(queue, found.get(q.stats_key(queue)))

    def stats(self, queue: str) -> q.QueueStats:
        from supportdesk.dal.tickets import TicketQueueModel

        try:
            item = TicketQueueModel.get(q.stats_key(queue), consistent_read=True)
        except TicketQueueModel.DoesNotExist:
            item = None
        return self._stats(queue, item)

    @staticmethod
    def _stats(queue: str, item) -> q.QueueStats:
        if item is None:
            return q.QueueStats(queue)
        return q.QueueStats(
            queue=queue,
            waiting=max(0, int(item.waiting or 0)),
            agents_online=max(0, int(item.agents_online or 0)),
            avg_handle_seconds=float(item.avg_handle_seconds) if item.avg_handle_seconds is not None else None,
            resolved=int(item.resolved or 0),
            version=int(item.version) if item.version is not None else None,
        )

    def waiting(self, queue: str, limit: int, after_seq: int | None = None) -> list:
        """Waiting tickets, oldest first: a Query on the sparse WaitingTickets index."""
        from supportdesk.dal.tickets import TicketModel

        condition = TicketModel.queue_seq > after_seq if after_seq is not None else None
        return list(TicketModel.waiting_tickets.query(queue, condition, limit=limit, page_size=limit))

    def oldest_waiting(self, queue: str):
        tickets = self.waiting(queue, 1)
        return tickets[0] if tickets else None

    # ---- resolve and rate ------------------------------------------------------------------------------------
    def resolve(
        self, ticket, agent_id: str, now: datetime, handled_seconds: float | None, stats: q.QueueStats,
        messages: list[NewMessage],
    ) -> None:
        """assigned -> resolved, counting one more resolution, and (if the handling time is known) the queue's
        average handling time, guarded by the stats item's version (optimistic locking)."""
        from supportdesk.dal.tickets import TicketModel, TicketQueueModel

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=[
                    TicketModel.status.set("resolved"),
                    TicketModel.resolved_at.set(stamp(now)),
                    TicketModel.updated_at.set(stamp(now)),
                    TicketModel.resolution_count.set(int(ticket.resolution_count or 0) + 1),
                ],
                condition=(TicketModel.status == "assigned")
                & (TicketModel.assigned_agent == ticket.assigned_agent)
                & (TicketModel.resolution_count == int(ticket.resolution_count or 0)),
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
                transaction.save(message.model(ticket.ticket_id, index))

        _transact(build)

    def rate(self, ticket, resolution: int, score: int, comment: str | None, now: datetime, message: NewMessage) -> None:
        """Store the rating of resolution number `resolution`, once: the condition rejects a second rating of the
        same resolution and a rating of a ticket that was reopened meanwhile."""
        from supportdesk.dal.tickets import TicketModel

        actions = [
            TicketModel.rated_resolution.set(resolution),
            TicketModel.rating_score.set(score),
            TicketModel.rated_at.set(stamp(now)),
            TicketModel.updated_at.set(stamp(now)),
        ]
        actions.append(TicketModel.rating_comment.set(comment) if comment else TicketModel.rating_comment.remove())

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=actions,
                condition=(TicketModel.status == "resolved")
                & (TicketModel.resolution_count == resolution)
                & (TicketModel.rated_resolution < resolution),
            )
            transaction.save(message.model(ticket.ticket_id))

        _transact(build)

    # ---- agent presence --------------------------------------------------------------------------------------
    def set_presence(self, queue: str, agent_id: str, online: bool, now: datetime) -> bool:
        """Mark an agent on- or offline and move the queue's agents_online counter by one, in one transaction; the
        presence item's condition makes a repeated toggle a no-op. Returns whether anything changed."""
        from supportdesk.dal.tickets import TicketQueueModel

        presence = TicketQueueModel(q.presence_key(queue, agent_id))
        if online:
            condition = TicketQueueModel.online.does_not_exist() | (TicketQueueModel.online == 0)
        else:
            condition = TicketQueueModel.online == 1

        def build(transaction):
            transaction.update(
                presence,
                actions=[TicketQueueModel.online.set(1 if online else 0), TicketQueueModel.changed_at.set(stamp(now))],
                condition=condition,
            )
            transaction.update(
                TicketQueueModel(q.stats_key(queue)),
                actions=[TicketQueueModel.agents_online.add(1 if online else -1)],
            )

        try:
            _transact(build)
        except StatusChanged:
            return False
        return True

    # ---- audit trail -------------------------------------------------------------------------------------------
    def record_access(self, ticket_id: str, actor_id: str, actor_role: str, action: str, now: datetime) -> None:
        from supportdesk.dal.tickets import TicketAuditModel

        TicketAuditModel(
            ticket_id, message_id(now), actor_id=actor_id, actor_role=actor_role, action=action, at=stamp(now)
        ).save()

    def access_log(self, ticket_id: str, limit: int, cursor: str | None) -> tuple[list, str | None]:
        from supportdesk.dal.tickets import TicketAuditModel

        position = decode_cursor(cursor, ("e",))
        start = {"ticket_id": {"S": ticket_id}, "entry_id": {"S": position["e"]}} if position else None
        results = TicketAuditModel.query(
            ticket_id, scan_index_forward=False, limit=limit, page_size=limit, last_evaluated_key=start
        )
        entries = list(results)
        last = results.last_evaluated_key if len(entries) >= limit else None
        return entries, encode_cursor({"e": last["entry_id"]["S"]}) if last else None


class DynamoOrderLookup:
    """Is this order the caller's? One GetItem on (customer_id, order_id): another customer's order is simply absent."""

    def belongs_to(self, customer_id: str, order_id: str) -> bool:
        from supportdesk.dal.orders import OrderModel

        try:
            OrderModel.get(customer_id, order_id, attributes_to_get=["customer_id"])
        except OrderModel.DoesNotExist:
            return False
        return True
