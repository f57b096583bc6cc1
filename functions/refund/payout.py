"""Review workflow steps Payout and PayoutFailed. Input {"refund_id"} pays the approved amount through the payment
provider (idempotency key: the refund id); PaymentTransientError and PaymentPermanentError propagate as the Lambda
error types the state machine retries or catches. Input {"refund_id", "action": "failed", "error", "cause"} records
payout_failed, keeps the reservation, tells the customer it is delayed and alerts supervisors."""

from __future__ import annotations

import json

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.observability import logger, metrics
from supportdesk.refunds.wiring import refund_service


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    refund_id = str(event["refund_id"])
    if event.get("action") == "failed":
        return refund_service().payout_failed(refund_id, _reason(event))
    return refund_service().pay_out(refund_id)


def _reason(event: dict) -> str:
    """The error type and the exception's message (Step Functions passes Lambda's error payload as `cause`)."""
    error = str(event.get("error") or "PayoutError")
    cause = event.get("cause") or ""
    try:
        cause = json.loads(cause).get("errorMessage", cause)
    except (ValueError, AttributeError):
        pass
    return f"{error}: {cause}"[:300]
