"""Sign-up and login. Plain Python: the repository, token service, rate limiter and clock are passed in."""

from __future__ import annotations

import secrets
from contextlib import nullcontext
from dataclasses import dataclass
from typing import ContextManager, Protocol

from supportdesk.clock import Clock
from supportdesk.errors import Conflict, InvalidInput, RateLimited, Unauthorized
from supportdesk.i18n import LANGUAGES
from supportdesk.identity import passwords
from supportdesk.identity.logins import Login, normalize_email, normalize_phone, parse_login
from supportdesk.identity.model import Account
from supportdesk.identity.repository import AccountRepository
from supportdesk.identity.tokens import TokenClaims, TokenService
from supportdesk.identity.contacts import is_verified
from supportdesk.notify.notifier import Notifier, Recipient
from supportdesk.observability import audit, logger
from supportdesk.ratelimit import Limit, RateLimiter
from supportdesk.roles import Role
from supportdesk.text import single_line

# Login limits count failed attempts only, so that nobody can lock an owner out by trying their login:
# - per client (login + source IP), tight: 5 failures in 15 minutes, then that client waits for the window's end;
# - per login from every client, loose: after 10 failures a client that has failed on this login too waits
#   2, 4, 8... seconds (at most 5 minutes) after the latest failure; a client with no recent failure on the login
#   (the owner on their usual device) still has its password checked, so a correct one logs in;
# - per source IP over all logins: 50 failures in 15 minutes (credential stuffing from one address).
LOGIN_FAILURES_PER_CLIENT = Limit("login-fail-client", max_hits=5, window_seconds=900)
LOGIN_FAILURES_PER_LOGIN = Limit("login-fail-login", max_hits=10, window_seconds=900)
LOGIN_FAILURES_PER_IP = Limit("login-fail-ip", max_hits=50, window_seconds=900)
LOGIN_MAX_DELAY_SECONDS = 300
SIGNUP_PER_IP = Limit("signup-ip", max_hits=20, window_seconds=3600)
SIGNUP_NOTICE_PER_LOGIN = Limit("signup-notice-login", max_hits=1, window_seconds=3600)
SIGN_UP_ATTEMPTED = "sign_up_attempted"
CHANNELS = {"email": "email", "phone": "sms"}  # login kind -> notifier channel


class CodeSender(Protocol):
    """Sends a contact point its verification code (supportdesk.reset.verification.ContactVerification)."""

    def send_code(self, account: Account, login: Login) -> None: ...


class Pacer(Protocol):
    """Makes a block last at least a fixed time (supportdesk.reset.service.ResponsePacer)."""

    def at_least(self) -> ContextManager[object]: ...


class _NoPace:
    def at_least(self) -> ContextManager[object]:
        return nullcontext()


@dataclass(frozen=True)
class SignUp:
    email: str | None
    phone: str | None
    password: str
    language: str
    display_name: str | None = None


def parse_sign_up(body: dict) -> SignUp:
    email = body.get("email")
    phone = body.get("phone")
    login = body.get("login")
    if login and not (email or phone):
        parsed = parse_login(login)
        email, phone = (parsed.value, None) if parsed.kind == "email" else (None, parsed.value)
    if not email and not phone:
        raise InvalidInput("invalid_login", details={"field": "email|phone"})
    if email is not None and not isinstance(email, str) or phone is not None and not isinstance(phone, str):
        raise InvalidInput("invalid_login")
    language = body.get("language", "zh-CN")
    if language not in LANGUAGES:
        raise InvalidInput("invalid_language", details={"field": "language", "allowed": list(LANGUAGES)})
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 100):
        raise InvalidInput("invalid_field", field="name", details={"field": "name"})
    password = body.get("password")
    if not isinstance(password, str):
        raise InvalidInput("missing_field", field="password", details={"field": "password"})
    return SignUp(
        email=normalize_email(email) if email else None,
        phone=normalize_phone(phone) if phone else None,
        password=password,
        language=language,
        display_name=single_line(name) or None if name else None,
    )


class IdentityService:
    def __init__(
        self,
        accounts: AccountRepository,
        tokens: TokenService,
        limiter: RateLimiter,
        clock: Clock,
        *,
        verification: CodeSender | None = None,
        notifier: Notifier | None = None,
        pacer: Pacer | None = None,
        support_contact: str = "",
    ) -> None:
        self._accounts = accounts
        self._tokens = tokens
        self._limiter = limiter
        self._clock = clock
        # Sign-up only (login needs none of them)
        self._verification = verification
        self._notifier = notifier
        self._pacer: Pacer = pacer or _NoPace()
        self._support_contact = support_contact

    def sign_up(
        self, request: SignUp, source_ip: str, role: Role | str = Role.CUSTOMER, *, verified: bool = False
    ) -> Account | None:
        """Create the account and send a verification code to each contact point; returns the account, or None when
        a login is taken. The caller answers both cases alike (202): the owner of a taken login is told by a message
        to their verified contact point instead, and the pacer makes both paths last as long (ResponsePacer, as the
        password reset does). `verified` is for accounts whose contact points are known to be theirs (demo data)."""
        try:
            role = Role(role)
        except ValueError:
            raise InvalidInput("invalid_field", field="role") from None
        self._limiter.hit(SIGNUP_PER_IP, source_ip)
        password = passwords.check_new_password(
            request.password, personal=[request.email, request.phone, request.display_name]
        )
        now = self._clock.now()
        logins = [Login(kind, value) for kind, value in (("email", request.email), ("phone", request.phone)) if value]
        account = Account(
            f"acc_{secrets.token_hex(10)}",
            role=role,
            email=request.email,
            phone=request.phone,
            display_name=request.display_name,
            language=request.language,
            password_hash=passwords.hash_password(password),
            password_version=1,
            password_changed_at=now,
            created_at=now,
            unverified=None if verified else frozenset(login.kind for login in logins),
        )
        with self._pacer.at_least():
            try:
                self._accounts.create(account)
            except Conflict:
                self._tell_owners(logins)
                return None
            audit("account_created", account_id=account.account_id, role=role.value)
            if not verified and self._verification is not None:
                for login in logins:
                    self._verification.send_code(account, login)
        return account

    def _tell_owners(self, logins: list[Login]) -> None:
        """Someone signed up with a login that has an account: tell its owner there (verified contact points only,
        at most once an hour per login, so this cannot be used to flood anyone)."""
        for login in logins:
            owner = self._accounts.find_by_login(login.value)
            if owner is None:
                continue
            audit("sign_up_login_taken", account_id=owner.account_id, kind=login.kind)
            if self._notifier is None or not is_verified(owner, login.kind):
                continue
            try:
                self._limiter.hit(SIGNUP_NOTICE_PER_LOGIN, login.value)
            except RateLimited:
                continue
            try:
                self._notifier.send(
                    Recipient(CHANNELS[login.kind], login.value, owner.language),
                    SIGN_UP_ATTEMPTED,
                    {"support_contact": self._support_contact},
                )
            except Exception:  # noqa: BLE001 - the answer must not depend on delivery
                logger.exception("sign-up notice not sent", extra={"account_id": owner.account_id})

    def login(self, raw_login: object, password: object, source_ip: str) -> dict:
        login: Login = parse_login(raw_login)
        if not isinstance(password, str) or not password:
            raise InvalidInput("missing_field", field="password", details={"field": "password"})
        checks = [
            (LOGIN_FAILURES_PER_IP, source_ip),
            (LOGIN_FAILURES_PER_CLIENT, f"{login.value}|{source_ip}"),
            (LOGIN_FAILURES_PER_LOGIN, login.value),
        ]
        self._refuse_throttled_client(*self._limiter.counts(checks))
        account, failure = None, {"reason": "password_too_long"}
        if len(password) <= passwords.MAX_LENGTH * 4:  # never feed megabytes to argon2
            account = self._accounts.find_by_login(login.value)
            if account is None:
                passwords.verify_password(passwords.dummy_hash(), password)  # same cost as a wrong password
                failure = {"reason": "unknown_login"}
            elif not passwords.verify_password(account.password_hash, password):
                failure = {"reason": "wrong_password", "account_id": account.account_id}
                account = None
        if account is None:
            for limit, subject in checks:
                self._limiter.record(limit, subject)
            audit("login_failed", **failure)
            raise Unauthorized("invalid_credentials")
        if passwords.needs_rehash(account.password_hash):
            self._accounts.update_hash(account, passwords.hash_password(password))
        token, expires_in = self._tokens.issue(
            TokenClaims(account.account_id, account.role.value, account.language, account.password_version)
        )
        audit("login_succeeded", account_id=account.account_id)
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "account": public_account(account),
        }

    def _refuse_throttled_client(self, by_ip, by_client, by_login) -> None:
        """429 for a client that failed too often; see the LOGIN_FAILURES_* limits for the rules."""
        if by_ip.hits >= LOGIN_FAILURES_PER_IP.max_hits:
            self._throttled("ip", self._limiter.window_left(LOGIN_FAILURES_PER_IP))
        if by_client.hits >= LOGIN_FAILURES_PER_CLIENT.max_hits:
            self._throttled("client", self._limiter.window_left(LOGIN_FAILURES_PER_CLIENT))
        if by_client.hits and by_login.hits >= LOGIN_FAILURES_PER_LOGIN.max_hits and by_login.last_at is not None:
            excess = by_login.hits - LOGIN_FAILURES_PER_LOGIN.max_hits
            delay = min(2 ** min(excess + 1, 16), LOGIN_MAX_DELAY_SECONDS)
            wait = by_login.last_at + delay - int(self._clock.now().timestamp())
            if wait > 0:
                self._throttled("login", wait)

    @staticmethod
    def _throttled(scope: str, retry_after: int) -> None:
        audit("login_throttled", scope=scope)
        raise RateLimited(retry_after=retry_after)


def public_account(account: Account) -> dict:
    return {
        "id": account.account_id,
        "role": account.role.value,
        "email": account.email,
        "phone": account.phone,
        "name": account.display_name,
        "language": account.language,
    }
