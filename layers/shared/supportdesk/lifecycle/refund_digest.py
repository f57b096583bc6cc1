"""The refund review digest: once a day, whoever decides refund and dispute cases gets a summary of the cases waiting
for them: how many, the oldest, and those waiting longer than the overdue threshold (default 12 hours) by name.

It only reads and tells. The review workflow's own timeouts still escalate a case (RefundReviewSlaSeconds: the
state machine alerts the supervisors and from then on only they may decide); the digest is the daily view of the
whole queue that single alerts do not give.

Two audiences, by who may decide (Refund.needs_supervisor): the reviewers get the cases under review that any staff
member may decide; the supervisors get the escalated ones and those awaiting a second approval. Each audience gets
at most one digest a day, and none when nothing waits for it.

Where the cases come from: the refunds read model's ReviewQueue index (supportdesk.refunds.repository; sparse, only
cases waiting for people carry its key), one partition per review status, read page by page, at most
MAX_CASES_PER_STATUS cases per status (the digest then says "at least"): never a Scan.

Once a day, resumable: before sending, the job claims the day's digest of that audience (a conditional put in the
rate-limit table, expiring by TTL), then sends; a failed send gives the claim back and the run reports a failure
(the handler then fails, so Lambda retries it and, after the retries, the event lands in the job's dead-letter
queue). A repeated or concurrent run finds the claim and sends nothing twice; only a crash between the claim and the
send loses that day's digest, which is the better failure for a summary mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from supportdesk.clock import iso
from supportdesk.lifecycle.model import JobReport
from supportdesk.notify.notifier import Recipient
from supportdesk.observability import logger
from supportdesk.refunds.model import REVIEW_QUEUES, Refund, RefundStatus
from supportdesk.refunds.notices import money

REVIEWERS = "reviewers"
SUPERVISORS = "supervisors"
AUDIENCES = (REVIEWERS, SUPERVISORS)
TEMPLATE = "refund_review_digest"
PAGE_SIZE = 100  # cases per Query page
MAX_CASES_PER_STATUS = 1000  # a bound on one run's reads; beyond it the digest says "at least"
MAX_LISTED = 50  # overdue cases named one by one; the rest are counted
CLAIM_DAYS = 3  # a day's claim expires (TTL) well after the day


class ReviewQueue(Protocol):
    """The refunds read model's review queue (RefundRepository.review_queue): one page of a review status, oldest
    first, and the cursor of the next page (None on the last)."""

    def review_queue(self, status: RefundStatus, limit: int, cursor: str | None) -> tuple[list[Refund], str | None]: ...


class DigestLog(Protocol):
    """Which digests were sent: claim a digest once (False when it was already claimed), give it back."""

    def claim(self, key: str, expires_at: datetime) -> bool: ...
    def release(self, key: str) -> None: ...


def waiting_since(refund: Refund) -> datetime:
    """Since when the case has waited for the decision it waits for now: its latest timeline entry of its current
    status (entering review, or the first approval for a second approval). Not the index's `queued_at`: an
    escalation parks the case again and moves that to the escalation, which would hide how long it has waited."""
    for entry in reversed(refund.timeline):
        if entry.status is refund.status:
            return entry.at
    return refund.created_at


def audience_of(refund: Refund) -> str:
    return SUPERVISORS if refund.needs_supervisor else REVIEWERS


def row_of(refund: Refund) -> str:
    """The digest's line a case is counted on: under_review, escalated or awaiting_second_approval."""
    if refund.status is RefundStatus.AWAITING_SECOND_APPROVAL:
        return RefundStatus.AWAITING_SECOND_APPROVAL.value
    return "escalated" if refund.escalated else RefundStatus.UNDER_REVIEW.value


ROWS = {
    REVIEWERS: (RefundStatus.UNDER_REVIEW.value,),
    SUPERVISORS: ("escalated", RefundStatus.AWAITING_SECOND_APPROVAL.value),
}


@dataclass
class WaitingCases:
    """What the review queue holds, per audience, oldest wait first; `capped` when a status had more cases than one
    run reads."""

    by_audience: dict[str, list[tuple[Refund, datetime]]] = field(
        default_factory=lambda: {audience: [] for audience in AUDIENCES}
    )
    capped: bool = False


def read_review_queue(
    queue: ReviewQueue, per_status: int = MAX_CASES_PER_STATUS, page_size: int = PAGE_SIZE
) -> WaitingCases:
    """Every case waiting for people, page by page (one Query of the ReviewQueue index per page), at most
    `per_status` per review status."""
    found = WaitingCases()
    for status in REVIEW_QUEUES:
        read, cursor = 0, None
        while read < per_status:
            page, cursor = queue.review_queue(status, min(page_size, per_status - read), cursor)
            read += len(page)
            for refund in page:
                if refund.status is status:  # the index is eventually consistent: skip a case that moved on
                    found.by_audience[audience_of(refund)].append((refund, waiting_since(refund)))
            if cursor is None:
                break
        else:
            found.capped = found.capped or cursor is not None
    for cases in found.by_audience.values():
        cases.sort(key=lambda case: (case[1], case[0].refund_id))
    return found


def _case_view(refund: Refund, since: datetime, now: datetime) -> dict:
    return {
        "case_id": refund.refund_id,
        "kind": refund.kind.value,
        "row": row_of(refund),
        "order_id": refund.order_id,
        "amount": money(refund.amount_cents, refund.currency),
        "since": iso(since),
        "waited_hours": int((now - since).total_seconds() // 3600),
    }


def digest_context(
    audience: str,
    cases: list[tuple[Refund, datetime]],
    now: datetime,
    overdue_after: timedelta,
    capped: bool,
    read_limit: int = MAX_CASES_PER_STATUS,
) -> dict:
    """The template's context for one audience: counts per line, the oldest case, the overdue cases (oldest first,
    at most MAX_LISTED named) and whether the counts are lower bounds."""
    overdue = [(refund, since) for refund, since in cases if now - since > overdue_after]
    rows = [
        {
            "row": row,
            "waiting": sum(1 for r, _ in cases if row_of(r) == row),
            "overdue": sum(1 for r, _ in overdue if row_of(r) == row),
        }
        for row in ROWS[audience]
    ]
    oldest = _case_view(*cases[0], now) if cases else None
    return {
        "audience": audience,
        "generated_at": iso(now),
        "overdue_hours": int(overdue_after.total_seconds() // 3600),
        "waiting": len(cases),
        "overdue_count": len(overdue),
        "capped": capped,
        "read_limit": read_limit,
        "rows": rows,
        "oldest": oldest,
        "overdue": [_case_view(refund, since, now) for refund, since in overdue[:MAX_LISTED]],
        "more_overdue": max(0, len(overdue) - MAX_LISTED),
    }


def digest_key(audience: str, now: datetime, timezone: str) -> str:
    """One digest per audience and calendar day where the desk works (the schedule's time zone)."""
    return f"refund-review-digest#{audience}#{now.astimezone(ZoneInfo(timezone)).date().isoformat()}"


def send_review_digests(
    queue: ReviewQueue,
    log: DigestLog,
    notifier,
    addresses: dict[str, str],
    now: datetime,
    overdue_after: timedelta,
    timezone: str,
    language: str = "zh-CN",
    per_status: int = MAX_CASES_PER_STATUS,
) -> JobReport:
    """Read the review queue, then per audience with cases waiting and an address: claim today's digest, send it
    (one e-mail). `done` counts digests sent, `skipped` digests already sent today, `failed` sends that failed (their
    claim given back for the retry)."""
    found = read_review_queue(queue, per_status)
    report = JobReport(
        "refund_digest",
        details={
            "sent": 0,
            "waiting": sum(len(c) for c in found.by_audience.values()),
            "overdue": 0,
            "oldest_wait_seconds": 0,
        },
    )
    report.more = found.capped
    for audience in AUDIENCES:
        cases = found.by_audience[audience]
        context = digest_context(audience, cases, now, overdue_after, found.capped, per_status)
        report.details["overdue"] += context["overdue_count"]
        if cases:
            report.details["oldest_wait_seconds"] = max(
                report.details["oldest_wait_seconds"], int((now - cases[0][1]).total_seconds())
            )
        address = addresses.get(audience, "")
        if not cases or not address:
            continue
        key = digest_key(audience, now, timezone)
        if not log.claim(key, now + timedelta(days=CLAIM_DAYS)):
            report.skipped += 1  # today's digest of this audience went out already
            continue
        try:
            notifier.send(Recipient("email", address, language), TEMPLATE, context)
        except Exception:  # noqa: BLE001 - give the claim back: the retry (or tomorrow's run) sends it
            logger.exception("refund review digest failed", extra={"audience": audience})
            log.release(key)
            report.failed += 1
            continue
        report.details["sent"] += 1
        report.done += 1
    return report
