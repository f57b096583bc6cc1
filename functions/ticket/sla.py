"""Every 5 minutes, per queue: agents whose presence lease ended (they closed the console without going offline) are
taken off the agents-online count, then queue metrics for dashboards and alarms (waiting tickets, oldest wait, agents
online, average handling time) are published. DynamoDB calls per queue: one Query of the PresenceLeases index (plus
one transaction per lapsed lease), one GetItem of the stats item and one Query (Limit 1) of the WaitingTickets index
for the oldest waiting ticket; no Scan."""

from __future__ import annotations

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import runtime
from supportdesk.observability import logger, metrics
from supportdesk.tickets.sla import QUEUES, expire_leases, queue_report
from supportdesk.tickets.wiring import queue_store


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    now = runtime.clock().now()
    reports = []
    for queue in QUEUES:
        expired = expire_leases(queue_store(), queue, now)
        report = {**queue_report(queue_store(), queue, now), "leases_expired": expired}
        metrics.add_dimension(name="Queue", value=queue)
        metrics.add_metric(name="QueuePresenceLeasesExpired", unit="Count", value=expired)
        metrics.add_metric(name="QueueWaitingTickets", unit="Count", value=report["waiting"])
        metrics.add_metric(name="QueueOldestWaitSeconds", unit="Seconds", value=report["oldest_wait_seconds"])
        metrics.add_metric(name="QueueAgentsOnline", unit="Count", value=report["agents_online"])
        metrics.add_metric(name="QueueAverageHandleSeconds", unit="Seconds", value=report["avg_handle_seconds"])
        metrics.flush_metrics()  # one EMF record per queue, each with its own Queue dimension
        logger.info("queue metrics", extra=report)
        reports.append(report)
    return {"queues": reports}
