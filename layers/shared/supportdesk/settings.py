"""Typed settings read from environment variables once per cold start.

Every function gets only the variables it needs (see template.yaml); a setting that a function uses but was not
given fails loudly with the variable's name instead of a KeyError deep in a request.

A settings class is a frozen dataclass whose field `foo_bar` is read from the variable FOO_BAR (the name is the
list: there is no second one to keep in step). `Settings` here holds what the shared layer itself needs (tables,
tokens, password hashing, the sender address); each domain owns its own class beside its code
(`supportdesk.tickets.settings.TicketSettings`, `supportdesk.reset.settings.ResetSettings`) and validates its own
values in `__post_init__`, so this module never imports a domain.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Mapping, TypeVar

from supportdesk.errors import ConfigurationError

T = TypeVar("T")
LANGUAGES = ("zh-CN", "en")


def variable(field_name: str) -> str:
    """The environment variable a settings field is read from."""
    return field_name.upper()


def load(cls: type[T], environ: Mapping[str, str] | None = None) -> T:
    """An instance of the settings dataclass `cls` from an environment mapping: an unset or empty variable keeps the
    field's default (unless the field's metadata gives an `if_empty` value for a variable set but empty), an integer
    field must parse as one; the class's own `__post_init__` checks allowed values."""
    env = os.environ if environ is None else environ
    defaults = cls()
    values: dict[str, object] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        name = variable(f.name)
        default = getattr(defaults, f.name)
        raw = env.get(name)
        if raw is not None and not raw.strip() and "if_empty" in f.metadata:
            values[f.name] = f.metadata["if_empty"]
            continue
        if isinstance(default, bool) or not isinstance(default, int):
            values[f.name] = raw or default
            continue
        try:
            values[f.name] = default if raw is None or raw == "" else int(raw)
        except ValueError as exc:
            raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc
    return cls(**values)


@lru_cache(maxsize=None)
def _settings_of(cls: type, container: str) -> object:
    return load(cls)


def settings_of(cls: type[T]) -> T:
    """The settings of `cls` for this container, read once (reset_settings() forgets them)."""
    return _settings_of(cls, container_key())  # type: ignore[return-value,arg-type]


@dataclass(frozen=True)
class Settings:
    aws_region: str = "us-east-1"
    stage: str = "local"
    default_language: str = "zh-CN"
    # The storefront's origin: the only origin the API's CORS headers allow (template parameter StorefrontOrigin)
    storefront_origin: str = ""
    # Tables (names come from template.yaml through !Ref; empty when the function was not given the table)
    accounts_table: str = ""
    account_logins_table: str = ""
    orders_table: str = ""
    rate_limits_table: str = ""
    tickets_table: str = ""
    ticket_messages_table: str = ""
    ticket_queue_table: str = ""
    ticket_audit_table: str = ""
    reset_codes_table: str = ""
    refunds_table: str = ""
    idempotency_table: str = ""  # answers to requests made with an Idempotency-Key (supportdesk.idempotency)
    mail_channel_table: str = ""  # the e-mail channel (supportdesk/dal/mail_channel.py)
    # Secrets and identity
    token_secret_id: str = ""
    token_ttl_seconds: int = 3600
    token_issuer: str = "support-desk"  # noqa: S105 - the JWT issuer claim, not a secret
    # Argon2id cost; defaults are OWASP's recommended m=19 MiB, t=2, p=1 (cheap enough for 512 MB Lambdas)
    argon2_time_cost: int = 2
    argon2_memory_kib: int = 19456
    argon2_parallelism: int = 1
    # Mail
    mail_from: str = ""
    ses_configuration_set: str = ""  # bounce and complaint events of the mail we send

    def __post_init__(self) -> None:
        if self.default_language not in LANGUAGES:
            raise ConfigurationError("DEFAULT_LANGUAGE must be zh-CN or en")

    def require(self, name: str) -> str:
        return require(self, name)


def require(settings: object, name: str) -> str:
    """A setting the calling code cannot work without: its value, or ConfigurationError naming the variable."""
    value = getattr(settings, name)
    if not value:
        raise ConfigurationError(f"setting {name} ({variable(name)}) is not configured for this function")
    return value


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The shared layer's Settings from an environment mapping; validates types and allowed values."""
    return load(Settings, environ)


def container_key() -> str:
    """The function whose container this code runs in, for caches that hold "once per container" state.

    In Lambda a process hosts one function, so the key never changes and each cache holds one entry. The local
    stack hosts every function in one process and gives each invoke only its own environment (local/lambdas.py):
    keyed this way, a function never sees settings or adapters built from another function's variables."""
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")


def get_settings() -> Settings:
    return settings_of(Settings)


def reset_settings() -> None:
    """Forget every cached settings object (tests and the local stack change the environment)."""
    _settings_of.cache_clear()


__all__ = [
    "ConfigurationError",
    "Settings",
    "container_key",
    "get_settings",
    "load",
    "load_settings",
    "require",
    "reset_settings",
    "settings_of",
]
