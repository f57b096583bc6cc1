"""TicketService with an in-memory store, the real masking, business hours and wait estimate, a fake notifier and a
fixed clock: the rules without AWS."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from supportdesk.clock import FixedClock
from supportdesk.errors import Conflict, NotFound
from supportdesk.hours import BusinessHours
from supportdesk.masking import mask_sensitive
from supportdesk.roles import Caller
from supportdesk.tickets.repository import stamp
from supportdesk.tickets.service import TicketService
from supportdesk.tickets.waiting import estimate_wait
from tests.fakes import FakeNotifier, MemoryTicketStore

ALICE = Caller("cust-alice", "customer", "en")
BOB = Caller("cust-bob", "customer", "zh-CN")
AGENT = Caller("staff-1", "agent", "zh-CN")
# Monday 2 November 2026, 10:00 Shanghai
OPEN = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)


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
    return MemoryTicketStore()


@pytest.fixture
def notifier():
    return FakeNotifier()


@pytest.fixture
def service(store, notifier, clock):
    # Closed on 2026-11-11 (a shop's own day off), no public holiday calendar, 09:00-21:00 Shanghai
    hours = BusinessHours(time(9), time(21), ZoneInfo("Asia/Shanghai"), None, frozenset({date(2026, 11, 11)}))
    return TicketService(store, store, Orders(), Accounts(), notifier, clock, hours, mask_sensitive, estimate_wait,
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


def test_a_customer_whose_address_bounced_is_answered_by_sms_and_staff_see_why(store, notifier, clock):
    # Given Bob's address hard-bounced (MailEventsFunction marked his account) and he has a verified phone
    class BouncedBob(Accounts):
        def get(self, account_id):
            return SimpleNamespace(**{**vars(super().get(account_id)), "phone": "+8613800138000",
                                      "undeliverable_email": f"{account_id}@example.net",
                                      "undeliverable_reason": "bounce"})

    hours = BusinessHours(time(9), time(21), ZoneInfo("Asia/Shanghai"), None, frozenset())
    service = TicketService(store, store, Orders(), BouncedBob(), notifier, clock, hours, mask_sensitive,
                            estimate_wait, support_inbox="help@example.com")
    ticket_id = service.open_ticket(BOB, "shipping", "快递", "转人工")["ticket"]["id"]
    # When an agent claims the ticket, Then the staff view says the e-mail is undeliverable and SMS is used
    claimed = service.claim(AGENT, ticket_id)
    assert claimed["customer"] == {"email_undeliverable": True, "undeliverable_reason": "bounce",
                                   "notified_by": "sms"}
    assert service.staff_ticket(AGENT, ticket_id)["customer"]["email_undeliverable"] is True
    # And the reply reaches Bob by SMS, never at the bouncing address
    assert service.agent_reply(AGENT, ticket_id, "明天到")["customer_notified"] is True
    assert notifier.to("cust-bob@example.net") == []
    (sms,) = notifier.to("+8613800138000")
    assert sms["channel"] == "sms" and sms["template"] == "ticket_agent_reply"


def test_each_message_carries_its_own_files_in_the_customer_and_staff_views(service, notifier):
    from supportdesk.tickets.model import MessageAttachment

    voucher = MessageAttachment("A-00000000000000a1", "voucher.pdf", "application/pdf", 2048)
    label = MessageAttachment("A-00000000000000b2", "return-label.pdf", "application/pdf", 512)
    # Given Bob's message with a voucher and the agent's reply with a return label
    ticket_id = service.open_ticket(BOB, "payment", "扣款两次", "转人工")["ticket"]["id"]
    service.post_message(BOB, ticket_id, "凭证见附件", (voucher,))
    service.claim(AGENT, ticket_id)
    service.agent_reply(AGENT, ticket_id, "请用附件中的退货单", (label,))
    # Then each message lists exactly its own files, for Bob and for staff
    for view in (service.get_ticket(BOB, ticket_id), service.staff_ticket(AGENT, ticket_id)):
        files = {m["text"]: [a["filename"] for a in m["attachments"]] for m in view["messages"]}
        assert files["凭证见附件"] == ["voucher.pdf"] and files["请用附件中的退货单"] == ["return-label.pdf"]
        assert files["转人工"] == []
    # And the reply's e-mail names the file (downloaded from the ticket)
    (mail,) = notifier.to("cust-bob@example.net")
    assert "return-label.pdf" in mail["text"] and "return-label.pdf" in mail["html"]


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
    limited = TicketService(store, store, Orders(), Accounts(), notifier, clock, hours, mask_sensitive, estimate_wait,
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
