"""Hourly: resolved tickets with no customer message for AUTO_CLOSE_DAYS become closed (one Query of the LifecycleDue
index, partition close; one transaction per ticket: the status and a system note)."""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import runtime
from supportdesk.lifecycle.jobs import auto_close, publish
from supportdesk.lifecycle.settings import lifecycle_settings
from supportdesk.lifecycle.wiring import lifecycle_store
from supportdesk.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    s = lifecycle_settings()
    report = auto_close(lifecycle_store(), runtime.clock().now(), timedelta(days=s.auto_close_days), s.batch_size)
    return publish(report)
