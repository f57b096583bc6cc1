"""Fixed-window rate limits kept in DynamoDB.

Two ways to use a limit: `hit` counts every attempt (one UpdateItem, atomic ADD, per limit checked); `counts` +
`record` count only some outcomes (e.g. failed logins): one BatchGetItem reads every counter before the attempt, and
only an attempt that failed adds to them (and stamps the time of that failure, for progressive delays)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from supportdesk import runtime
from supportdesk.clock import Clock
from supportdesk.dal.rate_limits import RateLimitModel
from supportdesk.errors import RateLimited
from supportdesk.runtime import component

if TYPE_CHECKING:
    from pynamodb.expressions.update import Action


@dataclass(frozen=True)
class Limit:
    scope: str  # e.g. "login-ip"
    max_hits: int
    window_seconds: int


@dataclass(frozen=True)
class Count:
    hits: int = 0
    last_at: int | None = None  # epoch seconds of the latest recorded hit (only `record` stamps it)


class CounterStore(Protocol):
    def increment(self, bucket: str, expires_at: int, at: int | None = None) -> int: ...
    def read(self, buckets: list[str]) -> dict[str, Count]: ...


class DynamoCounterStore:
    def increment(self, bucket: str, expires_at: int, at: int | None = None) -> int:
        item = RateLimitModel(bucket)
        actions: list[Action] = [RateLimitModel.hits.add(1), RateLimitModel.expires_at.set(expires_at)]
        if at is not None:
            actions.append(RateLimitModel.last_at.set(at))
        item.update(actions=actions)
        return int(item.hits)

    def read(self, buckets: list[str]) -> dict[str, Count]:
        """Every counter in one BatchGetItem; a bucket without an item has no hits."""
        found = RateLimitModel.batch_get(list(dict.fromkeys(buckets)), consistent_read=True)
        return {
            item.bucket: Count(int(item.hits or 0), None if item.last_at is None else int(item.last_at))
            for item in found
        }


class RateLimiter:
    def __init__(self, store: CounterStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def _window(self, limit: Limit) -> tuple[int, int]:
        now = int(self._clock.now().timestamp())
        return now, now - now % limit.window_seconds

    @staticmethod
    def _bucket(limit: Limit, subject: str, window_start: int) -> str:
        digest = hashlib.sha256(subject.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{limit.scope}#{digest}#{window_start}"

    def counts(self, checks: list[tuple[Limit, str]]) -> list[Count]:
        """The current window's count of each (limit, subject), read in one call, without counting anything."""
        buckets = [self._bucket(limit, subject, self._window(limit)[1]) for limit, subject in checks]
        found = self._store.read(buckets)
        return [found.get(bucket, Count()) for bucket in buckets]

    def record(self, limit: Limit, subject: str) -> int:
        """Count one hit for `subject` and stamp its time; returns the window's count (never raises)."""
        now, window_start = self._window(limit)
        return self._store.increment(
            self._bucket(limit, subject, window_start), window_start + limit.window_seconds + 60, at=now
        )

    def window_left(self, limit: Limit) -> int:
        """Seconds until the current window of `limit` ends (a Retry-After)."""
        now, window_start = self._window(limit)
        return window_start + limit.window_seconds - now

    def hit(self, limit: Limit, subject: str, *, code: str | None = None) -> None:
        """Count one hit for `subject`; raise RateLimited (with Retry-After) once the window's budget is spent.
        Subjects are hashed so that logins and IPs are not stored in clear in the counters table."""
        now, window_start = self._window(limit)
        bucket = self._bucket(limit, subject, window_start)
        hits = self._store.increment(bucket, window_start + limit.window_seconds + 60)
        if hits > limit.max_hits:
            raise RateLimited(retry_after=window_start + limit.window_seconds - now, code=code)


@component
def rate_limiter() -> RateLimiter:
    """The DynamoDB-backed limiter, once per container (see supportdesk.runtime.component)."""
    return RateLimiter(DynamoCounterStore(), runtime.clock())
