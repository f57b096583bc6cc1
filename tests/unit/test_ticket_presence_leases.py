"""The SLA schedule's lease expiry without AWS: only the agents whose expiry write succeeds are counted, and a
presence item's key names its agent."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from supportdesk.tickets import queue as q
from supportdesk.tickets.sla import expire_leases

NOW = datetime(2026, 11, 24, 2, 31, tzinfo=timezone.utc)


class LeaseStore:
    """Lapsed leases as the index listed them; `renewed` agents renewed after the Query, so their write is refused."""

    def __init__(self, listed: list[str], renewed: set[str]) -> None:
        self.listed, self.renewed = listed, renewed
        self.asked: list[tuple[str, datetime, int]] = []
        self.expired: list[str] = []

    def expired_leases(self, queue, now, limit):
        self.asked.append((queue, now, limit))
        return self.listed[:limit]

    def expire_lease(self, queue, agent_id, now):
        if agent_id in self.renewed or agent_id in self.expired:
            return False
        self.expired.append(agent_id)
        return True


def test_only_leases_still_lapsed_at_write_time_are_counted():
    # Given three lapsed leases, one of which was renewed after the Query
    store = LeaseStore(["a-1", "a-2", "a-3"], renewed={"a-2"})
    # When the schedule expires them
    expired = expire_leases(store, "general", NOW)
    # Then two agents went offline, asked for with the run's time and bound
    assert expired == 2 and store.expired == ["a-1", "a-3"]
    assert store.asked == [("general", NOW, 100)]


def test_a_run_handles_at_most_its_limit():
    store = LeaseStore([f"a-{n}" for n in range(5)], renewed=set())
    assert expire_leases(store, "general", NOW, limit=3) == 3


def test_presence_key_round_trips_to_the_agent():
    key = q.presence_key("general", "staff-agent-1")
    assert q.presence_agent("general", key) == "staff-agent-1"
    with pytest.raises(ValueError):
        q.presence_agent("general", "general#stats")


def test_the_lease_is_thirty_minutes():
    assert q.PRESENCE_LEASE.total_seconds() == 30 * 60
