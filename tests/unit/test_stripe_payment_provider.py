"""The Stripe adapter of PaymentProvider on the official SDK, with the SDK's HTTP client replaced (no network): the
refund id travels as Stripe's Idempotency-Key, and Stripe's answers are sorted into transient (retried by the
workflow) and permanent (payout_failed) errors."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import pytest
import stripe

from supportdesk.refunds.payments import ChargeRef, PaymentPermanentError, PaymentTransientError
from supportdesk.refunds.stripe_provider import StripePaymentProvider

KEY = "sk_test_not_a_real_key_123"


class FakeStripeHttp(stripe.HTTPClient):
    """Answers each request with the next canned (status, body) and records what was sent."""

    name = "fake"

    def __init__(self, *answers) -> None:
        super().__init__()
        self.answers = list(answers)
        self.requests: list[dict] = []

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        self.requests.append({"method": method, "url": url, "headers": dict(headers or {}),
                              "form": parse_qs(post_data or "")})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return json.dumps(body), status, {"request-id": "req_test"}

    def close(self):
        pass


def refund_object(status="succeeded"):
    return {"id": "re_123", "object": "refund", "amount": 2500, "currency": "cny", "charge": "ch_1", "status": status}


def provider(*answers, retries=0):
    http = FakeStripeHttp(*answers)
    return StripePaymentProvider(lambda: KEY, http_client=http, network_retries=retries), http


def test_a_refund_is_created_with_the_refund_id_as_idempotency_key():
    payments, http = provider((200, refund_object()))
    assert payments.refund(ChargeRef("stripe", "ch_1"), 2500, "CNY", "R-ABC") == "re_123"
    (sent,) = http.requests
    assert sent["method"] == "post" and sent["url"].endswith("/v1/refunds")
    assert sent["headers"]["Idempotency-Key"] == "R-ABC"
    assert sent["headers"]["Authorization"] == f"Bearer {KEY}"
    assert sent["form"]["charge"] == ["ch_1"] and sent["form"]["amount"] == ["2500"]
    assert sent["form"]["metadata[support_refund_id]"] == ["R-ABC"]


def test_the_sdk_retries_a_5xx_with_the_same_idempotency_key():
    payments, http = provider((500, {"error": {"type": "api_error", "message": "boom"}}), (200, refund_object()), retries=1)
    assert payments.refund(ChargeRef("stripe", "ch_1"), 2500, "CNY", "R-ABC") == "re_123"
    assert [r["headers"]["Idempotency-Key"] for r in http.requests] == ["R-ABC", "R-ABC"]


@pytest.mark.parametrize("status, body", [
    (500, {"error": {"type": "api_error", "message": "Internal"}}),
    (503, {"error": {"type": "api_error", "message": "Unavailable"}}),
    (429, {"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "Too many"}}),
    (409, {"error": {"type": "api_error", "message": "A request with this key is in progress"}}),
])
def test_server_errors_rate_limits_and_requests_in_flight_are_transient(status, body):
    payments, _ = provider((status, body))
    with pytest.raises(PaymentTransientError):
        payments.refund(ChargeRef("stripe", "ch_1"), 2500, "CNY", "R-ABC")


def test_the_same_key_with_other_parameters_is_permanent():
    payments, _ = provider((400, {"error": {"type": "idempotency_error", "message": "Keys for idempotent requests "
                                            "can only be used with the same parameters they were first used with."}}))
    with pytest.raises(PaymentPermanentError) as raised:
        payments.refund(ChargeRef("stripe", "ch_1"), 2500, "CNY", "R-ABC")
    assert raised.value.code == "idempotency_key_reused"


def test_a_network_failure_is_transient():
    payments, _ = provider(stripe.APIConnectionError("connection reset"))
    with pytest.raises(PaymentTransientError):
        payments.refund(ChargeRef("stripe", "ch_1"), 2500, "CNY", "R-ABC")


@pytest.mark.parametrize("status, body, code", [
    (400, {"error": {"type": "invalid_request_error", "code": "charge_already_refunded",
                     "message": "Charge ch_1 has already been refunded."}}, "charge_already_refunded"),
    (400, {"error": {"type": "invalid_request_error", "code": "amount_too_large", "message": "too large"}},
     "amount_too_large"),
    (401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}, "AuthenticationError"),
    (403, {"error": {"type": "invalid_request_error", "message": "no permission"}}, "PermissionError"),
    (200, refund_object("failed"), "refund_failed"),
])
def test_refusals_are_permanent_with_stripes_code_and_never_the_key(status, body, code):
    payments, _ = provider((status, body))
    with pytest.raises(PaymentPermanentError) as raised:
        payments.refund(ChargeRef("stripe", "ch_1"), 2500, "CNY", "R-ABC")
    assert raised.value.code == code
    assert KEY not in str(raised.value)
