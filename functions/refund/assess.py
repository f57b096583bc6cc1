"""Review workflow step Assess (statemachines/refund_review.asl.json): the policy decides whether people must look.
Input {"refund_id"}; output {"outcome": "approve" | "review" | "closed", "review_timeout_seconds"?}."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.observability import logger, metrics
from supportdesk.refunds.wiring import refund_service


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return refund_service().assess_case(str(event["refund_id"]))
