"""Typed settings read from environment variables once per cold start.

Every function gets only the variables it needs (see template.yaml); a setting that a function uses but was not
given fails loudly with the variable's name instead of a KeyError deep in a request.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache


class ConfigurationError(RuntimeError):
    """A required environment variable is missing or malformed (a deployment bug, never the caller's fault)."""


@dataclass(frozen=True)
class Settings:
    region: str = "us-east-1"
    stage: str = "local"
    default_language: str = "zh-CN"
    # Tables (names come from template.yaml through !Ref; empty when the function was not given the table)
    accounts_table: str = ""
    account_logins_table: str = ""
    orders_table: str = ""
    rate_limits_table: str = ""
    tickets_table: str = ""
    ticket_messages_table: str = ""
    ticket_queue_table: str = ""
    ticket_audit_table: str = ""
    # Secrets and identity
    token_secret_id: str = ""
    token_ttl_seconds: int = 3600
    token_issuer: str = "support-desk"
    # Argon2id cost; defaults are OWASP's recommended m=19 MiB, t=2, p=1 (cheap enough for 512 MB Lambdas)
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    # Mail
    mail_from: str = ""
    support_contact: str = ""
    # Inbound mail (tickets by e-mail): the bucket SES stores raw messages in
    mail_bucket: str = ""
    support_inbox: str = ""  # where customers write to open or answer a ticket by e-mail (the SES receipt rule's recipient)
    # Password reset: the codes table, the HMAC key for codes, and the constant response time of a code request
    reset_codes_table: str = ""
    reset_code_secret_id: str = ""
    reset_response_floor_ms: int = 1500
    # Business hours of the human desk (tickets): daily hours, their time zone, the holiday calendar
    # (ISO country code of the `holidays` library; empty or "none" = no public holidays) and extra dates
    business_hours: str = "09:00-21:00"
    business_timezone: str = "Asia/Shanghai"
    holiday_country: str = "CN"
    extra_holidays: str = ""  # comma-separated ISO dates on which the desk stays closed
    extra_workdays: str = ""  # comma-separated ISO dates on which the desk opens even on a holiday

    def require(self, name: str) -> str:
        value = getattr(self, name)
        if not value:
            raise ConfigurationError(f"setting {name} ({name.upper()}) is not configured for this function")
        return value


_ENV = {
    "region": "AWS_REGION",
    "stage": "STAGE",
    "default_language": "DEFAULT_LANGUAGE",
    "accounts_table": "ACCOUNTS_TABLE",
    "account_logins_table": "ACCOUNT_LOGINS_TABLE",
    "orders_table": "ORDERS_TABLE",
    "rate_limits_table": "RATE_LIMITS_TABLE",
    "tickets_table": "TICKETS_TABLE",
    "ticket_messages_table": "TICKET_MESSAGES_TABLE",
    "ticket_queue_table": "TICKET_QUEUE_TABLE",
    "ticket_audit_table": "TICKET_AUDIT_TABLE",
    "token_secret_id": "TOKEN_SECRET_ID",
    "token_ttl_seconds": "TOKEN_TTL_SECONDS",
    "token_issuer": "TOKEN_ISSUER",
    "argon2_time_cost": "ARGON2_TIME_COST",
    "argon2_memory_kib": "ARGON2_MEMORY_KIB",
    "argon2_parallelism": "ARGON2_PARALLELISM",
    "mail_from": "MAIL_FROM",
    "support_contact": "SUPPORT_CONTACT",
    "mail_bucket": "MAIL_BUCKET",
    "support_inbox": "SUPPORT_INBOX",
    "reset_codes_table": "RESET_CODES_TABLE",
    "reset_code_secret_id": "RESET_CODE_SECRET_ID",
    "reset_response_floor_ms": "RESET_RESPONSE_FLOOR_MS",
    "business_hours": "BUSINESS_HOURS",
    "business_timezone": "BUSINESS_TIMEZONE",
    "holiday_country": "HOLIDAY_COUNTRY",
    "extra_holidays": "EXTRA_HOLIDAYS",
    "extra_workdays": "EXTRA_WORKDAYS",
}


def load_settings(environ: dict | None = None) -> Settings:
    """Build Settings from an environment mapping; validates types and allowed values."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    values: dict[str, object] = {}
    for f in fields(Settings):
        var = _ENV[f.name]
        default = getattr(defaults, f.name)
        if isinstance(default, int):
            raw = env.get(var)
            try:
                values[f.name] = default if raw in (None, "") else int(raw)
            except ValueError as exc:
                raise ConfigurationError(f"{var} must be an integer, got {raw!r}") from exc
        else:
            values[f.name] = env.get(var) or default
    if values["default_language"] not in ("zh-CN", "en"):
        raise ConfigurationError("DEFAULT_LANGUAGE must be zh-CN or en")
    if (env.get("HOLIDAY_COUNTRY") or "none").strip().lower() == "none" and "HOLIDAY_COUNTRY" in env:
        values["holiday_country"] = ""  # set but empty (or "none"): no public holidays
    settings = Settings(**values)
    from supportdesk.tickets.hours import BusinessHours  # parsing lives with what it configures; stdlib-only import

    BusinessHours.from_settings(settings)  # raises ConfigurationError naming the malformed variable
    return settings


def container_key() -> str:
    """The function whose container this code runs in, for caches that hold "once per container" state.

    In Lambda a process hosts one function, so the key never changes and each cache holds one entry. The local
    stack hosts every function in one process and gives each invoke only its own environment (local/lambdas.py):
    keyed this way, a function never sees settings or adapters built from another function's variables."""
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")


@lru_cache(maxsize=None)
def _settings_of(container: str) -> Settings:
    return load_settings()


def get_settings() -> Settings:
    return _settings_of(container_key())


def reset_settings() -> None:
    """Forget the cached settings (tests and the local stack change the environment)."""
    _settings_of.cache_clear()


__all__ = ["ConfigurationError", "Settings", "container_key", "get_settings", "load_settings", "reset_settings"]
