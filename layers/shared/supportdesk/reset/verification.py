"""Contact-point verification: a new account's e-mail address and phone number receive a one-time code at sign-up,
and `POST /accounts/verify` with that code marks them verified.

Until then a contact point receives nothing but that code: no reset code, no password-change notice, no ticket
reply, and inbound e-mail from an unverified address is not mapped to the account (supportdesk.reset.verification
.is_verified is the one test every sender uses). This stops someone from signing up with another person's address
to read that person's later support e-mail, and stops SMS pumping through unverified numbers.

The codes reuse the password-reset machinery (supportdesk.reset): the same code store, table and HMAC key, six
CSPRNG digits valid for 10 minutes, five attempts counted atomically, consumed once; items are keyed by a keyed hash
of the login under a separate label, so a verification code can never confirm a password reset or the reverse.
Accounts stored before verification existed carry no `unverified` attribute and count as verified.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Callable

from supportdesk.clock import Clock, epoch_seconds
from supportdesk.errors import InvalidInput
from supportdesk.identity.contacts import is_verified, verified_recipients
from supportdesk.identity.logins import Login, parse_login
from supportdesk.notify.notifier import Notifier, Recipient
from supportdesk.observability import audit, logger, mask_login
from supportdesk.ratelimit import Limit, RateLimiter
from supportdesk.reset.repository import ResetCode, ResetCodeRepository
from supportdesk.reset.service import CODE_VALIDITY, MAX_ATTEMPTS, CodeMacs, new_code, normalize_code

CODE_TEMPLATE = "contact_verification_code"
INVALID_CODE = "invalid_verification_code"
VERIFY_PER_IP = Limit("verify-ip", max_hits=30, window_seconds=900)
RESEND_PER_LOGIN = Limit("verify-resend-login", max_hits=5, window_seconds=3600)
CHANNELS = {"email": "email", "phone": "sms"}  # login kind -> notification channel


class ContactVerification:
    def __init__(
        self,
        codes: ResetCodeRepository,
        accounts,
        notifier: Notifier,
        limiter: RateLimiter,
        clock: Clock,
        key: Callable[[], str],
        support_contact: str,
    ) -> None:
        self._codes = codes
        self._accounts = accounts
        self._notifier = notifier
        self._limiter = limiter
        self._clock = clock
        self._macs = CodeMacs(key, "verify")  # the reset codes' construction under labels of its own
        self._support_contact = support_contact

    def send_code(self, account, login: Login) -> None:
        """Store a new code for `login` (replacing an older one) and send it there."""
        code = new_code()
        now = self._clock.now()
        login_key = self._macs.login_key(login)
        salt = secrets.token_hex(16)
        self._codes.save(
            ResetCode(
                login_key=login_key,
                account_id=account.account_id,
                code_hash=self._macs.code_hash(login_key, salt, code),
                salt=salt,
                attempts=0,
                issued_at=now,
                expires_at=epoch_seconds(now + CODE_VALIDITY),
            )
        )
        try:
            self._notifier.send(
                Recipient(CHANNELS[login.kind], login.value, account.language),
                CODE_TEMPLATE,
                {
                    "code": code,
                    "valid_minutes": int(CODE_VALIDITY.total_seconds() // 60),
                    "support_contact": self._support_contact,
                },
            )
        except Exception:  # noqa: BLE001 - the account exists either way; a new code can be requested
            logger.exception("verification code not sent", extra={"account_id": account.account_id})
            audit("contact_verification_notification_failed", account_id=account.account_id, kind=login.kind)
            return
        audit("contact_verification_sent", account_id=account.account_id, kind=login.kind)

    def resend(self, raw_login: object, source_ip: str) -> None:
        """A new code for a login that is still unverified; the same silence for any other login."""
        self._limiter.hit(VERIFY_PER_IP, source_ip)
        login = parse_login(raw_login)
        self._limiter.hit(RESEND_PER_LOGIN, login.value)
        account = self._accounts.find_by_login(login.value)
        if account is not None and not is_verified(account, login.kind):
            self.send_code(account, login)
        else:
            audit("contact_verification_resend_ignored", login=mask_login(login.value))

    def verify(self, raw_login: object, raw_code: object, source_ip: str) -> None:
        """Mark the login's contact point verified if `raw_code` is its live code; InvalidInput otherwise."""
        self._limiter.hit(VERIFY_PER_IP, source_ip)
        login = parse_login(raw_login)
        if raw_code is None or raw_code == "":
            raise InvalidInput("missing_field", field="code", details={"field": "code"})
        code = normalize_code(raw_code)
        if code is None:
            raise InvalidInput(INVALID_CODE)
        login_key = self._macs.login_key(login)
        now = self._clock.now()
        record = self._codes.register_attempt(login_key, epoch_seconds(now), MAX_ATTEMPTS)
        if record is None or not hmac.compare_digest(
            record.code_hash, self._macs.code_hash(login_key, record.salt, code)
        ):
            audit(
                "contact_verification_failed",
                login=mask_login(login.value),
                attempts=None if record is None else record.attempts,
            )
            raise InvalidInput(INVALID_CODE)
        if not self._codes.consume(login_key, record.code_hash, now, epoch_seconds(now)):
            raise InvalidInput(INVALID_CODE)
        if not self._accounts.mark_verified(record.account_id, login.kind):
            raise InvalidInput(INVALID_CODE)  # the account was deleted since
        audit("contact_verified", account_id=record.account_id, kind=login.kind)


__all__ = ["ContactVerification", "INVALID_CODE", "is_verified", "verified_recipients"]
