"""The estimated wait of a customer in the human queue.

Model: every agent online finishes one conversation per `average_handle_seconds` and then takes the head of the
queue, so k agents clear k tickets per average handling time. The ticket at `position` (1 = next in line) waits
for the `position - 1` tickets ahead of it to be taken: (position - 1) / k * average_handle_seconds of open time,
rounded up to whole seconds. Position 1 therefore counts as "you are next" (0 s while the desk is open): we do not
know when the current conversations end, and a smooth figure that grows by the same step per place in the queue
is easier to trust than one that jumps in rounds of k.

- Closed desk: agents are not working, so the wait counts from the next opening (`agents_back_at`) and the same
  formula runs from there. Who will be online then is unknown; the number online now (at least one) is used.
- Open desk, nobody online: one agent is assumed - someone on shift is about to become available, and a wait of
  "forever" would be neither true nor useful.
- Open time only: when the estimate runs past closing time, the closed period (night, holidays, extra closed
  dates) is skipped and the rest is counted from the next opening.
- No history yet (average handling time <= 0, or not a number): 300 seconds is assumed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from supportdesk.hours import BusinessHours

DEFAULT_HANDLE_SECONDS = 300.0


@dataclass(frozen=True)
class WaitEstimate:
    seconds: int  # from now until an agent is expected to pick the ticket up
    agents_back_at: datetime | None  # next opening (UTC) when the desk is closed now, else None
    expected_at: datetime  # now + seconds (UTC)


def estimate_wait(
    position: int,
    average_handle_seconds: float,
    agents_online: int,
    now: datetime,
    hours: BusinessHours,
) -> WaitEstimate:
    if position < 1:
        raise ValueError("queue positions start at 1")
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("estimate_wait needs an aware datetime")
    now = now.astimezone(timezone.utc)
    handle = average_handle_seconds
    if not (isinstance(handle, (int, float)) and math.isfinite(handle) and handle > 0):
        handle = DEFAULT_HANDLE_SECONDS
    agents = max(int(agents_online or 0), 1)
    work_seconds = math.ceil((position - 1) * handle / agents)

    agents_back_at = None if hours.is_open(now) else hours.next_opening(now)
    picked_up = hours.add_open_time(now, work_seconds)
    seconds = max(0, math.ceil((picked_up - now).total_seconds()))
    return WaitEstimate(seconds=seconds, agents_back_at=agents_back_at, expected_at=now + timedelta(seconds=seconds))


__all__ = ["DEFAULT_HANDLE_SECONDS", "WaitEstimate", "estimate_wait"]
