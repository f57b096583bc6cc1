"""Every 5 minutes: tickets that waited for a human longer than SLA_WAIT_MINUTES of business time are flagged in the
agent queue, and claimed tickets whose customer has waited longer than SLA_REPLY_MINUTES of business time for the
agent's answer are flagged on the staff's ticket views; the supervisors are told once per breach (per queue one
Query of the WaitingTickets index and one of the UnansweredTickets index, one conditional UpdateItem per new
breach, one e-mail per run)."""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import runtime
from supportdesk.notify import wiring as notify
from supportdesk.lifecycle.jobs import escalate_sla, publish
from supportdesk.lifecycle.settings import lifecycle_settings
from supportdesk.lifecycle.wiring import business_hours, lifecycle_store
from supportdesk.observability import logger, metrics
from supportdesk.tickets.sla import QUEUES


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    s = lifecycle_settings()
    report = escalate_sla(
        lifecycle_store(),
        notify.notifier(),
        business_hours(),
        runtime.clock().now(),
        timedelta(minutes=s.sla_wait_minutes),
        QUEUES,
        s.require("supervisors_email"),
        s.batch_size,
        reply_target=timedelta(minutes=s.sla_reply_minutes),
    )
    metrics.add_metric(name="SlaBreachesNew", unit="Count", value=report.details["new_waiting_breaches"])
    metrics.add_metric(name="SlaReplyBreachesNew", unit="Count", value=report.details["new_reply_breaches"])
    metrics.add_metric(name="SlaBreachedWaiting", unit="Count", value=report.details["breached_waiting"])
    return publish(report)
