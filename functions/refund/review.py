"""Review workflow steps that wait for people (`.waitForTaskToken`): store the task token with the case (server-side
only, never shown), put the case in the staff queue and tell whoever decides. Input {"refund_id", "token",
"stage": "review" | "escalated" | "second"}. The decision route answers the token."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.observability import logger, metrics
from supportdesk.refunds.wiring import refund_service

STAGES = ("review", "escalated", "second")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    stage = event.get("stage")
    if stage not in STAGES:
        raise ValueError(f"unknown review stage {stage!r}")
    return refund_service().park(str(event["refund_id"]), str(event["token"]), stage)
