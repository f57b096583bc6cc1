"""DynamoDB adapter of the ticket operation: tickets, messages, the human queue (Fenwick tree + stats + presence)
and the staff audit trail. Every method is a bounded number of key-based calls; no Scan.

State changes are conditional (on the ticket's status) and, where several items must change together, one
TransactWriteItems. Real DynamoDB cancels a transaction that races with another on the same item
(TransactionConflict); that is retried here with jitter, a failed condition is reported as StatusChanged.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from supportdesk.dal.batch import batch_get
from supportdesk.dal.cursors import decode_cursor, encode_cursor
from supportdesk.dal.transactions import ConditionFailed, TransactionBusy, conditional_update, transact
from supportdesk.errors import Conflict
from supportdesk.observability import logger
from supportdesk.tickets import queue as q
from supportdesk.tickets.references import new_reference

MAX_REFERENCE_ATTEMPTS = 12
MAX_CONFLICT_RETRIES = 6  # going online: attempts when a lease expiry races the renewal


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


@dataclass(frozen=True)
class Access:
    """One look of a staff member at a ticket, for the audit trail. Written with the state change it leads to (in
    the same transaction) or on its own (record_access)."""

    ticket_id: str
    actor_id: str
    actor_role: str
    action: str  # read | claim | reply | resolve, with "_denied" when refused
    at: datetime

    def model(self):
        from supportdesk.dal.tickets import TicketAuditModel

        return TicketAuditModel(self.ticket_id, message_id(self.at), actor_id=self.actor_id,
                                actor_role=self.actor_role, action=self.action, at=stamp(self.at))


def _ticket_actions(changes: dict) -> list:
    """UpdateItem actions that write `changes` to a ticket (None removes the attribute)."""
    from supportdesk.dal.tickets import TicketModel

    attributes = TicketModel.get_attributes()
    return [attributes[name].remove() if value is None else attributes[name].set(value) for name, value in changes.items()]


def _changed(ticket, changes: dict):
    """The ticket as a successful write of `changes` leaves it: built from what was read and what was written, so
    nothing needs to be read back."""
    from supportdesk.dal.tickets import TicketModel

    updated = TicketModel.from_raw_data(ticket.serialize())
    for name, value in changes.items():
        setattr(updated, name, value)
    return updated


def _waiting_changes(queue: str, seq: int, at: str) -> dict:
    """A ticket's attributes once it waits in `queue` under number `seq` (since `at`, a stamp)."""
    return {
        "status": "waiting",
        "queue_seq": seq,
        "waiting_queue": queue,
        "queued_at": at,
        "updated_at": at,
        "assigned_agent": None,
        "claimed_at": None,
    }


def _enter_queue(transaction, queue: str, seq: int) -> None:
    """+1 on the tree's update path of `seq` and on the queue's waiting count."""
    from supportdesk.dal.tickets import TicketQueueModel

    for index in q.update_path(seq):
        transaction.update(TicketQueueModel(q.node_key(queue, index)), actions=[TicketQueueModel.count.add(1)])
    transaction.update(TicketQueueModel(q.stats_key(queue)), actions=[TicketQueueModel.waiting.add(1)])


def _transact(build: Callable) -> None:
    """supportdesk.dal.transactions.transact in the ticket domain's terms: a failed condition is StatusChanged, a
    transaction that kept conflicting is 409 ticket_busy."""
    try:
        transact(build)
    except ConditionFailed as exc:
        raise StatusChanged(exc.reasons) from exc
    except TransactionBusy:
        raise Conflict("ticket_busy") from None


class DynamoTicketStore:
    # ---- tickets and messages ------------------------------------------------------------------------------
    def create(self, fields: dict, messages: list[NewMessage], seq: int | None = None):
        """Store a new ticket under a fresh reference (conditional put; a collision draws again) with its first
        messages, in one transaction. With `seq` (see next_sequence) the ticket starts out waiting in its queue
        under that number: the tree and the waiting count move in the same transaction. Returns the stored model."""
        from supportdesk.dal.tickets import TicketModel

        if seq is not None:
            fields = {**fields, **_waiting_changes(fields["queue"], seq, fields["created_at"])}
        for attempt in range(MAX_REFERENCE_ATTEMPTS):
            ticket = TicketModel(new_reference(attempt), **fields)

            def build(transaction, ticket=ticket):
                transaction.save(ticket, condition=TicketModel.ticket_id.does_not_exist())
                if seq is not None:
                    _enter_queue(transaction, ticket.queue, seq)
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

        return _newest_first(TicketModel.customer_tickets, "customer_id", customer_id, "created_at", limit, cursor)

    def agent_tickets(self, agent_id: str, limit: int, cursor: str | None) -> tuple[list, str | None]:
        from supportdesk.dal.tickets import TicketModel

        return _newest_first(TicketModel.agent_tickets, "assigned_agent", agent_id, "updated_at", limit, cursor)

    def append(
        self, ticket, messages: list[NewMessage], now: datetime, expected_status: str, access: Access | None = None
    ):
        """Add messages to a ticket whose status is still `expected_status` (and a staff member's look at it, if
        given). Returns the ticket as it is now."""
        from supportdesk.dal.tickets import TicketModel

        changes = {"updated_at": stamp(now)}

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
                condition=TicketModel.status == expected_status,
            )
            for index, message in enumerate(messages):
                transaction.save(message.model(ticket.ticket_id, index))
            if access is not None:
                transaction.save(access.model())

        _transact(build)
        return _changed(ticket, changes)

    # ---- the human queue --------------------------------------------------------------------------------------
    def next_sequence(self, queue: str) -> int:
        """One UpdateItem ADD: the queue's next ticket number (gaps from abandoned joins are harmless)."""
        from supportdesk.dal.tickets import TicketQueueModel

        counter = TicketQueueModel(q.sequence_key(queue))
        counter.update(actions=[TicketQueueModel.next_seq.add(1)])
        return int(counter.next_seq)

    def join(self, ticket, from_statuses: tuple[str, ...], seq: int, now: datetime, messages: list[NewMessage]):
        """Put the ticket in its queue: status -> waiting (if it is still in one of `from_statuses`), +1 on the
        tree's update path and on the waiting count, and the messages, all in one transaction. Returns the ticket
        as it is now."""
        from supportdesk.dal.tickets import TicketModel

        changes = _waiting_changes(ticket.queue, seq, stamp(now))

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
                condition=TicketModel.status.is_in(*from_statuses),
            )
            _enter_queue(transaction, ticket.queue, seq)
            for index, message in enumerate(messages):
                transaction.save(message.model(ticket.ticket_id, index))

        _transact(build)
        return _changed(ticket, changes)

    def claim(self, ticket, agent_id: str, now: datetime, access: Access):
        """waiting -> assigned for exactly one agent: the status condition lets one transaction through, which also
        records the claimer's look. Returns the ticket as it is now."""
        from supportdesk.dal.tickets import TicketModel, TicketQueueModel

        queue, seq = ticket.queue, int(ticket.queue_seq)
        changes = {
            "status": "assigned",
            "assigned_agent": agent_id,
            "claimed_at": stamp(now),
            "updated_at": stamp(now),
            "waiting_queue": None,
        }

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
                condition=(TicketModel.status == "waiting") & (TicketModel.queue_seq == seq),
            )
            for index in q.update_path(seq):
                transaction.update(TicketQueueModel(q.node_key(queue, index)), actions=[TicketQueueModel.count.add(-1)])
            transaction.update(TicketQueueModel(q.stats_key(queue)), actions=[TicketQueueModel.waiting.add(-1)])
            transaction.save(access.model())

        _transact(build)
        return _changed(ticket, changes)

    def position(self, queue: str, seq: int) -> tuple[int, q.QueueStats]:
        """The ticket's place (1 = next) and the queue's stats: one strongly consistent BatchGetItem."""
        from supportdesk.dal.tickets import TicketQueueModel

        nodes = [(TicketQueueModel, q.node_key(queue, index)) for index in q.prefix_path(seq)]
        stats = (TicketQueueModel, q.stats_key(queue))
        found = batch_get(nodes + [stats])
        position = sum(int(found[key].count or 0) for key in nodes if key in found)
        return position, self._stats(queue, found.get(stats))

    def ticket_with_stats(self, ticket_id: str, queue: str):
        """A ticket and a queue's stats (the ticket's, when it is in that queue): one BatchGetItem."""
        from supportdesk.dal.tickets import TicketModel, TicketQueueModel

        ticket, stats = (TicketModel, ticket_id), (TicketQueueModel, q.stats_key(queue))
        found = batch_get([ticket, stats])
        return found.get(ticket), self._stats(queue, found.get(stats))

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
        messages: list[NewMessage], access: Access,
    ):
        """assigned -> resolved, counting one more resolution, and (if the handling time is known) the queue's
        average handling time, guarded by the stats item's version (optimistic locking); the resolver's look goes
        into the same transaction. Returns the ticket as it is now."""
        from supportdesk.dal.tickets import TicketModel, TicketQueueModel

        changes = {
            "status": "resolved",
            "resolved_at": stamp(now),
            "updated_at": stamp(now),
            "resolution_count": int(ticket.resolution_count or 0) + 1,
        }

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
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
            transaction.save(access.model())

        _transact(build)
        return _changed(ticket, changes)

    def rate(self, ticket, resolution: int, score: int, comment: str | None, now: datetime, message: NewMessage):
        """Store the rating of resolution number `resolution`, once: the condition rejects a second rating of the
        same resolution and a rating of a ticket that was reopened meanwhile. Returns the ticket as it is now."""
        from supportdesk.dal.tickets import TicketModel

        changes = {
            "rated_resolution": resolution,
            "rating_score": score,
            "rated_at": stamp(now),
            "updated_at": stamp(now),
            "rating_comment": comment or None,
        }

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=_ticket_actions(changes),
                condition=(TicketModel.status == "resolved")
                & (TicketModel.resolution_count == resolution)
                & (TicketModel.rated_resolution < resolution),
            )
            transaction.save(message.model(ticket.ticket_id))

        _transact(build)
        return _changed(ticket, changes)

    # ---- agent presence --------------------------------------------------------------------------------------
    def set_presence(self, queue: str, agent_id: str, online: bool, now: datetime,
                     lease_until: datetime | None = None) -> bool:
        """Mark an agent on- or offline and move the queue's agents_online counter by one, in one transaction; the
        presence item's condition makes a repeated toggle a no-op. Going online also sets the presence lease (until
        `lease_until`) and puts the item in the PresenceLeases index; going online again only renews the lease (one
        conditional UpdateItem, the counter untouched); going offline takes it out of the index. Returns whether the
        agent's state (and the counter) changed."""
        from supportdesk.dal.tickets import TicketQueueModel as Model

        presence = Model(q.presence_key(queue, agent_id))
        if not online:
            try:
                self._presence_change(queue, presence, False, now, Model.online == 1)
            except StatusChanged:
                return False
            return True
        if lease_until is None:
            raise ValueError("going online needs the end of the presence lease")
        lease = [Model.lease_until.set(stamp(lease_until)), Model.lease_queue.set(queue)]
        for _ in range(MAX_CONFLICT_RETRIES):
            try:
                self._presence_change(queue, presence, True, now,
                                      Model.online.does_not_exist() | (Model.online == 0), lease)
                return True
            except StatusChanged:
                pass  # already online: renew the lease
            if self._renew_lease(presence, lease):
                return False
            # The lease was expired (or the agent went offline) between the two writes: go online again.
        raise Conflict("ticket_busy")

    @staticmethod
    def _renew_lease(presence, lease: list) -> bool:
        """One UpdateItem conditioned on the agent still being online; False when they no longer are."""
        from supportdesk.dal.tickets import TicketQueueModel as Model

        return conditional_update(presence, lease, Model.online == 1)

    @staticmethod
    def _presence_change(queue: str, presence, online: bool, now: datetime, condition, lease: list | None = None):
        """The presence item and the queue's counter in one transaction (StatusChanged when `condition` fails).
        Going offline removes the lease, which takes the item out of the PresenceLeases index."""
        from supportdesk.dal.tickets import TicketQueueModel as Model

        actions = [Model.online.set(1 if online else 0), Model.changed_at.set(stamp(now))]
        actions += lease if online else [Model.lease_until.remove(), Model.lease_queue.remove()]

        def build(transaction):
            transaction.update(presence, actions=actions, condition=condition)
            transaction.update(Model(q.stats_key(queue)), actions=[Model.agents_online.add(1 if online else -1)])

        _transact(build)

    def expired_leases(self, queue: str, now: datetime, limit: int) -> list[str]:
        """Agents of `queue` whose presence lease ended before `now`, soonest first: one Query (at most `limit`) on
        the sparse PresenceLeases index, which holds only online agents."""
        from supportdesk.dal.tickets import TicketQueueModel as Model

        items = Model.presence_leases.query(queue, Model.lease_until < stamp(now), limit=limit, page_size=limit)
        return [q.presence_agent(queue, item.pk) for item in items]

    def expire_lease(self, queue: str, agent_id: str, now: datetime) -> bool:
        """Take an agent whose lease ended off the count: the same transaction as going offline, conditioned also on
        the lease still being over at `now`, so a renewal that arrived since the Query wins and the counter moves at
        most once per going online. Returns whether the agent was taken off."""
        from supportdesk.dal.tickets import TicketQueueModel as Model

        presence = Model(q.presence_key(queue, agent_id))
        try:
            self._presence_change(queue, presence, False, now, (Model.online == 1) & (Model.lease_until < stamp(now)))
        except StatusChanged:
            return False
        return True

    # ---- audit trail -------------------------------------------------------------------------------------------
    def record_access(self, access: Access) -> None:
        """A look that no state change carries (a read, a refusal, a change that did not happen): one PutItem."""
        access.model().save()

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


def _newest_first(index, hash_attribute: str, hash_value: str, sort_attribute: str, limit: int,
                  cursor: str | None) -> tuple[list, str | None]:
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
    tickets = list(results)
    last = results.last_evaluated_key if len(tickets) >= limit else None
    next_cursor = encode_cursor({"s": last[sort_attribute]["S"], "t": last["ticket_id"]["S"]}) if last else None
    return tickets, next_cursor
