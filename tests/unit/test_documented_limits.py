"""Documented limits, with the numbers the docs state written here as literals (a change of the code's constants
without the docs fails; each section quotes the sentence it pins).

The per-customer ticket limits of docs/api-tickets.md: "more than 20 tickets in an hour or more than 60 messages in
10 minutes (web and e-mail together)" is 429 `ticket_rate_limited` with Retry-After. The HTTP side (status, header)
is in tests/integration/test_guarantees_limits.py."""
from __future__ import annotations

import base64
import time as time_module
from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyItemAlreadyExistsError,
    IdempotencyItemNotFoundError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from supportdesk import idempotency
from supportdesk.clock import FixedClock
from supportdesk.errors import Forbidden, InvalidInput, RateLimited, Unauthorized
from supportdesk.help.build import INDEX_PATH
from supportdesk.help.search import HelpIndex, Hit
from supportdesk.help.service import parse_query
from supportdesk.hours import BusinessHours
from supportdesk.idempotency import IdempotencyKeyInProgress, parse_key, run_once
from supportdesk.identity import passwords
from supportdesk.identity.model import Account
from supportdesk.identity.service import IdentityService, parse_sign_up
from supportdesk.identity.tokens import TokenService
from supportdesk.lifecycle.forget import AccountEraser
from supportdesk.lifecycle.jobs import purge_closed
from supportdesk.lifecycle.model import LifecycleTicket
from supportdesk.mail.html import html_to_text
from supportdesk.mail.parse import read_mail
from supportdesk.masking import mask_sensitive
from supportdesk.ratelimit import RateLimiter
from supportdesk.reset.verification import ContactVerification
from supportdesk.roles import Caller, Role
from supportdesk.tickets.service import TicketService, parse_limit
from supportdesk.tickets.waiting import estimate_wait
from tests.conftest import LambdaContext
from tests.fakes import FakeNotifier, MemoryCounterStore, MemoryTicketStore
from tests.fixtures.mail.corpus import common, message, multipart, part

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


# ---- sign-in, sign-up and account deletion (docs/operations.md "Rate limits", "The right to be forgotten") ---------
# "Login limits count failed attempts only ..., in 15-minute windows: per client (login + source IP) ... 5 failures;
# per login ... after 10 failures, a client that has itself failed on this login waits 2, 4, 8... seconds; per source
# IP over all logins: 50 failures, then 429 until the window ends. Sign-up: 20 per IP per hour. Limits answer 429
# with `Retry-After`"; "DELETE /accounts/me ... (a customer's token; 5 attempts per 15 minutes)". The counts
# themselves are pinned in test_login_limits.py; the windows here.

PASSWORD = "blue-lantern-river-42"


class MemoryAccounts:
    """The identity AccountRepository in memory."""

    def __init__(self) -> None:
        self.by_id: dict = {}
        self.by_login: dict = {}

    def create(self, account) -> None:
        if any(login in self.by_login for login in account.logins):
            raise AssertionError(f"login taken: {account.logins}")
        self.by_id[account.account_id] = account
        self.by_login.update(dict.fromkeys(account.logins, account))

    def find_by_login(self, login: str):
        return self.by_login.get(login)

    def get(self, account_id: str):
        return self.by_id.get(account_id)

    def change_password(self, account, password_hash: str, changed_at) -> int:
        raise AssertionError("not used here")

    def update_hash(self, account, password_hash: str) -> None:
        pass


@pytest.fixture
def identity(clock):
    tokens = TokenService(lambda: "k" * 64, clock, "support-desk", 3600)
    return IdentityService(MemoryAccounts(), tokens, RateLimiter(MemoryCounterStore(), clock), clock)


def _sign_up(identity, email: str, ip: str = "198.51.100.1"):
    return identity.sign_up(parse_sign_up({"email": email, "password": PASSWORD}), ip)


def test_fifty_login_failures_from_one_address_hold_it_back_until_the_15_minute_window_ends(identity, clock):
    # Given one address that failed 50 logins, 4 minutes into a 15-minute window
    for n in range(50):
        with pytest.raises(Unauthorized):
            identity.login(f"someone{n}@example.com", "wrong-guess-000", "203.0.113.7")
    # Then it is refused for the 11 minutes left of the window, and checked again after them
    with pytest.raises(RateLimited) as refused:
        identity.login("someone-else@example.com", "wrong-guess-000", "203.0.113.7")
    assert refused.value.retry_after == 11 * 60
    clock.advance(minutes=11)
    with pytest.raises(Unauthorized):
        identity.login("someone-else@example.com", "wrong-guess-000", "203.0.113.7")


def test_the_failures_of_a_login_under_attack_count_again_from_zero_every_15_minutes(identity, clock):
    _sign_up(identity, "target@example.com")
    # Given 40 failures on one login from 40 addresses just before the window ends: a client that failed waits
    clock.set(START.replace(minute=14, second=50))
    for n in range(40):
        with pytest.raises(Unauthorized):
            identity.login("target@example.com", "wrong-guess-000", f"203.0.113.{n}")
    with pytest.raises(RateLimited):
        identity.login("target@example.com", "wrong-guess-001", "203.0.113.0")
    # When the next 15-minute window starts
    clock.set(START.replace(minute=15, second=5))
    # Then that client's tries are checked again, one after the other, without a wait
    for _ in range(2):
        with pytest.raises(Unauthorized):
            identity.login("target@example.com", "wrong-guess-002", "203.0.113.0")
    assert identity.login("target@example.com", PASSWORD, "198.51.100.7")["token_type"] == "Bearer"


def test_twenty_sign_ups_per_address_in_an_hour_then_rate_limited(identity, clock):
    # Given one address that signed up 20 accounts this hour
    for n in range(20):
        _sign_up(identity, f"new{n}@example.com", ip="203.0.113.20")
    # Then the 21st is refused until the hour ends (56 minutes), and another address may sign up
    with pytest.raises(RateLimited) as refused:
        _sign_up(identity, "new20@example.com", ip="203.0.113.20")
    assert (refused.value.code, refused.value.retry_after) == ("rate_limited", 56 * 60)
    _sign_up(identity, "new20@example.com", ip="203.0.113.21")
    clock.advance(minutes=56)
    _sign_up(identity, "new21@example.com", ip="203.0.113.20")


def test_five_account_deletion_attempts_in_fifteen_minutes_then_rate_limited(clock):
    class Store:
        def __init__(self) -> None:
            self.deleted: list[str] = []

        def customer_ticket_ids(self, customer_id, limit):
            return []

        def anonymise_customer_ticket(self, ticket_id, customer_id):
            return False

        def delete_account(self, account_id, logins):
            self.deleted.append(account_id)
            return True

    # Given a customer's token in the hands of someone guessing the password
    accounts = MemoryAccounts()
    account = _sign_up_account(accounts, "leaving@example.net")
    store = Store()
    eraser = AccountEraser(accounts, store, FakeNotifier(), passwords.verify_password,
                           RateLimiter(MemoryCounterStore(), clock))
    # When 5 wrong passwords are tried
    for n in range(5):
        with pytest.raises(Forbidden):
            eraser.delete(account.account_id, f"guess-{n}")
    # Then the 6th attempt is refused even with the right password, until the 15-minute window ends (11 minutes)
    with pytest.raises(RateLimited) as refused:
        eraser.delete(account.account_id, PASSWORD)
    assert refused.value.retry_after == 11 * 60 and store.deleted == []
    clock.advance(minutes=11)
    assert eraser.delete(account.account_id, PASSWORD)["status"] == "deleted"
    assert store.deleted == [account.account_id]


def _sign_up_account(accounts: MemoryAccounts, email: str):
    account = Account("acc_leaving", Role.CUSTOMER, passwords.hash_password(PASSWORD), START, START, email=email,
                      language="en")
    accounts.create(account)
    return account



# ---- contact-point verification (docs/operations.md, "Security": "verification 30 attempts per IP per 15 minutes,
# 5 per code, 5 new codes per login per hour") ----------------------------------------------------------------------


class NoCodes:
    """A code store that holds codes but never finds a live one (every code tried here is wrong)."""

    def __init__(self) -> None:
        self.saved: list = []

    def save(self, code) -> None:
        self.saved.append(code)

    def register_attempt(self, login_key: str, now: int, max_attempts: int):
        return None


@pytest.fixture
def verification(clock):
    accounts = MemoryAccounts()
    accounts.create(Account("acc_new", Role.CUSTOMER, "hash", START, START, email="new@example.com", language="en",
                            unverified=frozenset({"email"})))
    codes, notifier = NoCodes(), FakeNotifier()
    service = ContactVerification(codes, accounts, notifier, RateLimiter(MemoryCounterStore(), clock), clock,
                                  lambda: "k" * 64, "400-000-0000")
    return SimpleNamespace(service=service, codes=codes, notifier=notifier)


def test_thirty_verification_attempts_per_address_in_fifteen_minutes_then_rate_limited(verification, clock):
    # Given one address trying codes on many logins
    for n in range(30):
        with pytest.raises(InvalidInput):
            verification.service.verify(f"someone{n}@example.com", "123456", "203.0.113.30")
    # Then its 31st try is refused for the 11 minutes left of the window, and another address is not
    with pytest.raises(RateLimited) as refused:
        verification.service.verify("someone@example.com", "123456", "203.0.113.30")
    assert refused.value.retry_after == 11 * 60
    with pytest.raises(InvalidInput):
        verification.service.verify("someone@example.com", "123456", "203.0.113.31")
    clock.advance(minutes=11)
    with pytest.raises(InvalidInput):
        verification.service.verify("someone@example.com", "123456", "203.0.113.30")


def test_five_new_verification_codes_per_login_in_an_hour(verification, clock):
    # When a new code is asked for six times in an hour (from different addresses)
    for n in range(5):
        verification.service.resend("new@example.com", f"203.0.113.{n}")
    with pytest.raises(RateLimited) as refused:
        verification.service.resend("new@example.com", "203.0.113.9")
    # Then five codes went out and the sixth ask waits for the hour to end (56 minutes)
    assert refused.value.retry_after == 56 * 60
    assert len(verification.notifier.to("new@example.com")) == len(verification.codes.saved) == 5
    clock.advance(minutes=56)
    verification.service.resend("new@example.com", "203.0.113.9")
    assert len(verification.notifier.to("new@example.com")) == 6


# ---- inbound mail (docs/api-tickets.md, "Inbound e-mail" and "Mail shapes the parser handles") ---------------------
# "at most 10 per mail and 10 MB each"; "HTML is turned into text ... and only its first 512 KB; more than 200
# multipart parts ... are read from the headers alone; at most 12 levels of nesting are followed."

def _mail(body: bytes, content_type: str) -> bytes:
    return message(common("<alice@example.net>", "Limits", "limits"), body, content_type)


def _attachment(name: str, data: bytes) -> bytes:
    return part("application/pdf", base64.encodebytes(data), "base64", f'attachment; filename="{name}"')


def test_ten_attachments_per_mail_are_kept_and_the_eleventh_is_refused():
    files = [_attachment(f"voucher{n}.pdf", b"%PDF-1.4 voucher") for n in range(11)]
    mail = read_mail(_mail(multipart("a", part("text/plain", b"eleven files"), *files), 'multipart/mixed; boundary="a"'))
    assert [(a.filename, a.refused) for a in mail.attachments] == (
        [(f"voucher{n}.pdf", "") for n in range(10)] + [("voucher10.pdf", "too_many")])


def test_an_attachment_of_ten_megabytes_is_kept_and_one_byte_more_is_refused():
    ten_mb = b"a" * (10 * 1024 * 1024)
    mail = read_mail(_mail(multipart("a", part("text/plain", b"two files"), _attachment("exact.pdf", ten_mb),
                                     _attachment("over.pdf", ten_mb + b"a")), 'multipart/mixed; boundary="a"'))
    assert [(a.filename, a.refused, len(a.data)) for a in mail.attachments] == [
        ("exact.pdf", "", 10 * 1024 * 1024), ("over.pdf", "too_large", 0)]


def test_only_the_first_512_kb_of_html_are_read():
    assert html_to_text("x" * (512 * 1024 - len("<p>kept</p>")) + "<p>kept</p>").endswith("kept")
    assert "never" not in html_to_text("x" * (512 * 1024) + "<p>never</p>")


def _nested(levels: int, text: bytes) -> bytes:
    """A text part inside `levels` multiparts, the message itself being the outermost."""
    inner = part("text/plain", text)
    for level in range(levels - 1, 0, -1):
        inner = f'Content-Type: multipart/mixed; boundary="n{level}"\r\n\r\n'.encode() + multipart(f"n{level}", inner)
    return _mail(multipart("n0", inner), 'multipart/mixed; boundary="n0"')


def test_twelve_levels_of_nesting_are_followed_and_not_a_thirteenth():
    assert read_mail(_nested(12, b"twelve deep")).body == "twelve deep"
    assert read_mail(_nested(13, b"thirteen deep")).body == ""


def _with_multiparts(count: int) -> bytes:
    """A multipart/mixed message holding count - 1 multipart/alternative parts: `count` multiparts in all."""
    alternatives = [b'Content-Type: multipart/alternative; boundary="b"\r\n\r\n' + multipart("b", part("text/plain", b"hi"))
                    for _ in range(count - 1)]
    return _mail(multipart("a", *alternatives), 'multipart/mixed; boundary="a"')


def test_two_hundred_multipart_parts_are_read_and_more_only_from_the_headers():
    read = read_mail(_with_multiparts(200))
    assert read.body.startswith("hi") and "too_many_parts" not in read.defects
    headers_only = read_mail(_with_multiparts(201))
    assert headers_only.body == "" and "too_many_parts" in headers_only.defects
    assert headers_only.sender == "alice@example.net" and headers_only.subject == "Limits"


# ---- pages, queries and keys --------------------------------------------------------------------------------------
# docs/api-tickets.md: "`limit` 1–50 (default 20)"; docs/api-help.md: "`q` (≤ 500 chars)"; docs/api-refunds.md:
# "Idempotency-Key (required, 1–255 printable ASCII characters ...)"


def test_a_page_is_20_by_default_and_at_most_50():
    assert parse_limit(None) == parse_limit("") == 20
    assert (parse_limit("1"), parse_limit("50")) == (1, 50)
    for bad in ("0", "51", "-1", "twenty"):
        with pytest.raises(InvalidInput) as refused:
            parse_limit(bad)
        assert refused.value.code == "invalid_limit"


def test_a_help_query_of_500_characters_is_searched_and_one_more_is_refused():
    assert parse_query("退" * 500) == "退" * 500
    with pytest.raises(InvalidInput) as refused:
        parse_query("退" * 501)
    assert (refused.value.code, refused.value.details) == ("field_too_long", {"field": "q", "max": 500})


def test_an_idempotency_key_has_1_to_255_printable_ascii_characters():
    assert parse_key("k" * 255) == "k" * 255 and parse_key(" 7c2a ") == "7c2a"
    for bad, code in (("k" * 256, "idempotency_key_invalid"), ("退款-1", "idempotency_key_invalid"),
                      ("a\tb", "idempotency_key_invalid"), ("", "idempotency_key_required"),
                      (None, "idempotency_key_required")):
        with pytest.raises(InvalidInput) as refused:
            parse_key(bad)
        assert refused.value.code == code, bad


# ---- Idempotency-Key (docs/api-refunds.md; docs/operations.md "Idempotency records expire after 24 hours") ---------
# "the same key with the same body (and order) replays the first answer for 24 hours; ... while the first request
# with the key is still running, another one waits up to 7 s for its answer and otherwise gets 409
# `idempotency_key_in_progress` (retry)."


class MemoryIdempotencyRecords(BasePersistenceLayer):
    """Powertools' persistence port in memory, with the DynamoDB layer's rule: a put fails while an unexpired
    record holds the key."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, DataRecord] = {}

    def _get_record(self, idempotency_key) -> DataRecord:
        if idempotency_key not in self.records:
            raise IdempotencyItemNotFoundError()
        return self.records[idempotency_key]

    def _put_record(self, data_record: DataRecord) -> None:
        existing = self.records.get(data_record.idempotency_key)
        if existing is not None and not existing.is_expired:
            raise IdempotencyItemAlreadyExistsError(old_data_record=existing)
        self.records[data_record.idempotency_key] = data_record

    def _update_record(self, data_record: DataRecord) -> None:
        self.records[data_record.idempotency_key] = data_record

    def _delete_record(self, data_record: DataRecord) -> None:
        self.records.pop(data_record.idempotency_key, None)


def test_a_keyed_answer_is_kept_for_24_hours_and_replayed():
    store, runs = MemoryIdempotencyRecords(), []

    def refund(payload: dict) -> dict:
        runs.append(payload)
        return {"refund": {"id": f"R-{len(runs)}"}}

    # When the same request is made twice with one key
    first = run_once("refund", "order-1-refund-a", "cust-alice", {"amount_cents": 2500}, refund, store=store,
                     context=LambdaContext())
    again = run_once("refund", "order-1-refund-a", "cust-alice", {"amount_cents": 2500}, refund, store=store,
                     context=LambdaContext())
    # Then it ran once and the repeat got the first answer
    assert first == again == {"refund": {"id": "R-1"}} and len(runs) == 1
    # And the answer is kept (the TTL DynamoDB deletes it by) for 24 hours
    (record,) = store.records.values()
    assert record.status == "COMPLETED"
    assert abs(record.expiry_timestamp - (time_module.time() + 24 * 3600)) <= 5


def test_a_repeat_waits_7_seconds_for_a_running_first_request_then_gets_idempotency_key_in_progress(monkeypatch):
    store, waited = MemoryIdempotencyRecords(), []
    clock = {"now": 0.0}
    monkeypatch.setattr(idempotency, "time", SimpleNamespace(
        monotonic=lambda: clock["now"], sleep=lambda seconds: clock.update(now=clock["now"] + seconds)))

    def first_request(payload: dict) -> dict:
        # While the first request still runs, the customer's retry arrives with the same key and body
        with pytest.raises(IdempotencyKeyInProgress) as busy:
            run_once("refund", "order-1-refund-a", "cust-alice", payload, lambda p: {"refund": "second"}, store=store,
                     context=LambdaContext())
        waited.append(clock["now"])
        assert (busy.value.status, busy.value.code) == (409, "idempotency_key_in_progress")
        return {"refund": "first"}

    assert run_once("refund", "order-1-refund-a", "cust-alice", {"amount_cents": 2500}, first_request,
                    store=store, context=LambdaContext()) == {"refund": "first"}
    # The retry waited 7 s (polling every 0.4 s at most) before it gave up
    assert len(waited) == 1 and 7.0 <= waited[0] < 7.0 + 0.4 + 1e-9


# ---- retention (docs/operations.md, "Schedules") ------------------------------------------------------------------
# "tickets closed RetentionDays ago: messages deleted (at most 2000 per run), then the ticket becomes a stub"


class RetentionStore:
    """The part of the LifecycleStore port the retention job uses, in memory: one closed ticket due for purging."""

    def __init__(self, messages: int) -> None:
        self.ticket = LifecycleTicket("T-8K3Q2", "cust-alice", "closed", "en", "Parcel", "general", 1, 0, "purge", START)
        self.messages = messages
        self.stubs: list[str] = []

    def due(self, job, before, limit):
        return [self.ticket] if self.ticket.ticket_id not in self.stubs else []

    def delete_messages(self, ticket_id: str, limit: int) -> int:
        deleted = min(limit, self.messages)
        self.messages -= deleted
        return deleted

    def anonymise(self, ticket, now) -> bool:
        self.stubs.append(ticket.ticket_id)
        return True


def test_retention_deletes_at_most_2000_messages_a_run_and_the_next_run_finishes():
    # Given a closed ticket with a long conversation, due for retention
    store = RetentionStore(messages=2500)
    # When the job runs, it deletes 2000 messages and leaves the ticket due (the stub comes last)
    first = purge_closed(store, START, timedelta(days=365), 100)
    assert (first.details["messages_deleted"], first.done, first.more) == (2000, 0, True)
    assert store.messages == 500 and store.stubs == []
    # And the next run deletes the rest and makes the stub
    second = purge_closed(store, START, timedelta(days=365), 100)
    assert (second.details["messages_deleted"], second.done) == (500, 1) and store.stubs == ["T-8K3Q2"]


# ---- help centre (docs/api-help.md) -------------------------------------------------------------------------------
# "A result is shown when coverage ≥ 0.6 and BM25 ≥ 4, or, for long messages ..., BM25 ≥ 12 and coverage ≥ 0.15."
# "Clear is stricter than answered: the top article must cover at least 60 % of the message and score 1.6× the
# runner-up."


def test_a_search_result_is_shown_at_the_documented_thresholds_and_not_below():
    shown = [Hit("a", 4.0, 0.6), Hit("a", 12.0, 0.15), Hit("a", 30.0, 1.0)]
    hidden = [Hit("a", 3.99, 0.6), Hit("a", 4.0, 0.599), Hit("a", 11.99, 0.3), Hit("a", 12.0, 0.149)]
    assert [HelpIndex.is_relevant(hit) for hit in shown] == [True] * 3
    assert [HelpIndex.is_relevant(hit) for hit in hidden] == [False] * 4


def test_an_automatic_answer_needs_60_percent_coverage_and_1_6_times_the_runner_up(monkeypatch):
    index = HelpIndex.load(INDEX_PATH)

    def answer(*hits: Hit):
        monkeypatch.setattr(index, "rank", lambda query, language: list(hits))
        found = index.confident_answer("退款", "zh-CN")
        return found and found["id"]

    assert answer(Hit("refund-apply", 16.0, 0.6), Hit("shipping-tracking", 10.0, 0.9)) == "refund-apply"
    assert answer(Hit("refund-apply", 15.9, 0.6), Hit("shipping-tracking", 10.0, 0.9)) is None
    assert answer(Hit("refund-apply", 16.0, 0.59), Hit("shipping-tracking", 10.0, 0.9)) is None
    assert answer(Hit("refund-apply", 5.0, 0.6)) == "refund-apply"  # no runner-up
