"""Daily at 09:00 (Asia/Shanghai): the refund review digest. The reviewers get the cases under review that any staff
member may decide, the supervisors the escalated ones and those awaiting a second approval: how many, the oldest,
and those waiting longer than REFUND_DIGEST_OVERDUE_HOURS by name (per review status, Queries of the ReviewQueue
index, 100 cases a page, at most 1000 cases; per digest one conditional PutItem marking it sent today and one
e-mail). A digest that could not be sent fails the run, so Lambda retries it; the others are not sent twice."""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import runtime
from supportdesk.lifecycle.jobs import publish
from supportdesk.lifecycle.refund_digest import REVIEWERS, SUPERVISORS, send_review_digests
from supportdesk.lifecycle.settings import lifecycle_settings
from supportdesk.lifecycle.wiring import digest_log, refund_review_queue
from supportdesk.notify import wiring as notify
from supportdesk.observability import logger, metrics
from supportdesk.refunds.settings import refund_settings
from supportdesk.settings import get_settings


class DigestNotSent(RuntimeError):
    """A digest could not be sent: the run fails so that Lambda retries it (then the dead-letter queue)."""


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    s, refunds = lifecycle_settings(), refund_settings()
    report = send_review_digests(
        refund_review_queue(),
        digest_log(),
        notify.notifier(),
        {REVIEWERS: refunds.refund_reviewers_email, SUPERVISORS: refunds.refund_supervisors_email},
        runtime.clock().now(),
        timedelta(hours=s.refund_digest_overdue_hours),
        s.business_timezone,
        get_settings().default_language,
    )
    metrics.add_metric(name="RefundReviewsWaiting", unit="Count", value=report.details["waiting"])
    metrics.add_metric(name="RefundReviewsOverdue", unit="Count", value=report.details["overdue"])
    metrics.add_metric(
        name="RefundReviewOldestWaitSeconds", unit="Seconds", value=report.details["oldest_wait_seconds"]
    )
    result = publish(report)
    if report.failed:
        raise DigestNotSent(f"{report.failed} refund review digest(s) could not be sent")
    return result
