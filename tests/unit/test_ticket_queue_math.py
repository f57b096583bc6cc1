"""The Fenwick tree behind queue positions: paths are short, and prefix sums equal a brute-force count."""
from __future__ import annotations

import random
from collections import Counter

import pytest

from supportdesk.tickets import queue as q


def _tree_after(joined: set[int]) -> Counter:
    nodes: Counter = Counter()
    for seq in joined:
        for index in q.update_path(seq):
            nodes[index] += 1
    return nodes


def _position(nodes: Counter, seq: int) -> int:
    return sum(nodes[index] for index in q.prefix_path(seq))


def test_paths_are_bounded_by_the_number_space_not_the_queue():
    # The longest update path climbs from 1 through every power of two up to 2^32: 33 nodes, whatever the queue holds
    assert q.update_path(1) == [1 << k for k in range(33)]
    assert q.update_path(6) == [6] + [1 << k for k in range(3, 33)]
    assert q.update_path(1 << 32) == [1 << 32]
    # The longest prefix path has one node per one-bit: 2^32 - 1 has 32
    assert len(q.prefix_path((1 << 32) - 1)) == 32
    assert q.prefix_path(13) == [13, 12, 8] and q.prefix_path(0) == []
    worst_update = max(len(q.update_path(s)) for s in (1, 2, 3, 1 << 20, (1 << 32) - 1, 1 << 32))
    worst_prefix = max(len(q.prefix_path(s)) for s in (1, (1 << 32) - 1, 1 << 32, 123_456_789))
    # docs/api-tickets.md: "the <= 33 nodes of the number's update path", "the <= 32 prefix-path nodes"
    assert (worst_update, worst_prefix) == (33, 32)


def test_positions_equal_a_brute_force_count_through_joins_and_leaves():
    rng = random.Random(7)
    waiting: set[int] = set()
    nodes: Counter = Counter()
    for seq in range(1, 400):
        waiting.add(seq)
        for index in q.update_path(seq):
            nodes[index] += 1
        if rng.random() < 0.45:
            leaving = rng.choice(sorted(waiting))
            waiting.discard(leaving)
            for index in q.update_path(leaving):
                nodes[index] -= 1
    for seq in sorted(waiting):
        assert _position(nodes, seq) == sum(1 for other in waiting if other <= seq)


def test_order_of_joins_does_not_matter_because_add_commutes():
    seqs = list(range(1, 200))
    shuffled = seqs[:]
    random.Random(3).shuffle(shuffled)
    in_order, out_of_order = Counter(), Counter()
    for seq in seqs:
        in_order.update(q.update_path(seq))
    for seq in shuffled:
        out_of_order.update(q.update_path(seq))
    assert shuffled != seqs and in_order == out_of_order
    assert [_position(out_of_order, seq) for seq in seqs] == seqs


@pytest.mark.parametrize("bad", [0, -1, (1 << 32) + 1])
def test_numbers_outside_the_space_are_refused(bad):
    with pytest.raises(ValueError):
        q.update_path(bad)


@pytest.mark.parametrize("bad", [-1, (1 << 32) + 1])
def test_prefixes_outside_the_space_are_refused(bad):
    with pytest.raises(ValueError):
        q.prefix_path(bad)


def test_handling_time_average_follows_recent_tickets():
    assert q.updated_handle_time(None, 600) == 600
    assert q.updated_handle_time(600, 100) == pytest.approx(500)
    average = 600.0
    for _ in range(30):
        average = q.updated_handle_time(average, 120)
    assert average == pytest.approx(120, abs=1)
    assert q.QueueStats("general").handle_seconds == q.DEFAULT_HANDLE_SECONDS
