"""The human queue's arithmetic: a Fenwick (binary indexed) tree over sequence numbers.

Every ticket that joins a queue draws the next sequence number of that queue (an atomic counter). Node i of the
tree holds the number of waiting tickets whose sequence number lies in (i - lowbit(i), i]. Then

- joining or leaving adds +1/-1 to the nodes on the *update path* of the ticket's number (at most 33 nodes for
  numbers up to 2^32), in the same DynamoDB transaction as the ticket's status change (conditioned on the status);
- a ticket's position = the number of waiting tickets with a number <= its own = the sum of the nodes on its
  *prefix path* (at most 32 nodes), read with one BatchGetItem.

Both are bounded by the size of the number space, never by the length of the queue, and exact under concurrency:
ADD commutes, and the status condition makes each join/leave happen exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

TREE_BITS = 32
TREE_SIZE = 1 << TREE_BITS  # sequence numbers 1..2^32: ~11,000 years at a million handoffs a day
DEFAULT_QUEUE = "general"
HANDLE_TIME_WEIGHT = 0.2  # weight of the newest handling time in the exponentially weighted average
DEFAULT_HANDLE_SECONDS = 300  # before a queue has handled anything
# An agent counts as online until their presence lease ends; the agent console renews it (PUT /agent/status
# {"online": true}) every few minutes, and the SLA schedule takes agents whose lease ended off the count, so a closed
# browser stops making the wait estimate optimistic within LEASE plus one schedule period.
PRESENCE_LEASE = timedelta(minutes=30)


def _lowbit(index: int) -> int:
    return index & -index


def update_path(seq: int) -> list[int]:
    """Nodes to ADD to when ticket number `seq` joins or leaves."""
    if not 1 <= seq <= TREE_SIZE:
        raise ValueError(f"sequence number {seq} outside 1..{TREE_SIZE}")
    nodes = []
    index = seq
    while index <= TREE_SIZE:
        nodes.append(index)
        index += _lowbit(index)
    return nodes


def prefix_path(seq: int) -> list[int]:
    """Nodes whose sum is the number of waiting tickets numbered 1..seq."""
    if not 0 <= seq <= TREE_SIZE:
        raise ValueError(f"sequence number {seq} outside 0..{TREE_SIZE}")
    nodes = []
    index = seq
    while index > 0:
        nodes.append(index)
        index -= _lowbit(index)
    return nodes


def stats_key(queue: str) -> str:
    return f"{queue}#stats"


def sequence_key(queue: str) -> str:
    return f"{queue}#seq"


def node_key(queue: str, index: int) -> str:
    return f"{queue}#node#{index}"


def presence_key(queue: str, agent_id: str) -> str:
    return f"{queue}#agent#{agent_id}"


def presence_agent(queue: str, key: str) -> str:
    """The agent id of a presence item's key (inverse of presence_key)."""
    prefix = f"{queue}#agent#"
    if not key.startswith(prefix):
        raise ValueError(f"{key!r} is not a presence item of queue {queue!r}")
    return key[len(prefix) :]


def updated_handle_time(previous: float | None, handled_seconds: float) -> float:
    """Exponentially weighted average of recent handling times: follows a change of pace within tens of tickets and
    is one number on the stats item (no history to read)."""
    sample = max(0.0, float(handled_seconds))
    if previous is None:
        return sample
    return HANDLE_TIME_WEIGHT * sample + (1 - HANDLE_TIME_WEIGHT) * float(previous)


@dataclass(frozen=True)
class QueueStats:
    queue: str
    waiting: int = 0
    agents_online: int = 0
    avg_handle_seconds: float | None = None
    resolved: int = 0
    version: int | None = None

    @property
    def handle_seconds(self) -> float:
        return self.avg_handle_seconds if self.avg_handle_seconds is not None else DEFAULT_HANDLE_SECONDS
