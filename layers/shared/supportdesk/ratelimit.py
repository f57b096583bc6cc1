"""Fixed-window rate limits kept in DynamoDB: one UpdateItem (atomic ADD) per limit checked."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from supportdesk import runtime
from supportdesk.clock import Clock
from supportdesk.dal.rate_limits import RateLimitModel
from supportdesk.errors import RateLimited
from supportdesk.runtime import component


@dataclass(frozen=True)
class Limit:
    scope: str  # e.g. "login-ip"
    max_hits: int
    window_seconds: int


class CounterStore(Protocol):
    def increment(self, bucket: str, expires_at: int) -> int: ...


class DynamoCounterStore:
    def increment(self, bucket: str, expires_at: int) -> int:
        item = RateLimitModel(bucket)
        item.update(actions=[RateLimitModel.hits.add(1), RateLimitModel.expires_at.set(expires_at)])
        return int(item.hits)


class RateLimiter:
    def __init__(self, store: CounterStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def hit(self, limit: Limit, subject: str, *, code: str | None = None) -> None:
        """Count one hit for `subject`; raise RateLimited (with Retry-After) once the window's budget is spent.
        Subjects are hashed so that logins and IPs are not stored in clear in the counters table."""
        now = int(self._clock.now().timestamp())
        window_start = now - now % limit.window_seconds
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        bucket = f"{limit.scope}#{digest}#{window_start}"
        hits = self._store.increment(bucket, window_start + limit.window_seconds + 60)
        if hits > limit.max_hits:
            raise RateLimited(retry_after=window_start + limit.window_seconds - now, code=code)


@component
def rate_limiter() -> RateLimiter:
    """The DynamoDB-backed limiter, once per container (see supportdesk.runtime.component)."""
    return RateLimiter(DynamoCounterStore(), runtime.clock())
