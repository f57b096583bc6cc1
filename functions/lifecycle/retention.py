"""Daily at 03:30 (Asia/Shanghai): tickets closed RETENTION_DAYS ago lose their conversation and keep an anonymised
stub (one Query of the LifecycleDue index, partition purge; per ticket a Query of its message keys, BatchWriteItem
deletes, one conditional UpdateItem). At most 2000 messages per run; the rest continue in the next run."""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import runtime
from supportdesk.lifecycle.jobs import purge_closed, publish
from supportdesk.lifecycle.settings import lifecycle_settings
from supportdesk.lifecycle.wiring import lifecycle_store
from supportdesk.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    s = lifecycle_settings()
    report = purge_closed(lifecycle_store(), runtime.clock().now(), timedelta(days=s.retention_days), s.batch_size)
    return publish(report)
