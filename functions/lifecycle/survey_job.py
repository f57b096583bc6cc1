"""Every 15 minutes: satisfaction surveys for tickets resolved SURVEY_DELAY_MINUTES ago and not rated (one Query of
the LifecycleDue index, partition survey; one conditional UpdateItem and one e-mail or SMS per ticket)."""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import runtime
from supportdesk.identity import wiring as identity
from supportdesk.notify import wiring as notify
from supportdesk.lifecycle.jobs import send_surveys, publish
from supportdesk.lifecycle.settings import lifecycle_settings
from supportdesk.lifecycle.wiring import lifecycle_store, survey_tokens
from supportdesk.observability import logger, metrics


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    s = lifecycle_settings()
    report = send_surveys(
        lifecycle_store(),
        identity.account_reader(),
        notify.notifier(),
        survey_tokens(),
        s.require("survey_base_url"),
        runtime.clock().now(),
        timedelta(minutes=s.survey_delay_minutes),
        s.batch_size,
    )
    return publish(report)
