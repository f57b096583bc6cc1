"""Paying refunds out: the PaymentProvider port and its adapters.

`refund(charge_ref, amount_cents, currency, idempotency_key)` returns the provider's payout id. The refund id is the
idempotency key: a payout retried after a timeout or a crash is recognised by the provider and never paid twice.
Errors are sorted into two kinds, and the review workflow treats them differently:
- PaymentTransientError (network trouble, rate limits, the provider's 5xx): retried with backoff;
- PaymentPermanentError (the charge cannot be refunded, bad credentials, a rejected request): no retry; the case
  ends in payout_failed with its amount still reserved, and staff are alerted.
The class names are the Lambda error types the state machine's Retry/Catch name (statemachines/refund_review.asl.json).

Adapters: StripePaymentProvider (stripe_provider.py, the official SDK) and SimulatedPaymentProvider (here: make run
and the tests; records payouts and can be told to fail)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol


class PaymentTransientError(Exception):
    """Worth retrying: the provider may well succeed later."""


class PaymentPermanentError(Exception):
    """Retrying cannot help; a person must look. `code` is the provider's reason, safe to show staff."""

    def __init__(self, code: str, message: str = "") -> None:
        self.code = code
        super().__init__(f"{code}: {message}" if message else code)


@dataclass(frozen=True)
class ChargeRef:
    provider: str
    charge_id: str


class PaymentProvider(Protocol):
    def refund(self, charge: ChargeRef, amount_cents: int, currency: str, idempotency_key: str) -> str:
        """Pay `amount_cents` back to the charge; returns the provider's refund id. Same key -> same refund."""


@dataclass
class SimulatedPayout:
    payout_id: str
    idempotency_key: str
    charge_id: str
    amount_cents: int
    currency: str
    at: str
    calls: int = 1  # how many times the same key was asked for (replays return the first payout)


@dataclass
class PaymentSimulator:
    """A payment provider in memory. Shared by every function of one process (the local stack runs them all in one
    process), so `GET /_local/payments` sees what the payout task paid."""

    payouts: dict[str, SimulatedPayout] = field(default_factory=dict)
    attempts: list[dict] = field(default_factory=list)
    transient_failures: int = 0
    permanent_failure: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fail_transiently(self, times: int) -> None:
        with self._lock:
            self.transient_failures = times

    def fail_permanently(self, code: str | None = "charge_already_refunded") -> None:
        with self._lock:
            self.permanent_failure = code

    def reset(self) -> None:
        with self._lock:
            self.payouts.clear()
            self.attempts.clear()
            self.transient_failures = 0
            self.permanent_failure = None

    def refund(self, charge: ChargeRef, amount_cents: int, currency: str, idempotency_key: str) -> str:
        with self._lock:
            at = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
            attempt = {
                "idempotency_key": idempotency_key,
                "charge_id": charge.charge_id,
                "amount_cents": amount_cents,
                "at": at,
            }
            if self.permanent_failure:
                self.attempts.append({**attempt, "outcome": f"permanent:{self.permanent_failure}"})
                raise PaymentPermanentError(self.permanent_failure, "the simulator was told to refuse")
            if self.transient_failures > 0:
                self.transient_failures -= 1
                self.attempts.append({**attempt, "outcome": "transient"})
                raise PaymentTransientError("simulated network timeout")
            existing = self.payouts.get(idempotency_key)
            if existing is not None:
                if (existing.charge_id, existing.amount_cents) != (charge.charge_id, amount_cents):
                    self.attempts.append({**attempt, "outcome": "permanent:idempotency_key_reused"})
                    raise PaymentPermanentError("idempotency_key_reused", "same key, different refund")
                existing.calls += 1
                self.attempts.append({**attempt, "outcome": "replayed"})
                return existing.payout_id
            payout = SimulatedPayout(
                f"re_sim_{uuid.uuid4().hex[:16]}", idempotency_key, charge.charge_id, amount_cents, currency, at
            )
            self.payouts[idempotency_key] = payout
            self.attempts.append({**attempt, "outcome": "paid"})
            return payout.payout_id

    def as_dict(self) -> dict:
        with self._lock:
            return {
                "payouts": [vars(p).copy() for p in self.payouts.values()],
                "attempts": list(self.attempts),
                "transient_failures_pending": self.transient_failures,
                "permanent_failure": self.permanent_failure,
            }


SIMULATOR = PaymentSimulator()
