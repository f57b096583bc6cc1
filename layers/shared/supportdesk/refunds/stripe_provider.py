"""The Stripe adapter of PaymentProvider, on the official `stripe` SDK (pinned in the layer).

- `Refund.create(charge=..., amount=..., metadata=...)` with `idempotency_key` = our refund id: Stripe replays the
  first answer for a key (for at least 24 hours) and refuses the same key with other parameters.
- The SDK's own network retries are on (it retries connection errors and 409/429/5xx with the same idempotency
  key); what still fails is sorted: connection errors, rate limits, 5xx and idempotency conflicts in flight ->
  PaymentTransientError; invalid requests (e.g. charge already refunded, amount too large), card/auth/permission
  errors -> PaymentPermanentError with Stripe's code.
- The secret key comes from Secrets Manager (StripeApiKeySecret) through Powertools Parameters, cached 5 minutes;
  it is never logged. `stripe` is imported on first use (it is not light)."""

from __future__ import annotations

from typing import Any, Callable

from supportdesk.refunds.payments import ChargeRef, PaymentPermanentError, PaymentTransientError

NETWORK_RETRIES = 2


class StripePaymentProvider:
    def __init__(
        self, api_key: Callable[[], str], http_client: Any = None, network_retries: int = NETWORK_RETRIES
    ) -> None:
        self._api_key = api_key
        self._http_client = http_client  # tests replace the SDK's HTTP client; None = the SDK's default
        self._network_retries = network_retries
        self._client: Any = None

    def _stripe(self) -> Any:
        if self._client is None:
            import stripe  # deferred: the Stripe SDK costs ~0.18 s of imports, paid only when Stripe pays out

            self._client = stripe.StripeClient(
                self._api_key(), http_client=self._http_client, max_network_retries=self._network_retries
            )
        return self._client

    def refund(self, charge: ChargeRef, amount_cents: int, currency: str, idempotency_key: str) -> str:
        import stripe  # deferred, as in _stripe

        params = {
            "charge": charge.charge_id,
            "amount": amount_cents,
            "metadata": {"support_refund_id": idempotency_key},
        }
        try:
            refund = self._stripe().v1.refunds.create(params=params, options={"idempotency_key": idempotency_key})
        except (stripe.APIConnectionError, stripe.RateLimitError) as error:
            raise PaymentTransientError(type(error).__name__) from None
        except stripe.IdempotencyError as error:
            raise PaymentPermanentError("idempotency_key_reused", _safe(error)) from None
        except (
            stripe.InvalidRequestError,
            stripe.CardError,
            stripe.AuthenticationError,
            stripe.PermissionError,
        ) as error:
            raise PaymentPermanentError(getattr(error, "code", None) or type(error).__name__, _safe(error)) from None
        except stripe.StripeError as error:
            status = getattr(error, "http_status", None) or 0
            if status >= 500 or status in (0, 409):
                raise PaymentTransientError(f"{type(error).__name__} {status}") from None
            raise PaymentPermanentError(getattr(error, "code", None) or f"http_{status}", _safe(error)) from None
        if refund.status in ("failed", "canceled"):
            raise PaymentPermanentError(f"refund_{refund.status}", getattr(refund, "failure_reason", "") or "")
        return refund.id


def _safe(error: Any) -> str:
    """Stripe's user message (never the request or the key)."""
    return str(getattr(error, "user_message", None) or getattr(error, "code", None) or type(error).__name__)[:200]
