"""Sign-up and login. Plain Python: the repository, token service, rate limiter and clock are passed in."""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from supportdesk.clock import Clock
from supportdesk.errors import InvalidInput, Unauthorized
from supportdesk.i18n import LANGUAGES
from supportdesk.identity import passwords
from supportdesk.identity.logins import Login, normalize_email, normalize_phone, parse_login
from supportdesk.identity.model import Account
from supportdesk.identity.repository import AccountRepository
from supportdesk.identity.tokens import TokenClaims, TokenService
from supportdesk.observability import audit
from supportdesk.ratelimit import Limit, RateLimiter
from supportdesk.roles import Role

LOGIN_PER_IP = Limit("login-ip", max_hits=50, window_seconds=900)
LOGIN_PER_LOGIN = Limit("login-login", max_hits=10, window_seconds=900)
SIGNUP_PER_IP = Limit("signup-ip", max_hits=20, window_seconds=3600)


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
        display_name=name.strip() if name else None,
    )


class IdentityService:
    def __init__(self, accounts: AccountRepository, tokens: TokenService, limiter: RateLimiter, clock: Clock) -> None:
        self._accounts = accounts
        self._tokens = tokens
        self._limiter = limiter
        self._clock = clock

    def sign_up(self, request: SignUp, source_ip: str, role: Role | str = Role.CUSTOMER) -> Account:
        try:
            role = Role(role)
        except ValueError:
            raise InvalidInput("invalid_field", field="role") from None
        self._limiter.hit(SIGNUP_PER_IP, source_ip)
        password = passwords.check_new_password(
            request.password, personal=[request.email, request.phone, request.display_name]
        )
        now = self._clock.now()
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
        )
        self._accounts.create(account)
        audit("account_created", account_id=account.account_id, role=role.value)
        return account

    def login(self, raw_login: object, password: object, source_ip: str) -> dict:
        self._limiter.hit(LOGIN_PER_IP, source_ip)
        login: Login = parse_login(raw_login)
        self._limiter.hit(LOGIN_PER_LOGIN, login.value)
        if not isinstance(password, str) or not password:
            raise InvalidInput("missing_field", field="password", details={"field": "password"})
        if len(password) > passwords.MAX_LENGTH * 4:  # never feed megabytes to argon2
            raise Unauthorized("invalid_credentials")
        account = self._accounts.find_by_login(login.value)
        if account is None:
            passwords.verify_password(passwords.dummy_hash(), password)  # same cost as a wrong password
            audit("login_failed", reason="unknown_login")
            raise Unauthorized("invalid_credentials")
        if not passwords.verify_password(account.password_hash, password):
            audit("login_failed", account_id=account.account_id, reason="wrong_password")
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


def public_account(account: Account) -> dict:
    return {
        "id": account.account_id,
        "role": account.role.value,
        "email": account.email,
        "phone": account.phone,
        "name": account.display_name,
        "language": account.language,
    }
