"""Storage of reset codes. The port is what the service needs; DynamoResetCodeRepository is the DynamoDB adapter
(one key-based call per method, state changes guarded by condition expressions so that concurrent confirmations
can neither exceed the attempt budget nor use one code twice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from supportdesk.dal.reset_codes import ResetCodeModel
from supportdesk.dal.reset_codes import ResetCodeModel as M  # short name for the conditions below
from supportdesk.dal.transactions import conditional_update


@dataclass(frozen=True)
class ResetCode:
    login_key: str  # keyed hash of the normalized login
    account_id: str | None  # None: stand-in written for a login without an account
    code_hash: str
    salt: str
    attempts: int
    issued_at: datetime
    expires_at: int  # epoch seconds; the code is valid while now < expires_at
    used_at: datetime | None = None


class ResetCodeRepository(Protocol):
    def save(self, code: ResetCode) -> None:
        """Store `code` as the login's only code, replacing any older one."""

    def register_attempt(self, login_key: str, now: int, max_attempts: int) -> ResetCode | None:
        """Atomically count one confirmation attempt, but only on a live code (exists, not used, not expired at
        `now`, fewer than `max_attempts` attempts so far). Returns the code after counting, or None if none is live."""

    def get(self, login_key: str) -> ResetCode | None:
        """The stored code, live or not (to say in the audit trail why a confirmation failed)."""

    def consume(self, login_key: str, code_hash: str, used_at: datetime, now: int) -> bool:
        """Mark the code used if it is still the same, unused and unexpired code; False if another request won."""


class DynamoResetCodeRepository:
    def save(self, code: ResetCode) -> None:
        ResetCodeModel(
            code.login_key,
            account_id=code.account_id,
            code_hash=code.code_hash,
            salt=code.salt,
            attempts=code.attempts,
            issued_at=code.issued_at,
            expires_at=code.expires_at,
        ).save()

    def register_attempt(self, login_key: str, now: int, max_attempts: int) -> ResetCode | None:
        item = M(login_key)
        live = M.code_hash.exists() & M.used_at.does_not_exist() & (M.expires_at > now) & (M.attempts < max_attempts)
        return _to_code(item) if conditional_update(item, [M.attempts.add(1)], live) else None

    def get(self, login_key: str) -> ResetCode | None:
        try:
            return _to_code(ResetCodeModel.get(login_key, consistent_read=True))
        except ResetCodeModel.DoesNotExist:
            return None

    def consume(self, login_key: str, code_hash: str, used_at: datetime, now: int) -> bool:
        same_live_code = (M.code_hash == code_hash) & M.used_at.does_not_exist() & (M.expires_at > now)
        return conditional_update(M(login_key), [M.used_at.set(used_at)], same_live_code)


def _to_code(item) -> ResetCode:
    return ResetCode(
        login_key=item.login_key,
        account_id=item.account_id,
        code_hash=item.code_hash,
        salt=item.salt,
        attempts=int(item.attempts),
        issued_at=item.issued_at,
        expires_at=int(item.expires_at),
        used_at=item.used_at,
    )
