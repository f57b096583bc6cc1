from datetime import datetime, timezone

import pytest

from supportdesk.clock import FixedClock
from supportdesk.errors import RateLimited
from supportdesk.ratelimit import Limit, RateLimiter
from tests.fakes import MemoryCounterStore

LIMIT = Limit("test", max_hits=3, window_seconds=60)


def test_hits_beyond_the_window_budget_are_refused_until_the_window_ends():
    clock = FixedClock(datetime(2026, 11, 23, 12, 0, 10, tzinfo=timezone.utc))
    limiter = RateLimiter(MemoryCounterStore(), clock)
    for _ in range(3):
        limiter.hit(LIMIT, "198.51.100.7")
    with pytest.raises(RateLimited) as refused:
        limiter.hit(LIMIT, "198.51.100.7")
    assert refused.value.retry_after == 50
    limiter.hit(LIMIT, "203.0.113.1")  # another subject has its own budget
    clock.advance(seconds=50)
    limiter.hit(LIMIT, "198.51.100.7")  # a new window


def test_subjects_are_not_stored_in_clear():
    store = MemoryCounterStore()
    RateLimiter(store, FixedClock(datetime(2026, 11, 23, tzinfo=timezone.utc))).hit(LIMIT, "demo@example.com")
    assert not any("demo@example.com" in bucket for bucket in store.counts)
