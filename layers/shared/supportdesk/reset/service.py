"""Password reset: POST /password-reset sends a one-time code, POST /password-reset/confirm sets a new password.

Plain Python: the code repository, account repository, notifier, rate limiter, clock, HMAC key and response pacer
are passed in (supportdesk.reset.wiring builds the real ones).

No account enumeration (OWASP Forgot Password Cheat Sheet, ASVS V6)
-------------------------------------------------------------------
A code request answers 202 with the same body whether or not the login has an account, and the two paths do the
same work up to the message:
- the same rate-limit updates, counted per source IP and per login *before* the account lookup, so unknown logins
  hit the per-login limit exactly like known ones;
- the same two GetItems (AccountRepository.find_by_login makes its second call even for an unknown login);
- the same code generation and HMAC hashing, and the same PutItem: an unknown login gets a stand-in code item
  (no account id, a code nobody was told) that expires like a real one, so a later confirmation for that login also
  takes the same path as a wrong code.
The only difference left is the message itself (an SES or SNS call of ~50-300 ms). Lambda cannot answer first and
send afterwards, so the whole lookup-hash-store-send section runs inside ResponsePacer.at_least(): both paths
return no sooner than a fixed floor (RESET_RESPONSE_FLOOR_MS, 1.5 s, above the slow tail of a send including a
cold client). A failed send is logged and still answered 202, so errors do not tell accounts apart either.

Code check before password feedback
-----------------------------------
On confirmation, rules that do not depend on the account (length, common passwords) are checked first: they reveal
nothing about any account, and a too-weak password does not cost one of the five attempts. Rules that depend on the
account (contains its e-mail/phone/name, same as the current password) are checked only after the code was
verified, so password feedback cannot be used to probe accounts without a valid code. A correct code whose new
password is then rejected counts as one attempt and stays usable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from supportdesk.clock import Clock, epoch_seconds
from supportdesk.errors import InvalidInput, RateLimited
from supportdesk.identity import passwords
from supportdesk.identity.contacts import is_verified, verified_recipients
from supportdesk.identity.logins import Login, parse_login
from supportdesk.identity.repository import AccountRepository
from supportdesk.notify.notifier import Notifier, Recipient
from supportdesk.observability import audit, logger, mask_login
from supportdesk.ratelimit import Limit, RateLimiter
from supportdesk.reset.repository import ResetCode, ResetCodeRepository

CODE_DIGITS = 6
CODE_VALIDITY = timedelta(minutes=10)
MAX_ATTEMPTS = 5

REQUEST_PER_LOGIN = Limit("reset-login", max_hits=5, window_seconds=3600)
# Bounds guessing over time: at most 10 codes x MAX_ATTEMPTS = 50 guesses per login per day (odds 1 in 20,000).
REQUEST_PER_LOGIN_DAILY = Limit("reset-login-day", max_hits=10, window_seconds=86400)
# Generous: many customers share one carrier-grade NAT address; the per-login limit is the tight one.
REQUEST_PER_IP = Limit("reset-ip", max_hits=30, window_seconds=3600)
# Slows guessing spread over many logins from one address (each code allows only MAX_ATTEMPTS anyway).
CONFIRM_PER_IP = Limit("reset-confirm-ip", max_hits=30, window_seconds=900)

CODE_TEMPLATE = "password_reset_code"
CHANGED_TEMPLATE = "password_changed"
INVALID_CODE = "invalid_reset_code"


class CodeMacs:
    """The keyed hashes (HMAC-SHA256 under the codes' secret) that name a login in the codes table and protect its
    code, labelled by purpose ("reset", "verify") so that a code issued for one purpose never matches the other.
    The labels are part of every stored hash: changing one invalidates the codes in flight."""

    def __init__(self, key: Callable[[], str], purpose: str) -> None:
        self._key = key  # read per use: the secret is cached and may rotate
        self._purpose = purpose

    def _mac(self, *parts: str) -> str:
        return hmac.new(self._key().encode(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    def login_key(self, login: Login) -> str:
        return self._mac(f"{self._purpose}-login", login.value)

    def code_hash(self, login_key: str, salt: str, code: str) -> str:
        return self._mac(f"{self._purpose}-code", login_key, salt, code)


def new_code() -> str:
    """Six decimal digits from the operating system's CSPRNG, uniformly distributed (leading zeros kept)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def normalize_code(raw: object) -> str | None:
    """'１２３ ４５６' (full-width, spaced, as some phone keyboards type it) -> '123456'; None if not six digits."""
    if not isinstance(raw, str):
        return None
    code = re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", raw))
    return code if re.fullmatch(rf"[0-9]{{{CODE_DIGITS}}}", code) else None


def china_time(moment: datetime) -> datetime:
    """The moment in Asia/Shanghai time (UTC+8 all year: China has no daylight saving time)."""
    zone: tzinfo
    try:
        zone = ZoneInfo("Asia/Shanghai")
    except Exception:  # noqa: BLE001 - no tz database in the runtime: the fixed offset is the same thing
        zone = timezone(timedelta(hours=8), "CST")
    return moment.astimezone(zone)


class ResponsePacer:
    """Makes a block last at least `floor_seconds` (monotonic clock), so its duration does not depend on which
    branch ran inside it."""

    def __init__(
        self,
        floor_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._floor = floor_seconds
        self._monotonic = monotonic
        self._sleep = sleep

    @contextmanager
    def at_least(self) -> Iterator[None]:
        started = self._monotonic()
        try:
            yield
        finally:
            remaining = self._floor - (self._monotonic() - started)
            if remaining > 0:
                self._sleep(remaining)


class PasswordResetService:
    def __init__(
        self,
        codes: ResetCodeRepository,
        accounts: AccountRepository,
        notifier: Notifier,
        limiter: RateLimiter,
        clock: Clock,
        key: Callable[[], str],
        pacer: ResponsePacer,
        support_contact: str,
    ) -> None:
        self._codes = codes
        self._accounts = accounts
        self._notifier = notifier
        self._limiter = limiter
        self._clock = clock
        self._macs = CodeMacs(key, "reset")
        self._pacer = pacer
        self._support_contact = support_contact

    # ---- POST /password-reset ------------------------------------------------------------------------------

    def request_code(self, raw_login: object, source_ip: str) -> None:
        """Send a code if the login has an account; behave identically (see module docstring) if it has none."""
        self._hit(REQUEST_PER_IP, source_ip)
        login = parse_login(raw_login)
        self._hit(REQUEST_PER_LOGIN, login.value, login=mask_login(login.value))
        self._hit(REQUEST_PER_LOGIN_DAILY, login.value, login=mask_login(login.value))
        with self._pacer.at_least():
            account = self._accounts.find_by_login(login.value)
            if account is not None and not is_verified(account, login.kind):
                # An unverified contact point receives nothing but its verification code: as if unknown.
                audit("password_reset_unverified_login", account_id=account.account_id, channel=_channel(login))
                account = None
            code = new_code()
            now = self._clock.now()
            login_key = self._macs.login_key(login)
            salt = secrets.token_hex(16)
            self._codes.save(
                ResetCode(
                    login_key=login_key,
                    account_id=account.account_id if account is not None else None,
                    code_hash=self._macs.code_hash(login_key, salt, code),
                    salt=salt,
                    attempts=0,
                    issued_at=now,
                    expires_at=epoch_seconds(now + CODE_VALIDITY),
                )
            )
            if account is None:
                audit("password_reset_requested", known_login=False, login=mask_login(login.value))
                return
            audit("password_reset_requested", account_id=account.account_id, channel=_channel(login))
            self._send(
                [Recipient(_channel(login), login.value, account.language)],
                CODE_TEMPLATE,
                {
                    "code": code,
                    "valid_minutes": int(CODE_VALIDITY.total_seconds() // 60),
                    "support_contact": self._support_contact,
                },
                account.account_id,
            )

    # ---- POST /password-reset/confirm ----------------------------------------------------------------------

    def confirm(self, raw_login: object, raw_code: object, new_password: object, source_ip: str) -> None:
        """Verify the code, then store the new password, end every session and notify the customer. Never logs in."""
        self._hit(CONFIRM_PER_IP, source_ip)
        login = parse_login(raw_login)
        if raw_code is None or raw_code == "":
            raise InvalidInput("missing_field", field="code", details={"field": "code"})
        if not isinstance(new_password, str) or not new_password:
            raise InvalidInput("missing_field", field="new_password", details={"field": "new_password"})
        # Account-independent rules first (see module docstring): nothing about any account is revealed.
        passwords.check_new_password(new_password)
        code = normalize_code(raw_code)
        if code is None:  # cannot be right: no attempt spent, same answer as a wrong code
            audit("password_reset_failed", reason="malformed_code", login=mask_login(login.value))
            raise InvalidInput(INVALID_CODE)

        login_key = self._macs.login_key(login)
        now = self._clock.now()
        record = self._codes.register_attempt(login_key, epoch_seconds(now), MAX_ATTEMPTS)
        if record is None:
            self._audit_no_live_code(login, login_key, now)
            raise InvalidInput(INVALID_CODE)
        if not hmac.compare_digest(record.code_hash, self._macs.code_hash(login_key, record.salt, code)):
            if record.attempts >= MAX_ATTEMPTS:
                audit("password_reset_locked", account_id=record.account_id, attempts=record.attempts)
            else:
                audit(
                    "password_reset_failed", account_id=record.account_id, reason="wrong_code", attempts=record.attempts
                )
            raise InvalidInput(INVALID_CODE)
        account = self._accounts.get(record.account_id) if record.account_id else None
        if account is None:  # the stand-in of a login without account (or an account deleted since)
            audit("password_reset_failed", reason="unknown_login", login=mask_login(login.value))
            raise InvalidInput(INVALID_CODE)

        try:
            password = passwords.check_new_password(
                new_password,
                personal=[account.email, account.phone, account.display_name],
                current_hash=account.password_hash,
            )
        except passwords.PasswordRejected as rejected:
            audit("password_reset_failed", account_id=account.account_id, reason=rejected.code)
            raise
        changed_at = self._clock.now()
        if not self._codes.consume(login_key, record.code_hash, changed_at, epoch_seconds(changed_at)):
            audit("password_reset_failed", account_id=account.account_id, reason="code_used_concurrently")
            raise InvalidInput(INVALID_CODE)
        version = self._accounts.change_password(account, passwords.hash_password(password), changed_at)
        audit("password_reset_succeeded", account_id=account.account_id, password_version=version)
        recipients = verified_recipients(account, account.language)
        self._send(
            recipients,
            CHANGED_TEMPLATE,
            {"changed_at": china_time(changed_at), "support_contact": self._support_contact},
            account.account_id,
        )

    # ---- helpers -------------------------------------------------------------------------------------------

    def _hit(self, limit: Limit, subject: str, **fields: object) -> None:
        try:
            self._limiter.hit(limit, subject)
        except RateLimited as limited:
            audit("password_reset_rate_limited", scope=limit.scope, retry_after=limited.retry_after, **fields)
            raise

    def _audit_no_live_code(self, login: Login, login_key: str, now: datetime) -> None:
        """Say in the audit trail why there was no live code (replay, expiry, lock-out); the caller hears none of it."""
        record = self._codes.get(login_key)
        if record is None:
            audit("password_reset_failed", reason="no_code", login=mask_login(login.value))
        elif record.used_at is not None:
            audit("password_reset_failed", account_id=record.account_id, reason="code_already_used")
        elif record.expires_at <= epoch_seconds(now):
            audit("password_reset_failed", account_id=record.account_id, reason="code_expired")
        else:
            audit("password_reset_failed", account_id=record.account_id, reason="code_burned", attempts=record.attempts)

    def _send(self, recipients: list[Recipient], template: str, context: dict, account_id: str) -> None:
        for recipient in recipients:
            try:
                self._notifier.send(recipient, template, context)
            except Exception:  # noqa: BLE001 - the answer must not depend on delivery (enumeration); logged
                logger.exception("reset notification failed", extra={"account_id": account_id, "template": template})
                audit(
                    "password_reset_notification_failed",
                    account_id=account_id,
                    template=template,
                    channel=recipient.channel,
                )


def _channel(login: Login) -> str:
    return "email" if login.kind == "email" else "sms"
