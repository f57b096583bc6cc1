"""An injectable clock: domain code asks a Clock for the time so tests can move it."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import Callable, Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that only moves when told to (tests, benchmarks)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment


class AdjustableClock:
    """The wall clock shifted by an offset that can be set or advanced while time keeps flowing: the local stack's
    clock, so a developer can try the desk at 10:00 Shanghai time or a week later without waiting. Every function of
    the stack reads it through `supportdesk.runtime.clock()` and the stack's schedule loop uses it too, so moving it
    moves everything at once. Listeners hear each change (the schedule loop wakes up to fire what became due).
    Thread-safe. Production never builds one: Lambda uses SystemClock."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self._wall = now
        self._offset = timedelta(0)
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> datetime:
        with self._lock:
            return self._wall() + self._offset

    @property
    def offset(self) -> timedelta:
        """How far this clock is from the wall clock (zero unless moved)."""
        with self._lock:
            return self._offset

    def set(self, moment: datetime) -> datetime:
        """From now on the clock reads `moment` and keeps running from there."""
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware datetime (with a UTC offset)")
        with self._lock:
            self._offset = moment - self._wall()
        self._changed()
        return moment

    def advance(self, delta: timedelta) -> datetime:
        with self._lock:
            self._offset += delta
        self._changed()
        return self.now()

    def reset(self) -> datetime:
        """Back to the wall clock."""
        with self._lock:
            self._offset = timedelta(0)
        self._changed()
        return self.now()

    def subscribe(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _changed(self) -> None:
        for listener in list(self._listeners):
            listener()


def epoch_seconds(moment: datetime) -> int:
    return int(moment.timestamp())


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, to the second: the one time format of the API."""
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
