"""The per-customer ticket limits, with the numbers docs/api-tickets.md states written here as literals (a change of
the code's constants without the docs fails): "more than 20 tickets in an hour or more than 60 messages in 10
minutes (web and e-mail together)" is 429 `ticket_rate_limited` with Retry-After. The HTTP side (status, header) is
in tests/integration/test_guarantees_limits.py."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from supportdesk.clock import FixedClock
from supportdesk.errors import RateLimited
from supportdesk.ratelimit import RateLimiter
from supportdesk.hours import BusinessHours
from supportdesk.masking import mask_sensitive
from supportdesk.roles import Caller
from supportdesk.tickets.service import TicketService
from supportdesk.tickets.waiting import estimate_wait
from tests.fakes import FakeNotifier, MemoryCounterStore, MemoryTicketStore

ALICE = Caller("cust-alice", "customer", "en")
BOB = Caller("cust-bob", "customer", "zh-CN")
# Monday 2 November 2026 10:00 Shanghai, 4 minutes into a 10-minute window and an hour
START = datetime(2026, 11, 2, 2, 4, tzinfo=timezone.utc)


@pytest.fixture
def clock():
    return FixedClock(START)


@pytest.fixture
def service(clock):
    hours = BusinessHours(time(9), time(21), ZoneInfo("Asia/Shanghai"), None)
    store = MemoryTicketStore()
    return TicketService(store, store, None, None, FakeNotifier(), clock, hours, mask_sensitive, estimate_wait,
                         limiter=RateLimiter(MemoryCounterStore(), clock))


def test_twenty_tickets_an_hour_then_ticket_rate_limited_until_the_hour_ends(service, clock):
    for n in range(20):
        service.open_ticket(ALICE, "other", f"question {n}", "hello")
    with pytest.raises(RateLimited) as refused:
        service.open_ticket(ALICE, "other", "one too many", "hello")
    assert (refused.value.code, refused.value.retry_after) == ("ticket_rate_limited", 56 * 60)
    service.open_ticket(BOB, "other", "another customer", "hello")
    clock.advance(minutes=56)
    service.open_ticket(ALICE, "other", "next hour", "hello")


def test_sixty_messages_in_ten_minutes_then_ticket_rate_limited_until_the_window_ends(service, clock):
    ticket_id = service.open_ticket(ALICE, "other", "question", "hello")["ticket"]["id"]
    for n in range(60):
        service.post_message(ALICE, ticket_id, f"message {n}")
    with pytest.raises(RateLimited) as refused:
        service.post_message(ALICE, ticket_id, "one too many")
    assert (refused.value.code, refused.value.retry_after) == ("ticket_rate_limited", 6 * 60)
    clock.advance(minutes=6)
    service.post_message(ALICE, ticket_id, "next window")
    customer_messages = [m for m in service.store.messages(ticket_id) if m.author.value == "customer"]
    assert len(customer_messages) == 1 + 60 + 1  # the refused message was not stored
    assert "one too many" not in service.store.written


def test_e_mail_counts_against_the_same_budgets_as_the_web(service):
    # Given 20 tickets opened on the web this hour
    for n in range(20):
        service.open_ticket(ALICE, "other", f"question {n}", "hello")
    # When an e-mail would open the 21st, it is dropped (not failed: a retry would meet the same window)
    assert service.from_email(ALICE, None, "by mail", "hello")["action"] == "dropped_rate_limited"
    # And an e-mail answering a ticket counts as one of the 60 messages
    ticket_id = next(iter(service.store.tickets))
    for n in range(59):
        service.post_message(ALICE, ticket_id, f"message {n}")
    assert service.from_email(ALICE, ticket_id, f"Re: [{ticket_id}]", "by mail")["action"] == "replied"
    with pytest.raises(RateLimited):
        service.post_message(ALICE, ticket_id, "one too many")
