"""The password-reset service with fakes: a code repository in memory, FakeNotifier, FixedClock, MemoryCounterStore."""
from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timezone

import pytest

from supportdesk.clock import FixedClock
from supportdesk.errors import InvalidInput, RateLimited
from supportdesk.identity import passwords
from supportdesk.ratelimit import RateLimiter
from supportdesk.reset import service as reset
from supportdesk.reset.repository import ResetCode
from supportdesk.reset.service import PasswordResetService, ResponsePacer
from tests.fakes import FakeNotifier, MemoryCounterStore

OLD_PASSWORD = "blue-lantern-river-42"
NEW_PASSWORD = "violet-harbor-thunder-58"
SUPPORT = "support@example.com / 400-000-0000"
START = datetime(2026, 11, 23, 4, 0, 0, tzinfo=timezone.utc)  # 12:00 in Shanghai


# ---- fakes ------------------------------------------------------------------------------------------------------


class FakeResetCodes:
    """Keeps the DynamoDB adapter's conditions (live = exists, unused, unexpired, attempts below the budget)."""

    def __init__(self) -> None:
        self.items: dict[str, ResetCode] = {}
        self.calls: list[str] = []

    def save(self, code: ResetCode) -> None:
        self.calls.append("save")
        self.items[code.login_key] = code

    def register_attempt(self, login_key: str, now: int, max_attempts: int) -> ResetCode | None:
        self.calls.append("register_attempt")
        code = self.items.get(login_key)
        if code is None or code.used_at is not None or code.expires_at <= now or code.attempts >= max_attempts:
            return None
        self.items[login_key] = replace(code, attempts=code.attempts + 1)
        return self.items[login_key]

    def get(self, login_key: str) -> ResetCode | None:
        self.calls.append("get")
        return self.items.get(login_key)

    def consume(self, login_key: str, code_hash: str, used_at: datetime, now: int) -> bool:
        self.calls.append("consume")
        code = self.items.get(login_key)
        if code is None or code.code_hash != code_hash or code.used_at is not None or code.expires_at <= now:
            return False
        self.items[login_key] = replace(code, used_at=used_at)
        return True


@dataclass
class Account:
    account_id: str
    email: str | None
    phone: str | None
    language: str
    password_hash: str
    display_name: str | None = None
    password_version: int = 1
    role: str = "customer"


class FakeAccounts:
    def __init__(self, *accounts: Account) -> None:
        self.by_id = {a.account_id: a for a in accounts}
        self.by_login = {login: a for a in accounts for login in (a.email, a.phone) if login}
        self.calls: list[str] = []

    def find_by_login(self, login: str):
        self.calls.append("find_by_login")
        return self.by_login.get(login)

    def get(self, account_id: str):
        self.calls.append("get")
        return self.by_id.get(account_id)

    def change_password(self, account, password_hash: str, changed_at: datetime) -> int:
        self.calls.append("change_password")
        account.password_hash = password_hash
        account.password_version += 1
        return account.password_version


class RecordingPacer:
    def __init__(self) -> None:
        self.blocks = 0

    @contextmanager
    def at_least(self):
        self.blocks += 1
        yield


class BrokenNotifier:
    def send(self, recipient, template, context) -> None:
        raise ConnectionError("SES is down")


@dataclass
class World:
    service: PasswordResetService
    codes: FakeResetCodes
    accounts: FakeAccounts
    notifier: FakeNotifier
    clock: FixedClock
    pacer: RecordingPacer
    audit: list[tuple[str, dict]]

    def request(self, login: str, ip: str = "198.51.100.7") -> None:
        self.service.request_code(login, ip)

    def confirm(self, login: str, code: str, password: str = NEW_PASSWORD, ip: str = "198.51.100.7") -> None:
        self.service.confirm(login, code, password, ip)

    def last_code(self, address: str) -> str:
        return re.search(r"\b(\d{6})\b", self.notifier.to(address)[-1]["text"]).group(1)

    def events(self, name: str) -> list[dict]:
        return [fields for event, fields in self.audit if event == name]


@pytest.fixture
def world(monkeypatch) -> World:
    anna = Account("acc_anna", "anna@example.com", None, "zh-CN", passwords.hash_password(OLD_PASSWORD), "Anna Li")
    ben = Account("acc_ben", "ben@example.com", "+8613800138000", "en", passwords.hash_password(OLD_PASSWORD))
    audit: list[tuple[str, dict]] = []
    monkeypatch.setattr(reset, "audit", lambda event, **fields: audit.append((event, fields)))
    clock = FixedClock(START)
    codes, accounts, notifier, pacer = FakeResetCodes(), FakeAccounts(anna, ben), FakeNotifier(), RecordingPacer()
    service = PasswordResetService(
        codes, accounts, notifier, RateLimiter(MemoryCounterStore(), clock), clock, lambda: "test-hmac-key", pacer, SUPPORT
    )
    return World(service, codes, accounts, notifier, clock, pacer, audit)


def error_code(call) -> str:
    with pytest.raises(InvalidInput) as error:
        call()
    return error.value.code


# ---- requesting a code ------------------------------------------------------------------------------------------


def test_an_e_mail_login_receives_a_six_digit_code_in_the_accounts_language(world):
    world.request("Anna@Example.com")
    [mail] = world.notifier.sent
    assert mail["channel"] == "email" and mail["to"] == "anna@example.com"
    assert mail["template"] == "password_reset_code"
    assert "验证码" in mail["subject"]
    assert re.search(r"\b\d{6}\b", mail["text"]) and world.last_code("anna@example.com") in mail["html"]
    assert "10 分钟内有效" in mail["text"] and "如果这不是您本人的操作" in mail["text"] and SUPPORT in mail["text"]


def test_a_phone_login_receives_the_code_by_sms_in_english(world):
    world.request("138 0013 8000")
    [sms] = world.notifier.sent
    assert sms["channel"] == "sms" and sms["to"] == "+8613800138000"
    assert re.search(r"code: \d{6}, valid 10 min", sms["text"]) and "If this wasn't you" in sms["text"]


def test_codes_come_from_the_secrets_csprng_and_keep_leading_zeros(monkeypatch):
    calls = []
    monkeypatch.setattr(reset.secrets, "randbelow", lambda n: calls.append(n) or 42)
    assert reset.new_code() == "000042" and calls == [1_000_000]


def test_only_a_keyed_hash_of_the_code_and_login_is_stored(world):
    world.request("anna@example.com")
    code = world.last_code("anna@example.com")
    [stored] = world.codes.items.values()
    fields = [str(value) for value in vars(stored).values()]
    assert not any(code == value or "anna@example.com" in value for value in fields)
    assert re.fullmatch(r"[0-9a-f]{64}", stored.code_hash) and re.fullmatch(r"[0-9a-f]{64}", stored.login_key)
    assert hashlib.sha256(code.encode()).hexdigest() != stored.code_hash  # keyed, not a bare digest
    assert stored.account_id == "acc_anna" and stored.attempts == 0
    assert stored.expires_at == int(START.timestamp()) + 600


def test_an_unknown_login_gets_no_message_but_the_same_work_and_answer(world):
    # Given one request for a known and one for an unknown login
    world.request("anna@example.com")
    known = (list(world.accounts.calls), list(world.codes.calls), world.pacer.blocks)
    world.accounts.calls.clear(), world.codes.calls.clear()
    world.pacer.blocks = 0
    result = world.service.request_code("nobody@example.com", "198.51.100.7")
    # Then the unknown login returned normally, made the same repository calls inside the paced block, got no mail
    assert result is None
    assert (world.accounts.calls, world.codes.calls, world.pacer.blocks) == known == (["find_by_login"], ["save"], 1)
    assert world.notifier.to("nobody@example.com") == []
    # and a stand-in code without account exists, so a later confirmation takes the wrong-code path
    stand_in = [c for c in world.codes.items.values() if c.account_id is None]
    assert len(stand_in) == 1 and len(stand_in[0].code_hash) == 64


def test_a_failed_delivery_is_answered_like_a_sent_one(world):
    world.service._notifier = BrokenNotifier()
    world.request("anna@example.com")  # no exception: the caller must not learn that the account exists
    assert world.events("password_reset_notification_failed")[0]["account_id"] == "acc_anna"


def test_a_malformed_login_is_an_invalid_login_error(world):
    assert error_code(lambda: world.request("not-an-email@")) == "invalid_login"
    assert world.codes.calls == []


@pytest.mark.parametrize("login", ["anna@example.com", "nobody@example.com"])
def test_five_requests_per_login_per_hour_then_429_known_or_not(world, login):
    for i in range(5):
        world.request(login, ip=f"203.0.113.{i}")
    with pytest.raises(RateLimited) as limited:
        world.request(login, ip="203.0.113.99")
    assert 0 < limited.value.retry_after <= 3600
    assert world.events("password_reset_rate_limited")[0]["scope"] == "reset-login"
    world.clock.advance(hours=1)
    world.request(login)  # a new window


def test_ten_requests_per_login_per_day_bound_the_guesses(world):
    # Given a login asked for 5 codes in each of two hours (the hourly limit allows it)
    for _ in range(2):
        for i in range(5):
            world.request("anna@example.com", ip=f"203.0.113.{i}")
        world.clock.advance(hours=1)
    # Then the 11th request of the (UTC) day is refused until the day ends
    with pytest.raises(RateLimited) as limited:
        world.request("anna@example.com")
    assert limited.value.retry_after == 18 * 3600  # 06:00 UTC now
    assert world.events("password_reset_rate_limited")[-1]["scope"] == "reset-login-day"


def test_requests_are_limited_per_source_ip(world):
    for i in range(30):  # docs/api-reset.md: 30 per source IP per hour
        world.request(f"user{i}@example.com", ip="192.0.2.1")
    with pytest.raises(RateLimited) as limited:
        world.request("another@example.com", ip="192.0.2.1")
    assert limited.value.retry_after == 3600  # START is on the hour
    assert world.events("password_reset_rate_limited")[-1]["scope"] == "reset-ip"
    world.request("another@example.com", ip="192.0.2.2")


# ---- confirming ---------------------------------------------------------------------------------------------------


def test_the_right_code_sets_the_new_password_and_ends_sessions(world):
    world.request("anna@example.com")
    result = world.service.confirm("anna@example.com", world.last_code("anna@example.com"), NEW_PASSWORD, "198.51.100.7")
    anna = world.accounts.by_id["acc_anna"]
    assert result is None  # nothing to log in with: no token
    assert passwords.verify_password(anna.password_hash, NEW_PASSWORD)
    assert not passwords.verify_password(anna.password_hash, OLD_PASSWORD)
    assert anna.password_version == 2  # the authorizer rejects tokens of version 1 from now on
    assert world.events("password_reset_succeeded") == [{"account_id": "acc_anna", "password_version": 2}]


def test_the_change_notice_says_when_in_shanghai_time_and_how_to_reach_support(world):
    world.clock.set(datetime(2026, 11, 23, 16, 30, tzinfo=timezone.utc))  # 00:30 the next day in Shanghai
    world.request("+8613800138000")
    world.confirm("+8613800138000", world.last_code("+8613800138000"))
    mail = [m for m in world.notifier.to("ben@example.com") if m["template"] == "password_changed"]
    sms = [m for m in world.notifier.to("+8613800138000") if m["template"] == "password_changed"]
    assert len(mail) == len(sms) == 1  # every channel of the account hears of it
    assert "2026-11-24 00:30 (Beijing time, UTC+8)" in mail[0]["text"] and SUPPORT in mail[0]["text"]
    assert "2026-11-24 00:30" in sms[0]["text"] and SUPPORT in sms[0]["text"]


def test_the_change_notice_is_in_chinese_for_a_chinese_account(world):
    world.request("anna@example.com")
    world.confirm("anna@example.com", world.last_code("anna@example.com"))
    [notice] = [m for m in world.notifier.sent if m["template"] == "password_changed"]
    assert notice["subject"] == "您的密码已修改" and "2026-11-23 12:00（北京时间）" in notice["text"]


def test_a_wrong_code_is_the_generic_error(world):
    world.request("anna@example.com")
    wrong = "%06d" % ((int(world.last_code("anna@example.com")) + 1) % 1_000_000)
    assert error_code(lambda: world.confirm("anna@example.com", wrong)) == "invalid_reset_code"
    assert world.events("password_reset_failed")[-1] == {"account_id": "acc_anna", "reason": "wrong_code", "attempts": 1}


def test_five_wrong_codes_burn_the_code_even_for_the_right_one(world):
    world.request("anna@example.com")
    right = world.last_code("anna@example.com")
    wrong = "%06d" % ((int(right) + 1) % 1_000_000)
    for _ in range(5):
        assert error_code(lambda: world.confirm("anna@example.com", wrong)) == "invalid_reset_code"
    assert world.events("password_reset_locked") == [{"account_id": "acc_anna", "attempts": 5}]
    assert error_code(lambda: world.confirm("anna@example.com", right)) == "invalid_reset_code"
    assert world.events("password_reset_failed")[-1]["reason"] == "code_burned"
    assert passwords.verify_password(world.accounts.by_id["acc_anna"].password_hash, OLD_PASSWORD)


def test_four_wrong_codes_still_leave_the_fifth_attempt(world):
    world.request("anna@example.com")
    right = world.last_code("anna@example.com")
    for _ in range(4):
        error_code(lambda: world.confirm("anna@example.com", "%06d" % ((int(right) + 7) % 1_000_000)))
    world.confirm("anna@example.com", right)
    assert passwords.verify_password(world.accounts.by_id["acc_anna"].password_hash, NEW_PASSWORD)


def test_a_code_expires_after_ten_minutes(world):
    world.request("anna@example.com")
    code = world.last_code("anna@example.com")
    world.clock.advance(minutes=10)
    assert error_code(lambda: world.confirm("anna@example.com", code)) == "invalid_reset_code"
    assert world.events("password_reset_failed")[-1] == {"account_id": "acc_anna", "reason": "code_expired"}


def test_a_code_is_still_valid_just_before_ten_minutes(world):
    world.request("anna@example.com")
    world.clock.advance(minutes=9, seconds=59)
    world.confirm("anna@example.com", world.last_code("anna@example.com"))
    assert passwords.verify_password(world.accounts.by_id["acc_anna"].password_hash, NEW_PASSWORD)
    assert [e["account_id"] for e in world.events("password_reset_succeeded")] == ["acc_anna"]


def test_a_used_code_cannot_be_replayed(world):
    world.request("anna@example.com")
    code = world.last_code("anna@example.com")
    world.confirm("anna@example.com", code)
    assert error_code(lambda: world.confirm("anna@example.com", code, "another-quiet-meadow-73")) == "invalid_reset_code"
    assert world.events("password_reset_failed")[-1]["reason"] == "code_already_used"
    assert passwords.verify_password(world.accounts.by_id["acc_anna"].password_hash, NEW_PASSWORD)


def test_a_newer_code_replaces_the_older_one(world, monkeypatch):
    codes = iter([111111, 222222])
    monkeypatch.setattr(reset.secrets, "randbelow", lambda n: next(codes))
    world.request("anna@example.com")
    world.request("anna@example.com")
    assert error_code(lambda: world.confirm("anna@example.com", "111111")) == "invalid_reset_code"
    world.confirm("anna@example.com", "222222")
    assert passwords.verify_password(world.accounts.by_id["acc_anna"].password_hash, NEW_PASSWORD)


def test_a_login_without_account_never_confirms(world):
    world.request("nobody@example.com")
    assert error_code(lambda: world.confirm("nobody@example.com", "123456")) == "invalid_reset_code"
    assert error_code(lambda: world.confirm("never-asked@example.com", "123456")) == "invalid_reset_code"


@pytest.mark.parametrize("code", ["12345", "1234567", "abcdef", 123456, "12345a"])
def test_a_malformed_code_is_the_generic_error_without_spending_an_attempt(world, code):
    world.request("anna@example.com")
    assert error_code(lambda: world.service.confirm("anna@example.com", code, NEW_PASSWORD, "ip")) == "invalid_reset_code"
    assert next(iter(world.codes.items.values())).attempts == 0


def test_a_code_typed_with_full_width_digits_and_spaces_is_accepted(world):
    world.request("anna@example.com")
    code = world.last_code("anna@example.com")
    typed = " ".join(chr(ord(d) + 0xFEE0) for d in code)  # "１ ２ ３ ..."
    world.confirm("anna@example.com", typed)
    assert passwords.verify_password(world.accounts.by_id["acc_anna"].password_hash, NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short", "password_too_short"), ("x" * 129, "password_too_long"), ("password123", "password_too_common")],
)
def test_account_independent_password_rules_answer_first_and_cost_no_attempt(world, password, reason):
    # Given no valid code at all: these rules reveal nothing about any account
    assert error_code(lambda: world.confirm("anna@example.com", "000000", password)) == reason
    world.request("anna@example.com")
    assert error_code(lambda: world.confirm("anna@example.com", world.last_code("anna@example.com"), password)) == reason
    assert next(iter(world.codes.items.values())).attempts == 0


@pytest.mark.parametrize(
    ("password", "reason"),
    [("anna.example-mountain", "password_contains_personal_info"), (OLD_PASSWORD, "password_same_as_current")],
)
def test_account_specific_password_feedback_needs_a_valid_code(world, password, reason):
    world.request("anna@example.com")
    right = world.last_code("anna@example.com")
    wrong = "%06d" % ((int(right) + 1) % 1_000_000)
    # Without the right code the caller learns nothing about the account's details or password
    assert error_code(lambda: world.confirm("anna@example.com", wrong, password)) == "invalid_reset_code"
    # With it, they are told why the password is refused, and the code stays usable
    assert error_code(lambda: world.confirm("anna@example.com", right, password)) == reason
    world.confirm("anna@example.com", right)
    assert passwords.verify_password(world.accounts.by_id["acc_anna"].password_hash, NEW_PASSWORD)


def test_missing_fields_are_named(world):
    assert error_code(lambda: world.service.confirm("anna@example.com", None, NEW_PASSWORD, "ip")) == "missing_field"
    assert error_code(lambda: world.service.confirm("anna@example.com", "123456", None, "ip")) == "missing_field"


def test_confirmations_are_limited_per_source_ip(world):
    for _ in range(30):  # docs/api-reset.md: 30 confirmations per source IP per 15 minutes
        assert error_code(lambda: world.confirm("anna@example.com", "123456", ip="192.0.2.9")) == "invalid_reset_code"
    with pytest.raises(RateLimited) as limited:
        world.confirm("anna@example.com", "123456", ip="192.0.2.9")
    assert limited.value.retry_after == 15 * 60
    world.clock.advance(minutes=15)
    assert error_code(lambda: world.confirm("anna@example.com", "123456", ip="192.0.2.9")) == "invalid_reset_code"


def test_the_audit_trail_has_every_step_with_the_account_id_but_never_a_code_or_password(world):
    world.request("anna@example.com")
    code = world.last_code("anna@example.com")
    error_code(lambda: world.confirm("anna@example.com", "%06d" % ((int(code) + 1) % 1_000_000)))
    world.confirm("anna@example.com", code)
    names = [event for event, _ in world.audit]
    assert names == ["password_reset_requested", "password_reset_failed", "password_reset_succeeded"]
    assert all(fields.get("account_id") == "acc_anna" for _, fields in world.audit)
    flat = repr(world.audit)
    assert code not in flat and NEW_PASSWORD not in flat and OLD_PASSWORD not in flat


# ---- constant response time -------------------------------------------------------------------------------------


def test_the_pacer_pads_a_fast_block_to_the_floor_and_leaves_a_slow_one_alone():
    now = [100.0]
    slept: list[float] = []
    pacer = ResponsePacer(1.5, monotonic=lambda: now[0], sleep=slept.append)
    with pacer.at_least():
        now[0] += 0.2  # e.g. an unknown login: no message to send
    with pacer.at_least():
        now[0] += 1.7  # slower than the floor: nothing added
    assert slept == [pytest.approx(1.3)]
