"""What the SLA schedule does per queue: take agents whose presence lease ended off the count, then report the queue,
with a constant number of key-based calls (plus one transaction per lapsed lease)."""

from __future__ import annotations

from datetime import datetime

from supportdesk.tickets import queue as q
from supportdesk.tickets.queue_repository import QueueStore

QUEUES = (q.DEFAULT_QUEUE,)
MAX_EXPIRIES_PER_RUN = 100  # lapsed leases beyond this wait for the next run (5 minutes later)


def expire_leases(store: QueueStore, queue: str, now: datetime, limit: int = MAX_EXPIRIES_PER_RUN) -> int:
    """Agents whose presence lease ended (one Query of the PresenceLeases index) go offline, each in its own
    transaction that re-checks the lease: an agent whose console renewed it meanwhile stays online. Returns how many
    went offline."""
    expired = 0
    for agent_id in store.expired_leases(queue, now, limit):
        if store.expire_lease(queue, agent_id, now):
            expired += 1
    return expired


def queue_report(store: QueueStore, queue: str, now: datetime) -> dict:
    """Waiting count, agents online and handling time from the stats item (one GetItem); the oldest waiting
    ticket from the WaitingTickets index (one Query, Limit 1)."""
    stats = store.stats(queue)
    oldest = store.oldest_waiting(queue)
    queued_at = oldest.queued_at if oldest is not None else None
    oldest_wait = max(0, int((now - queued_at).total_seconds())) if queued_at else 0
    return {
        "queue": queue,
        "waiting": stats.waiting,
        "agents_online": stats.agents_online,
        "avg_handle_seconds": round(stats.handle_seconds, 1),
        "oldest_wait_seconds": oldest_wait,
        "oldest_ticket_id": oldest.ticket_id if oldest is not None else None,
    }
