"""DynamoDB adapter of the human queue: sequence numbers, the Fenwick tree and stats items, the waiting tickets
(WaitingTickets index) and the agents' presence leases (PresenceLeases index). Every method is a bounded number of
key-based calls; no Scan. The tree moves in the same transaction as a ticket's status (tickets/repository.py calls
enter_queue / leave_queue while building it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from supportdesk.dal.batch import batch_get
from supportdesk.dal.cursors import decode_cursor, encode_cursor
from supportdesk.dal.tickets import TicketModel, TicketQueueModel
from supportdesk.dal.tickets import TicketQueueModel as Model  # short name for the presence conditions
from supportdesk.dal.transactions import conditional_update
from supportdesk.errors import Conflict, InvalidInput
from supportdesk.tickets import queue as q
from supportdesk.tickets.model import Channel, QueueEntry, StatusChanged
from supportdesk.tickets.storage import parse_stamp, stamp, transact

MAX_CONFLICT_RETRIES = 6  # going online: attempts when a lease expiry races the renewal


class QueueStore(Protocol):
    """The human queue's counters (sequence, Fenwick tree, stats) and the agents' presence."""

    def next_sequence(self, queue: str) -> int: ...
    def position(self, queue: str, seq: int) -> tuple[int, q.QueueStats]: ...
    def stats(self, queue: str) -> q.QueueStats: ...
    def waiting(self, queue: str, limit: int, cursor: str | None = None) -> tuple[list[QueueEntry], str | None]: ...
    def oldest_waiting(self, queue: str) -> QueueEntry | None: ...
    def set_presence(
        self, queue: str, agent_id: str, online: bool, now: datetime, lease_until: datetime | None = None
    ) -> bool: ...
    def expired_leases(self, queue: str, now: datetime, limit: int) -> list[str]: ...
    def expire_lease(self, queue: str, agent_id: str, now: datetime) -> bool: ...


def enter_queue(transaction, queue: str, seq: int) -> None:
    """+1 on the tree's update path of `seq` and on the queue's waiting count."""
    _move(transaction, queue, seq, +1)


def leave_queue(transaction, queue: str, seq: int) -> None:
    """-1 on the tree's update path of `seq` and on the queue's waiting count."""
    _move(transaction, queue, seq, -1)


def _move(transaction, queue: str, seq: int, step: int) -> None:
    for index in q.update_path(seq):
        transaction.update(TicketQueueModel(q.node_key(queue, index)), actions=[TicketQueueModel.count.add(step)])
    transaction.update(TicketQueueModel(q.stats_key(queue)), actions=[TicketQueueModel.waiting.add(step)])


def to_stats(queue: str, item) -> q.QueueStats:
    """A queue's stats item (None: the queue has not been used yet) as QueueStats."""
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


def _node_count(item: Any) -> int:
    return int(item.count or 0)


def to_queue_entry(item) -> QueueEntry:
    return QueueEntry(
        ticket_id=item.ticket_id,
        queue_seq=int(item.queue_seq),
        category=item.category,
        subject=item.subject,
        language=item.language,
        channel=Channel(item.channel),
        queued_at=parse_stamp(item.queued_at),
        sla_breached=item.sla_notified_seq is not None and int(item.sla_notified_seq) == int(item.queue_seq),
    )


class DynamoQueueStore:
    def next_sequence(self, queue: str) -> int:
        """One UpdateItem ADD: the queue's next ticket number (gaps from abandoned joins are harmless)."""
        counter = TicketQueueModel(q.sequence_key(queue))
        counter.update(actions=[TicketQueueModel.next_seq.add(1)])
        return int(counter.next_seq)

    def position(self, queue: str, seq: int) -> tuple[int, q.QueueStats]:
        """The ticket's place (1 = next) and the queue's stats: one strongly consistent BatchGetItem."""
        nodes = [(TicketQueueModel, q.node_key(queue, index)) for index in q.prefix_path(seq)]
        stats = (TicketQueueModel, q.stats_key(queue))
        found = batch_get(nodes + [stats])
        position = sum(_node_count(found[key]) for key in nodes if key in found)
        return position, to_stats(queue, found.get(stats))

    def stats(self, queue: str) -> q.QueueStats:
        try:
            item = TicketQueueModel.get(q.stats_key(queue), consistent_read=True)
        except TicketQueueModel.DoesNotExist:
            item = None
        return to_stats(queue, item)

    def waiting(self, queue: str, limit: int, cursor: str | None = None) -> tuple[list[QueueEntry], str | None]:
        """Waiting tickets, oldest first: a Query on the sparse WaitingTickets index, after the cursor's number."""
        position = decode_cursor(cursor, ("s",))
        after = None
        if position:
            try:
                after = int(position["s"])
            except ValueError:
                raise InvalidInput("invalid_cursor") from None
            if not 0 <= after < 10**15:  # a queue sequence number; DynamoDB numbers stop at 38 digits
                raise InvalidInput("invalid_cursor")
        condition = TicketModel.queue_seq > after if after is not None else None
        entries = [
            to_queue_entry(item)
            for item in TicketModel.waiting_tickets.query(queue, condition, limit=limit, page_size=limit)
        ]
        next_cursor = encode_cursor({"s": str(entries[-1].queue_seq)}) if len(entries) >= limit and entries else None
        return entries, next_cursor

    def oldest_waiting(self, queue: str) -> QueueEntry | None:
        entries, _ = self.waiting(queue, 1)
        return entries[0] if entries else None

    # ---- agent presence --------------------------------------------------------------------------------------
    def set_presence(
        self, queue: str, agent_id: str, online: bool, now: datetime, lease_until: datetime | None = None
    ) -> bool:
        """Mark an agent on- or offline and move the queue's agents_online counter by one, in one transaction; the
        presence item's condition makes a repeated toggle a no-op. Going online also sets the presence lease (until
        `lease_until`) and puts the item in the PresenceLeases index; going online again only renews the lease (one
        conditional UpdateItem, the counter untouched); going offline takes it out of the index. Returns whether the
        agent's state (and the counter) changed."""
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
                self._presence_change(
                    queue, presence, True, now, Model.online.does_not_exist() | (Model.online == 0), lease
                )
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
        return conditional_update(presence, lease, Model.online == 1)

    @staticmethod
    def _presence_change(queue: str, presence, online: bool, now: datetime, condition, lease: list | None = None):
        """The presence item and the queue's counter in one transaction (StatusChanged when `condition` fails).
        Going offline removes the lease, which takes the item out of the PresenceLeases index."""
        actions: list = [Model.online.set(1 if online else 0), Model.changed_at.set(stamp(now))]
        actions += (lease or []) if online else [Model.lease_until.remove(), Model.lease_queue.remove()]

        def build(transaction):
            transaction.update(presence, actions=actions, condition=condition)
            transaction.update(Model(q.stats_key(queue)), actions=[Model.agents_online.add(1 if online else -1)])

        transact(build)

    def expired_leases(self, queue: str, now: datetime, limit: int) -> list[str]:
        """Agents of `queue` whose presence lease ended before `now`, soonest first: one Query (at most `limit`) on
        the sparse PresenceLeases index, which holds only online agents."""
        items = Model.presence_leases.query(queue, Model.lease_until < stamp(now), limit=limit, page_size=limit)
        return [q.presence_agent(queue, item.pk) for item in items]

    def expire_lease(self, queue: str, agent_id: str, now: datetime) -> bool:
        """Take an agent whose lease ended off the count: the same transaction as going offline, conditioned also on
        the lease still being over at `now`, so a renewal that arrived since the Query wins and the counter moves at
        most once per going online. Returns whether the agent was taken off."""
        presence = Model(q.presence_key(queue, agent_id))
        try:
            self._presence_change(queue, presence, False, now, (Model.online == 1) & (Model.lease_until < stamp(now)))
        except StatusChanged:
            return False
        return True
