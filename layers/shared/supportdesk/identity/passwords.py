"""One password rule set, shared by sign-up and password reset, after NIST SP 800-63B §3.1.1.2:
length counted in characters (so Chinese passphrases work), 8..128, no composition rules, no common or guessable
passwords (zxcvbn, fed with the account's own e-mail/phone/name), not the current password.
Hashing is argon2id with the cost from Settings."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Iterable

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from supportdesk.errors import InvalidInput
from supportdesk.settings import container_key, get_settings

MIN_LENGTH = 8
MAX_LENGTH = 128
MIN_ZXCVBN_SCORE = 3  # "safely unguessable": resists an online attack and slows an offline one


class PasswordRejected(InvalidInput):
    """The reason is the error code: password_too_short, password_too_common, ..."""


def normalize(password: str) -> str:
    # NFKC so that the same passphrase typed on different keyboards (full-width vs half-width) is the same secret.
    return unicodedata.normalize("NFKC", password)


def _personal_fragments(personal: Iterable[str | None]) -> list[str]:
    fragments: list[str] = []
    for value in personal:
        if not value:
            continue
        lowered = value.lower()
        fragments.append(lowered)
        if "@" in lowered:
            local = lowered.split("@", 1)[0]
            fragments.extend(part for part in re.split(r"[._+\-]", local) + [local] if len(part) >= 4)
        digits = re.sub(r"\D", "", lowered)
        if len(digits) >= 7:
            fragments.extend({digits, digits[-8:], digits[-11:]})
    return [f for f in fragments if len(f) >= 4]


def check_new_password(
    password: object, *, personal: Iterable[str | None] = (), current_hash: str | None = None
) -> str:
    """Return the normalized password if it may be used, else raise PasswordRejected saying why."""
    if not isinstance(password, str):
        raise InvalidInput("missing_field", field="password", details={"field": "password"})
    candidate = normalize(password)
    length = len(candidate)
    if length < MIN_LENGTH:
        raise PasswordRejected("password_too_short", min=MIN_LENGTH, details={"reason": "too_short", "min": MIN_LENGTH})
    if length > MAX_LENGTH:
        raise PasswordRejected("password_too_long", max=MAX_LENGTH, details={"reason": "too_long", "max": MAX_LENGTH})
    fragments = _personal_fragments(personal)
    lowered = candidate.lower()
    if any(fragment in lowered for fragment in fragments):
        raise PasswordRejected("password_contains_personal_info", details={"reason": "contains_personal_info"})
    from zxcvbn import zxcvbn  # deferred: its dictionaries take a moment to load

    strength = zxcvbn(candidate, user_inputs=fragments)
    if strength["score"] < MIN_ZXCVBN_SCORE:
        raise PasswordRejected("password_too_common", details={"reason": "too_common", "score": strength["score"]})
    if current_hash and verify_password(current_hash, candidate):
        raise PasswordRejected("password_same_as_current", details={"reason": "same_as_current"})
    return candidate


def _hasher():
    return _hasher_of(container_key())


@lru_cache(maxsize=None)
def _hasher_of(container: str) -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(
        time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib, parallelism=s.argon2_parallelism, type=Type.ID
    )


def hash_password(password: str) -> str:
    return _hasher().hash(normalize(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, normalize(password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


def dummy_hash() -> str:
    """A hash to verify against when the login does not exist, so both paths cost one argon2 verification."""
    return _dummy_hash_of(container_key())


@lru_cache(maxsize=None)
def _dummy_hash_of(container: str) -> str:
    return _hasher().hash("not-a-real-password-just-for-timing")


def reset_hasher() -> None:
    _hasher_of.cache_clear()
    _dummy_hash_of.cache_clear()
