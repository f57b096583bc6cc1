"""The estimated wait of a customer in the human queue."""
import math
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from supportdesk.hours import BusinessHours
from supportdesk.tickets.waiting import DEFAULT_HANDLE_SECONDS, WaitEstimate, estimate_wait

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = timezone.utc
DESK = BusinessHours(time(9), time(21), SHANGHAI)


def shanghai(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def test_next_in_line_at_an_open_desk_waits_nothing():
    # Given an open desk (Monday 10:00 Shanghai)
    now = shanghai(2026, 11, 23, 10, 0)
    # When the first ticket in line asks
    estimate = estimate_wait(1, 300, 2, now, DESK)
    # Then it is next: no wait, and agents are there
    assert estimate == WaitEstimate(seconds=0, agents_back_at=None, expected_at=now.astimezone(UTC))


def test_tickets_ahead_are_shared_among_the_agents_online():
    # Given three agents taking 5 minutes per conversation
    now = shanghai(2026, 11, 23, 10, 0)
    # When the ticket at position 7 asks (six tickets ahead, two rounds of three)
    estimate = estimate_wait(7, 300, 3, now, DESK)
    # Then it waits 6 / 3 * 300 = 600 seconds
    assert estimate.seconds == 600
    assert estimate.agents_back_at is None
    assert estimate.expected_at == now.astimezone(UTC) + timedelta(seconds=600)
    assert estimate.expected_at.tzinfo == UTC


def test_the_wait_grows_with_the_position_and_shrinks_with_more_agents():
    now = shanghai(2026, 11, 23, 10, 0)
    waits = [estimate_wait(position, 240, 2, now, DESK).seconds for position in range(1, 6)]
    assert waits == [0, 120, 240, 360, 480]
    assert estimate_wait(5, 240, 4, now, DESK).seconds == 240


def test_partial_seconds_round_up():
    now = shanghai(2026, 11, 23, 10, 0)
    assert estimate_wait(2, 100, 3, now, DESK).seconds == math.ceil(100 / 3)


def test_when_closed_the_wait_counts_from_the_next_opening():
    # Given a request at 23:00 UTC (07:00 Shanghai), two hours before the desk opens
    now = datetime(2026, 11, 23, 23, 0, tzinfo=UTC)
    # When the ticket at position 3 asks, with no agent online at night
    estimate = estimate_wait(3, 300, 0, now, DESK)
    # Then agents are back at 09:00 Shanghai and the two tickets ahead take 10 more minutes (one agent assumed)
    assert estimate.agents_back_at == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert estimate.seconds == 2 * 3600 + 600
    assert estimate.expected_at == datetime(2026, 11, 24, 1, 10, tzinfo=UTC)


def test_next_in_line_when_closed_waits_until_opening():
    now = shanghai(2026, 11, 23, 21, 0)
    estimate = estimate_wait(1, 300, 1, now, DESK)
    assert estimate.agents_back_at == shanghai(2026, 11, 24, 9, 0)
    assert estimate.expected_at == shanghai(2026, 11, 24, 9, 0)
    assert estimate.seconds == 12 * 3600


def test_a_wait_that_runs_past_closing_skips_the_night():
    # Given 10 minutes before closing and four tickets ahead for one agent (20 minutes of work)
    now = shanghai(2026, 11, 23, 20, 50)
    # When the ticket at position 5 asks
    estimate = estimate_wait(5, 300, 1, now, DESK)
    # Then 10 minutes are worked today and 10 tomorrow after 09:00; the desk is open now, so no agents_back_at
    assert estimate.agents_back_at is None
    assert estimate.expected_at == shanghai(2026, 11, 24, 9, 10)
    assert estimate.seconds == int((shanghai(2026, 11, 24, 9, 10) - now).total_seconds())


def test_a_wait_that_runs_into_a_holiday_break_resumes_after_it():
    # Given the evening before National Day 2026 (10-01..10-07 closed)
    now = shanghai(2026, 9, 30, 20, 55)
    # When four tickets are ahead of one agent
    estimate = estimate_wait(5, 300, 1, now, DESK)
    # Then the remaining 15 minutes are worked on 10-08
    assert estimate.expected_at == shanghai(2026, 10, 8, 9, 15)


def test_a_wait_asked_during_a_holiday_counts_from_the_end_of_the_break():
    now = shanghai(2026, 10, 3, 12, 0)
    estimate = estimate_wait(2, 300, 0, now, DESK)
    assert estimate.agents_back_at == shanghai(2026, 10, 8, 9, 0)
    assert estimate.expected_at == shanghai(2026, 10, 8, 9, 5)


def test_an_open_desk_with_nobody_online_assumes_one_agent():
    now = shanghai(2026, 11, 23, 10, 0)
    assert estimate_wait(4, 300, 0, now, DESK).seconds == estimate_wait(4, 300, 1, now, DESK).seconds == 900
    assert estimate_wait(4, 300, 0, now, DESK).agents_back_at is None


@pytest.mark.parametrize("no_history", [0, -5, float("nan")])
def test_without_handling_history_five_minutes_per_ticket_is_assumed(no_history):
    now = shanghai(2026, 11, 23, 10, 0)
    assert DEFAULT_HANDLE_SECONDS == 300
    assert estimate_wait(3, no_history, 1, now, DESK).seconds == 600


def test_positions_start_at_one_and_now_must_be_aware():
    with pytest.raises(ValueError):
        estimate_wait(0, 300, 1, shanghai(2026, 11, 23, 10, 0), DESK)
    with pytest.raises(ValueError):
        estimate_wait(1, 300, 1, datetime(2026, 11, 23, 10, 0), DESK)
