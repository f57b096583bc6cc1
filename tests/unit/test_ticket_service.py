"""TicketService with an in-memory store, the real masking, business hours and wait estimate, a fake notifier and a
fixed clock: the rules without AWS."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from supportdesk.clock import FixedClock
from supportdesk.errors import Conflict, NotFound
from supportdesk.tickets import queue as q
from supportdesk.tickets.hours import BusinessHours
from supportdesk.tickets.masking import mask_sensitive
from supportdesk.tickets.repository import StatusChanged, stamp
from supportdesk.tickets.service import Caller, TicketService
from supportdesk.tickets.waiting import estimate_wait
from tests.fakes import FakeNotifier

ALICE = Caller("cust-alice", "customer", "en")
BOB = Caller("cust-bob", "customer", "zh-CN")
AGENT = Caller("staff-1", "agent", "zh-CN")
# Monday 2 November 2026, 10:00 Shanghai
OPEN = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


class MemoryStore:
    """The DynamoTicketStore contract in memory, including its conditions (StatusChanged)."""

    def __init__(self) -> None:
        self.tickets: dict[str, SimpleNamespace] = {}
        self.notes: dict[str, list[SimpleNamespace]] = {}
        self.seq = 0
        self.waiting_seqs: set[int] = set()
        self.written: list[str] = []  # every text handed to the store, to prove nothing unmasked reaches it

    def _save(self, ticket_id, messages):
        for message in messages:
            self.written.append(message.text)
            self.notes.setdefault(ticket_id, []).append(SimpleNamespace(
                message_id=f"{stamp(message.created_at)}#{len(self.notes.get(ticket_id, [])):04d}",
                author=message.author, author_id=message.author_id, text=message.text,
                created_at=stamp(message.created_at), note=message.note, params=message.params,
                masked_kinds=set(message.masked_kinds)))

    def create(self, fields, messages, seq=None):
        ticket_id = f"T-{len(self.tickets) + 22222:05d}"
        defaults = dict(queue_seq=None, queued_at=None, assigned_agent=None, claimed_at=None, resolved_at=None,
                        resolution_count=0, rated_resolution=0, rating_score=None, rating_comment=None, rated_at=None)
        if seq is not None:
            fields = {**fields, "status": "waiting", "queue_seq": seq, "queued_at": fields["created_at"]}
            self.waiting_seqs.add(seq)
        self.tickets[ticket_id] = SimpleNamespace(ticket_id=ticket_id, **{**defaults, **fields})
        self.written.append(fields["subject"])
        self._save(ticket_id, messages)
        return self.get(ticket_id)

    def get(self, ticket_id):
        ticket = self.tickets.get(ticket_id)
        return SimpleNamespace(**vars(ticket)) if ticket else None

    def messages(self, ticket_id):
        return list(self.notes.get(ticket_id, []))

    def append(self, ticket, messages, now, expected_status, access=None):
        if self.tickets[ticket.ticket_id].status != expected_status:
            raise StatusChanged()
        self._save(ticket.ticket_id, messages)
        return self.get(ticket.ticket_id)

    def next_sequence(self, queue):
        self.seq += 1
        return self.seq

    def join(self, ticket, from_statuses, seq, now, messages):
        stored = self.tickets[ticket.ticket_id]
        if stored.status not in from_statuses:
            raise StatusChanged()
        stored.status, stored.queue_seq, stored.queued_at, stored.assigned_agent = "waiting", seq, stamp(now), None
        self.waiting_seqs.add(seq)
        self._save(ticket.ticket_id, messages)
        return self.get(ticket.ticket_id)

    def claim(self, ticket, agent_id, now, access):
        stored = self.tickets[ticket.ticket_id]
        if stored.status != "waiting":
            raise StatusChanged()
        stored.status, stored.assigned_agent, stored.claimed_at = "assigned", agent_id, stamp(now)
        self.waiting_seqs.discard(stored.queue_seq)
        return self.get(ticket.ticket_id)

    def position(self, queue, seq):
        return sum(1 for s in self.waiting_seqs if s <= seq), self.stats(queue)

    def stats(self, queue):
        return q.QueueStats(queue, waiting=len(self.waiting_seqs), agents_online=1)

    def ticket_with_stats(self, ticket_id, queue):
        return self.get(ticket_id), self.stats(queue)

    def resolve(self, ticket, agent_id, now, handled, stats, messages, access):
        stored = self.tickets[ticket.ticket_id]
        if stored.status != "assigned":
            raise StatusChanged()
        stored.status, stored.resolved_at = "resolved", stamp(now)
        stored.resolution_count += 1
        self._save(ticket.ticket_id, messages)
        return self.get(ticket.ticket_id)

    def rate(self, ticket, resolution, score, comment, now, message):
        stored = self.tickets[ticket.ticket_id]
        if stored.status != "resolved" or stored.rated_resolution >= resolution:
            raise StatusChanged()
        stored.rated_resolution, stored.rating_score, stored.rating_comment = resolution, score, comment
        stored.rated_at = stamp(now)
        self.written.append(comment or "")
        self._save(ticket.ticket_id, [message])
        return self.get(ticket.ticket_id)

    def record_access(self, *args):
        pass


class Orders:
    def belongs_to(self, customer_id, order_id):
        return (customer_id, order_id) == ("cust-alice", "O-1")


class Accounts:
    def get(self, account_id):
        return SimpleNamespace(account_id=account_id, email=f"{account_id}@example.net", phone=None,
                               language="zh-CN" if account_id == "cust-bob" else "en", display_name=None)


@pytest.fixture
def clock():
    return FixedClock(OPEN)


@pytest.fixture
def store():
    return MemoryStore()


@pytest.fixture
def notifier():
    return FakeNotifier()


@pytest.fixture
def service(store, notifier, clock):
    # Closed on 2026-11-11 (a shop's own day off), no public holiday calendar, 09:00-21:00 Shanghai
    hours = BusinessHours(time(9), time(21), ZoneInfo("Asia/Shanghai"), None, frozenset({date(2026, 11, 11)}))
    return TicketService(store, Orders(), Accounts(), notifier, clock, hours, mask_sensitive, estimate_wait,
                         support_inbox="help@example.com")


def test_nothing_unmasked_reaches_the_store(service, store):
    service.open_ticket(ALICE, "payment", "card 4111 1111 1111 1111", "paid with 4111111111111111, ID 11010519491231002X")
    secrets = ("4111 1111 1111 1111", "4111111111111111", "11010519491231002X")
    assert len(store.written) == 3  # subject, message, the masking notice
    assert all(secret not in text for text in store.written for secret in secrets)


def test_an_order_must_be_the_callers(service):
    with pytest.raises(NotFound) as error:
        service.open_ticket(BOB, "refund", "refund", "please", order_id="O-1")
    assert error.value.code == "order_not_found"
    assert service.open_ticket(ALICE, "refund", "refund", "please", order_id="O-1")["ticket"]["order_id"] == "O-1"


def test_the_first_message_can_already_ask_for_a_human(service):
    result = service.open_ticket(BOB, "other", "帮忙", "转人工")
    assert result["ticket"]["status"] == "waiting" and result["queue"]["position"] == 1


def test_after_hours_note_names_the_next_opening_in_the_business_time_zone(service, clock, store):
    clock.set(datetime(2026, 11, 10, 14, 0, tzinfo=timezone.utc))  # 22:00 the evening before the day off
    ticket_id = service.open_ticket(BOB, "other", "x", "hello")["ticket"]["id"]
    queue = service.handoff(BOB, ticket_id)["queue"]
    assert queue["open_now"] is False and queue["agents_back_at"] == "2026-11-12T01:00:00Z"
    note = store.notes[ticket_id][-1]
    assert note.note == "after_hours" and "2026-11-12 09:00 (Asia/Shanghai)" in note.text


def test_rating_window_is_seven_days_from_the_resolution(service, clock):
    ticket_id = service.open_ticket(ALICE, "other", "x", "hello")["ticket"]["id"]
    service.handoff(ALICE, ticket_id)
    service.claim(AGENT, ticket_id)
    service.resolve(AGENT, ticket_id)
    clock.advance(days=7, seconds=1)
    with pytest.raises(Conflict) as error:
        service.rate(ALICE, ticket_id, 5, None)
    assert error.value.code == "rating_period_over" and error.value.params == {"days": 7}


def test_agent_reply_is_mailed_in_the_customers_language(service, notifier):
    ticket_id = service.open_ticket(BOB, "shipping", "快递", "到哪了")["ticket"]["id"]
    service.handoff(BOB, ticket_id)
    service.claim(AGENT, ticket_id)
    assert service.agent_reply(AGENT, ticket_id, "明天到")["customer_notified"] is True
    (mail,) = notifier.to("cust-bob@example.net")
    assert mail["template"] == "ticket_agent_reply" and "明天到" in mail["text"] and ticket_id in mail["subject"]
    assert "help@example.com" in mail["text"]


def test_a_message_on_a_resolved_ticket_reopens_it_into_the_queue(service, store, clock):
    ticket_id = service.open_ticket(ALICE, "other", "x", "hello")["ticket"]["id"]
    service.handoff(ALICE, ticket_id)
    service.claim(AGENT, ticket_id)
    service.resolve(AGENT, ticket_id)
    clock.advance(hours=1)
    result = service.post_message(ALICE, ticket_id, "still broken")
    assert result["ticket"]["status"] == "waiting" and result["queue"]["position"] == 1
    assert [m.note for m in store.notes[ticket_id][-3:]] == [None, "reopened", "handoff"]
    assert result["ticket"]["can_rate"] is False
    assert store.tickets[ticket_id].resolved_at <= stamp(clock.now() - timedelta(hours=1))


def test_a_customer_opening_tickets_or_writing_in_bulk_is_rate_limited(store, notifier, clock):
    from supportdesk.errors import RateLimited
    from supportdesk.ratelimit import RateLimiter
    from supportdesk.tickets.service import MESSAGE_PER_CUSTOMER, OPEN_PER_CUSTOMER
    from tests.fakes import MemoryCounterStore

    hours = BusinessHours(time(9), time(21), ZoneInfo("Asia/Shanghai"), None)
    limited = TicketService(store, Orders(), Accounts(), notifier, clock, hours, mask_sensitive, estimate_wait,
                            support_inbox="help@example.com", limiter=RateLimiter(MemoryCounterStore(), clock))
    # Given a customer who has opened as many tickets as an hour allows
    ticket_id = limited.open_ticket(ALICE, "other", "first", "hello")["ticket"]["id"]
    for n in range(OPEN_PER_CUSTOMER.max_hits - 1):
        limited.open_ticket(ALICE, "other", f"more {n}", "hello")
    # When they open one more, Then it is refused with a stable code and a wait
    with pytest.raises(RateLimited) as refused:
        limited.open_ticket(ALICE, "other", "one too many", "hello")
    assert refused.value.code == "ticket_rate_limited" and refused.value.retry_after > 0
    # and another customer is not affected
    limited.open_ticket(BOB, "other", "mine", "hello")
    # Messages have their own budget
    for n in range(MESSAGE_PER_CUSTOMER.max_hits):
        limited.post_message(ALICE, ticket_id, f"message {n}")
    with pytest.raises(RateLimited):
        limited.post_message(ALICE, ticket_id, "flood")
    # An e-mail beyond the limit is dropped (a retry would hit the same window), never failed into the DLQ
    assert limited.from_email(ALICE, None, "mail", "hello")["action"] == "dropped_rate_limited"
    # After the window, the customer can write again
    clock.advance(seconds=OPEN_PER_CUSTOMER.window_seconds)
    limited.open_ticket(ALICE, "other", "next hour", "hello")
