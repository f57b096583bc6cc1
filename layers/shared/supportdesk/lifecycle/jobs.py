"""The scheduled jobs, as plain Python over their ports (repository.LifecycleStore, an account lookup, a notifier,
business hours, survey link signing). Each handler in functions/lifecycle/ calls one of these with the time of its
run and the parameters of the stack.

Every job follows the same shape, which is what makes it resumable: it asks the store for at most `limit` tickets
that are due (a Query of a sparse index: never a Scan), and moves each one with a single conditional write that
only succeeds while the ticket is still in the state the job saw. A run that stops half-way has moved some tickets
completely and left the others as they were; the next run finds exactly the rest. A ticket that changed meanwhile
(reopened, rated, moved by a concurrent run) fails the condition and is counted as skipped.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable, Iterable, Protocol

from supportdesk import i18n
from supportdesk.clock import iso
from supportdesk.identity.contacts import verified_recipients
from supportdesk.lifecycle.model import DueJob, JobReport, LifecycleTicket, UnansweredTicket
from supportdesk.lifecycle.survey_tokens import PICK, SCORES, SurveyClaim
from supportdesk.notify.notifier import Recipient
from supportdesk.observability import logger, metrics

RATING_WINDOW = timedelta(days=7)  # the ticket API's rule: a resolution may be rated within 7 days
RESOLVED = "resolved"
CLOSED = "closed"
WAITING = "waiting"
MAX_MESSAGES_PER_RUN = 2000  # retention: messages deleted per run, across tickets


class Accounts(Protocol):
    def get(self, account_id: str): ...


class Signer(Protocol):
    def sign(self, claim: SurveyClaim) -> str: ...


def recipient_of(account, fallback_language: str) -> Recipient | None:
    """E-mail, or SMS when the account has no deliverable verified address, in the account's language
    (supportdesk.identity.contacts, which every sender asks); None when there is no way to reach it."""
    if account is None:
        return None
    language = i18n.normalize_language(getattr(account, "language", None), fallback_language)
    recipients = verified_recipients(account, language)
    return recipients[0] if recipients else None


# ---- satisfaction survey -----------------------------------------------------------------------------------------


def survey_links(signer: Signer, base_url: str, ticket: LifecycleTicket, expires: datetime) -> dict:
    """One signed link per score, plus one without a score (for SMS: the page offers the five)."""

    def link(score: int) -> str:
        claim = SurveyClaim(ticket.ticket_id, ticket.resolution_count, score, int(expires.timestamp()))
        return f"{base_url.rstrip('/')}/survey/{signer.sign(claim)}"

    return {"scores": [{"score": s, "url": link(s)} for s in SCORES], "pick_url": link(PICK)}


def send_surveys(
    store, accounts: Accounts, notifier, signer: Signer, base_url: str, now: datetime, delay: timedelta, limit: int
) -> JobReport:
    """Resolved `delay` ago and not rated (nor reopened: reopening takes a ticket out of the index): one e-mail or
    SMS with the five one-click scores. The ticket is first moved on to the close job (conditional: still resolved,
    same resolution, still due for a survey), then the message is sent; a failed send moves it back, so the next
    run tries again. The survey is therefore sent at most once per resolution; only a crash between the two steps
    loses one, which is the better failure for an unsolicited message."""
    report = JobReport("survey", details={"sent": 0, "not_needed": 0})
    due = store.due(DueJob.SURVEY, now - delay, limit)
    for ticket in due:
        expires = (ticket.resolved_at or now) + RATING_WINDOW
        needed = ticket.status == RESOLVED and ticket.rated_resolution < ticket.resolution_count and now < expires
        if not store.advance(ticket, DueJob.SURVEY, DueJob.CLOSE):
            report.skipped += 1
            continue
        recipient = recipient_of(accounts.get(ticket.customer_id), ticket.language) if needed else None
        if recipient is None:
            report.details["not_needed"] += 1
            report.done += 1
            continue
        context = {
            "reference": ticket.ticket_id,
            "subject": ticket.subject,
            "expires_at": iso(expires),
            **survey_links(signer, base_url, ticket, expires),
        }
        try:
            notifier.send(recipient, "ticket_survey", context)
        except Exception:  # noqa: BLE001 - put it back for the next run
            logger.exception("survey send failed", extra={"ticket_id": ticket.ticket_id})
            store.advance(ticket, DueJob.CLOSE, DueJob.SURVEY)
            report.failed += 1
            continue
        report.details["sent"] += 1
        report.done += 1
    report.more = len(due) >= limit
    return report


# ---- auto-close --------------------------------------------------------------------------------------------------


def auto_close(store, now: datetime, after: timedelta, limit: int) -> JobReport:
    """Resolved for `after` with no customer message (a customer message reopens a resolved ticket, which takes it
    out of the index): closed, with a system note in the customer's language, and due for retention from now."""
    report = JobReport("auto_close")
    due = store.due(DueJob.CLOSE, now - after, limit)
    for ticket in due:
        note = i18n.message("ticket_note_closed", ticket.language, days=after.days)
        if store.close(ticket, now, note):
            report.done += 1
        else:
            report.skipped += 1
    report.more = len(due) >= limit
    return report


# ---- retention ---------------------------------------------------------------------------------------------------


def purge_closed(
    store, now: datetime, after: timedelta, limit: int, message_budget: int = MAX_MESSAGES_PER_RUN
) -> JobReport:
    """Closed for `after`: the conversation (and with it every attachment reference) is deleted, then the ticket
    becomes an anonymised stub (category, queue, times, status, score: what the metrics need). Messages go first and
    the stub last, so an interrupted run leaves a ticket still due, with fewer messages, and the next run finishes
    it; deleting a message twice is harmless."""
    report = JobReport("retention", details={"messages_deleted": 0})
    due = store.due(DueJob.PURGE, now - after, limit)
    budget = message_budget
    for ticket in due:
        finished = False
        while budget > 0:
            page = min(budget, 100)
            deleted = store.delete_messages(ticket.ticket_id, page)
            report.details["messages_deleted"] += deleted
            budget -= deleted
            if deleted < page:
                finished = True  # the page was not full: nothing left
                break
        if not finished:
            report.more = True
            return report  # the budget ran out mid-ticket: it stays due for the next run
        if store.anonymise(ticket, now):
            report.done += 1
        else:
            report.skipped += 1
    report.more = report.more or len(due) >= limit
    return report


# ---- SLA escalation ----------------------------------------------------------------------------------------------


def open_seconds_between(hours, start: datetime, end: datetime) -> float:
    """Business (open) time between two moments: outside business hours the SLA clock stops."""
    total = 0.0
    moment = start
    while moment < end:
        opening = hours.next_opening(moment)
        if opening >= end:
            break
        closing = hours.closes_at(opening)
        total += (min(closing, end) - opening).total_seconds()
        moment = closing
    return total


def escalate_sla(
    store,
    notifier,
    hours,
    now: datetime,
    target: timedelta,
    queues: Iterable[str],
    supervisors: str,
    limit: int,
    language: str = "zh-CN",
    on_breach: Callable[[str, int], None] | None = None,
    reply_target: timedelta | None = None,
) -> JobReport:
    """Two kinds of SLA breach, reported to the supervisors together, in one e-mail per run, each breach once:

    - waiting: tickets in the human queue (oldest first, from the sparse WaitingTickets index) that waited longer
      than `target` of business time are flagged (`sla_notified_seq` = their place in the queue, shown in the agent
      queue). Once per breach: once per time a ticket joins the queue, since rejoining gives it a new number.
    - unanswered (when `reply_target` is given): claimed tickets whose customer has waited for an agent's answer
      longer than `reply_target` of business time (oldest wait first, from the sparse UnansweredTickets index) are
      flagged (`reply_breached_at`, shown on the staff's ticket views) and leave the index. Once per wait: the
      agent's answer ends it, the customer's next message starts a new one.

    Flag first (one conditional UpdateItem per new breach), then mail; a failed mail unflags, so the next run
    reports them again. Outside business hours the clock stops (open_seconds_between)."""
    report = JobReport("sla", details={"breached_waiting": 0, "new_waiting_breaches": 0, "new_reply_breaches": 0})
    new = _waiting_breaches(store, hours, now, target, queues, limit, report, on_breach)
    replies = _reply_breaches(store, hours, now, reply_target, queues, limit, report) if reply_target else []
    if new or replies:
        context = {
            "target_minutes": int(target.total_seconds() // 60),
            "reply_target_minutes": int(reply_target.total_seconds() // 60) if reply_target else 0,
            "tickets": [
                {
                    "reference": t.ticket_id,
                    "queue": t.queue,
                    "queued_at": iso(queued),
                    "waited_minutes": int(open_seconds_between(hours, queued, now) // 60),
                }
                for t, queued in new
            ],
            "unanswered": [
                {
                    "reference": t.ticket_id,
                    "queue": t.queue,
                    "agent": t.assigned_agent or "",
                    "since": iso(t.awaiting_since),
                    "waited_minutes": int(open_seconds_between(hours, t.awaiting_since, now) // 60),
                }
                for t in replies
            ],
        }
        try:
            notifier.send(Recipient("email", supervisors, language), "ticket_sla_breach", context)
        except Exception:  # noqa: BLE001 - unflag, so the next run reports them again
            logger.exception(
                "SLA breach mail failed",
                extra={"tickets": [t.ticket_id for t, _ in new] + [t.ticket_id for t in replies]},
            )
            for ticket, _ in new:
                store.unflag_breach(ticket)
            for unanswered in replies:
                store.unflag_reply_breach(unanswered)
            report.failed += len(new) + len(replies)
            return report
    report.details["new_waiting_breaches"] = len(new)
    report.details["new_reply_breaches"] = len(replies)
    report.done = len(new) + len(replies)
    return report


def _waiting_breaches(
    store,
    hours,
    now: datetime,
    target: timedelta,
    queues: Iterable[str],
    limit: int,
    report: JobReport,
    on_breach: Callable[[str, int], None] | None,
) -> list[tuple[LifecycleTicket, datetime]]:
    """Newly breached waiting tickets (flagged here) and when they joined the queue."""
    new: list[tuple[LifecycleTicket, datetime]] = []
    for queue in queues:
        waiting = store.waiting(queue, limit)
        breached_here = 0
        for ticket in waiting:
            if ticket.queued_at is None:
                continue
            if open_seconds_between(hours, ticket.queued_at, now) <= target.total_seconds():
                break  # queued later ones have waited less
            breached_here += 1
            if ticket.sla_notified_seq == ticket.queue_seq:
                continue  # this breach was already reported
            if store.flag_breach(ticket, now):
                new.append((ticket, ticket.queued_at))
            else:
                report.skipped += 1
        report.details["breached_waiting"] += breached_here
        if on_breach is not None:
            on_breach(queue, breached_here)
        report.more = report.more or len(waiting) >= limit
    return new


def _reply_breaches(
    store, hours, now: datetime, target: timedelta, queues: Iterable[str], limit: int, report: JobReport
) -> list[UnansweredTicket]:
    """Claimed tickets whose customer has waited for an answer longer than `target` of business time, newly
    flagged here. The Query asks only for waits that started more than `target` ago on the wall clock; of those,
    the oldest come first, so the first one still within the target in business time ends the search."""
    new: list[UnansweredTicket] = []
    for queue in queues:
        unanswered = store.unanswered(queue, now - target, limit)
        for ticket in unanswered:
            if open_seconds_between(hours, ticket.awaiting_since, now) <= target.total_seconds():
                break  # later waits have lasted less
            if store.flag_reply_breach(ticket, now):
                new.append(ticket)
            else:
                report.skipped += 1  # answered or reported meanwhile
        report.more = report.more or len(unanswered) >= limit
    return new


def publish(report: JobReport) -> dict:
    """A run's report, logged and published as metrics with a Job dimension (`LifecycleDone`, `LifecycleSkipped`,
    `LifecycleFailed`; `LifecycleBacklog` 1 when the batch was full and the next run continues)."""
    metrics.add_dimension(name="Job", value=report.job)
    metrics.add_metric(name="LifecycleDone", unit="Count", value=report.done)
    metrics.add_metric(name="LifecycleSkipped", unit="Count", value=report.skipped)
    metrics.add_metric(name="LifecycleFailed", unit="Count", value=report.failed)
    metrics.add_metric(name="LifecycleBacklog", unit="Count", value=1 if report.more else 0)
    logger.info("lifecycle job", extra=report.as_dict())
    return report.as_dict()
