"""The lifecycle jobs' port on tickets, and its DynamoDB adapter. Every read is a Query of a sparse index
(LifecycleDue, WaitingTickets, UnansweredTickets) limited to the batch; every change is one conditional write that
holds only while the ticket is in the state the job read, so concurrent or repeated runs cannot apply a change twice."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from supportdesk.dal.accounts import AccountLoginModel, AccountModel
from supportdesk.dal.rate_limits import RateLimitModel
from supportdesk.dal.tickets import TicketMessageModel, TicketModel
from supportdesk.dal.transactions import ConditionFailed, conditional_put, conditional_update, transact
from supportdesk.tickets.storage import message_id, parse_required_stamp, parse_stamp, stamp
from supportdesk.tickets.model import TicketStatus
from supportdesk.lifecycle.model import DueJob, LifecycleTicket, UnansweredTicket

ANONYMOUS = "deleted"  # customer_id of a purged stub or of a deleted account's tickets


class LifecycleStore(Protocol):
    def due(self, job: DueJob, before: datetime, limit: int) -> list[LifecycleTicket]: ...
    def advance(self, ticket: LifecycleTicket, from_job: DueJob, to_job: DueJob) -> bool: ...
    def close(self, ticket: LifecycleTicket, now: datetime, note: str) -> bool: ...
    def delete_messages(self, ticket_id: str, limit: int) -> int: ...
    def anonymise(self, ticket: LifecycleTicket, now: datetime) -> bool: ...
    def waiting(self, queue: str, limit: int) -> list[LifecycleTicket]: ...
    def flag_breach(self, ticket: LifecycleTicket, now: datetime) -> bool: ...
    def unflag_breach(self, ticket: LifecycleTicket) -> bool: ...
    def unanswered(self, queue: str, before: datetime, limit: int) -> list[UnansweredTicket]: ...
    def flag_reply_breach(self, ticket: UnansweredTicket, now: datetime) -> bool: ...
    def unflag_reply_breach(self, ticket: UnansweredTicket) -> bool: ...


def _stamp(moment: datetime) -> str:
    return stamp(moment)


def _time(value: str | None) -> datetime | None:
    return parse_stamp(value)


def to_ticket(item) -> LifecycleTicket:
    return LifecycleTicket(
        ticket_id=item.ticket_id,
        customer_id=item.customer_id,
        status=item.status,
        language=item.language or "zh-CN",
        subject=item.subject or "",
        queue=item.queue or "general",
        resolution_count=int(item.resolution_count or 0),
        rated_resolution=int(item.rated_resolution or 0),
        due_job=item.due_job,
        due_at=_time(item.due_at),
        resolved_at=_time(item.resolved_at),
        queue_seq=int(item.queue_seq) if item.queue_seq is not None else None,
        queued_at=_time(item.queued_at),
        sla_notified_seq=int(item.sla_notified_seq) if item.sla_notified_seq is not None else None,
    )


class DynamoLifecycleStore:
    def due(self, job: DueJob, before: datetime, limit: int) -> list[LifecycleTicket]:
        """One Query of LifecycleDue: the partition of `job`, due since before `before`, oldest first."""

        items = TicketModel.lifecycle_due.query(
            str(job), TicketModel.due_at < _stamp(before), limit=limit, page_size=limit
        )
        return [to_ticket(item) for item in items]

    def advance(self, ticket: LifecycleTicket, from_job: DueJob, to_job: DueJob) -> bool:
        """One conditional UpdateItem: due for `to_job` instead of `from_job`, if still resolved under the same
        resolution (a reopen or a second resolution in between makes it a no-op)."""

        return conditional_update(
            TicketModel(ticket.ticket_id),
            [TicketModel.due_job.set(str(to_job))],
            (TicketModel.due_job == str(from_job))
            & (TicketModel.status == "resolved")
            & (TicketModel.resolution_count == ticket.resolution_count),
        )

    def close(self, ticket: LifecycleTicket, now: datetime, note: str) -> bool:
        """resolved -> closed with a system note, in one transaction; due for retention from now."""

        message = TicketMessageModel(
            ticket.ticket_id, message_id(now), author="system", text=note, created_at=_stamp(now), note="closed"
        )

        def build(transaction):
            transaction.update(
                TicketModel(ticket.ticket_id),
                actions=[
                    TicketModel.status.set("closed"),
                    TicketModel.closed_at.set(_stamp(now)),
                    TicketModel.updated_at.set(_stamp(now)),
                    TicketModel.due_job.set(str(DueJob.PURGE)),
                    TicketModel.due_at.set(_stamp(now)),
                ],
                condition=(TicketModel.due_job == str(DueJob.CLOSE))
                & (TicketModel.status == "resolved")
                & (TicketModel.resolution_count == ticket.resolution_count),
            )
            transaction.save(message)

        try:
            transact(build)
        except ConditionFailed:
            return False
        return True

    def delete_messages(self, ticket_id: str, limit: int) -> int:
        """Up to `limit` of the ticket's messages: one Query (keys only) and BatchWriteItem deletes."""

        keys = list(
            TicketMessageModel.query(
                ticket_id, limit=limit, page_size=limit, attributes_to_get=["ticket_id", "message_id"]
            )
        )
        with TicketMessageModel.batch_write() as batch:
            for item in keys:
                batch.delete(item)
        return len(keys)

    def anonymise(self, ticket: LifecycleTicket, now: datetime) -> bool:
        """The stub: who and what are gone (customer, subject, order, comment), the figures stay (category, queue,
        times, resolutions, score). Conditional on still being due for purge."""

        return conditional_update(
            TicketModel(ticket.ticket_id),
            [
                TicketModel.customer_id.set(ANONYMOUS),
                TicketModel.subject.set(""),
                TicketModel.order_id.remove(),
                TicketModel.rating_comment.remove(),
                TicketModel.purged_at.set(_stamp(now)),
                TicketModel.due_job.remove(),
                TicketModel.due_at.remove(),
            ],
            (TicketModel.due_job == str(DueJob.PURGE)) & (TicketModel.status == "closed"),
        )

    def waiting(self, queue: str, limit: int) -> list[LifecycleTicket]:
        """One Query of the sparse WaitingTickets index, oldest first."""

        return [to_ticket(item) for item in TicketModel.waiting_tickets.query(queue, limit=limit, page_size=limit)]

    def flag_breach(self, ticket: LifecycleTicket, now: datetime) -> bool:

        if ticket.queue_seq is None:
            return False
        return conditional_update(
            TicketModel(ticket.ticket_id),
            [TicketModel.sla_notified_seq.set(ticket.queue_seq), TicketModel.sla_breached_at.set(_stamp(now))],
            (TicketModel.status == "waiting")
            & (TicketModel.queue_seq == ticket.queue_seq)
            & (TicketModel.sla_notified_seq.does_not_exist() | (TicketModel.sla_notified_seq != ticket.queue_seq)),
        )

    def unflag_breach(self, ticket: LifecycleTicket) -> bool:

        return conditional_update(
            TicketModel(ticket.ticket_id),
            [TicketModel.sla_notified_seq.remove(), TicketModel.sla_breached_at.remove()],
            TicketModel.sla_notified_seq == ticket.queue_seq,
        )

    # ---- reply SLA of claimed tickets (UnansweredTickets) ----------------------------------------------------------

    def unanswered(self, queue: str, before: datetime, limit: int) -> list[UnansweredTicket]:
        """One Query of the sparse UnansweredTickets index: the queue's claimed tickets whose customer has been waiting
        for an answer since before `before`, oldest wait first. `before` is a wall-clock bound (business time never
        exceeds wall time, so a later wait cannot have breached). Reported waits have left the index, so what it
        returns is new work plus, outside business hours, waits whose clock is stopped. Index items hold the keys
        and the agent (~100 bytes): a full page of 100 reads ~10 KB, 1.5 read units eventually consistent."""

        items = TicketModel.unanswered_tickets.query(
            queue, TicketModel.awaiting_reply_since < _stamp(before), limit=limit, page_size=limit
        )
        return [
            UnansweredTicket(
                item.ticket_id, queue, item.assigned_agent, parse_required_stamp(item.awaiting_reply_since)
            )
            for item in items
            if item.awaiting_reply_since
        ]

    def flag_reply_breach(self, ticket: UnansweredTicket, now: datetime) -> bool:
        """One conditional UpdateItem: the wait is reported (`reply_breached_at`, shown to staff) and leaves the
        index, only while the ticket is claimed, the same wait is running and nobody reported it yet."""

        return conditional_update(
            TicketModel(ticket.ticket_id),
            [TicketModel.reply_due_queue.remove(), TicketModel.reply_breached_at.set(_stamp(now))],
            (TicketModel.status == TicketStatus.ASSIGNED.value)
            & (TicketModel.awaiting_reply_since == _stamp(ticket.awaiting_since))
            & TicketModel.reply_due_queue.exists(),
        )

    def unflag_reply_breach(self, ticket: UnansweredTicket) -> bool:
        """The report's mail failed: the wait goes back into the index for the next run (one conditional UpdateItem;
        a no-op when an agent answered meanwhile)."""

        return conditional_update(
            TicketModel(ticket.ticket_id),
            [TicketModel.reply_due_queue.set(ticket.queue), TicketModel.reply_breached_at.remove()],
            (TicketModel.awaiting_reply_since == _stamp(ticket.awaiting_since))
            & TicketModel.reply_due_queue.does_not_exist(),
        )


class SurveyTicketStore:
    """What the survey routes need of tickets: the ticket store's get and rate (the same conditional write as the
    ticket API, so the rating rules are one), plus the comment of a recorded rating."""

    def __init__(self, tickets) -> None:
        self._tickets = tickets

    def get(self, ticket_id: str):
        return self._tickets.get(ticket_id)

    def rate(self, ticket, resolution: int, score: int, comment, now: datetime, message):
        return self._tickets.rate(ticket, resolution, score, comment, now, message)

    def comment(self, ticket, resolution: int, text: str, now: datetime) -> bool:  # ticket: tickets.model.Ticket
        """One conditional UpdateItem: the comment of rating `resolution`, only while it has none."""

        return conditional_update(
            TicketModel(ticket.ticket_id),
            [TicketModel.rating_comment.set(text), TicketModel.updated_at.set(_stamp(now))],
            (TicketModel.rated_resolution == resolution) & TicketModel.rating_comment.does_not_exist(),
        )


class DynamoForgetStore:
    """Storage side of deleting an account (lifecycle/forget.py)."""

    def customer_ticket_ids(self, customer_id: str, limit: int) -> list[str]:
        """One Query of CustomerTickets: anonymised tickets leave the partition, so each page is new work."""

        return [t.ticket_id for t in TicketModel.customer_tickets.query(customer_id, limit=limit, page_size=limit)]

    def anonymise_customer_ticket(self, ticket_id: str, customer_id: str) -> bool:
        """The ticket stops naming the customer and their order; staff see `customer_deleted`. Nobody waits for an
        answer any more, so a claimed ticket's reply clock stops (it leaves UnansweredTickets)."""

        return conditional_update(
            TicketModel(ticket_id),
            [
                TicketModel.customer_id.set(ANONYMOUS),
                TicketModel.customer_deleted.set(1),
                TicketModel.order_id.remove(),
                TicketModel.awaiting_reply_since.remove(),
                TicketModel.reply_due_queue.remove(),
                TicketModel.reply_breached_at.remove(),
            ],
            TicketModel.customer_id == customer_id,
        )

    def delete_account(self, account_id: str, logins: list[str]) -> bool:
        """The account and its login items in one transaction (False when it was already gone)."""

        def build(transaction):
            transaction.delete(AccountModel(account_id), condition=AccountModel.account_id.exists())
            for login in logins:
                transaction.delete(AccountLoginModel(login), condition=AccountLoginModel.account_id == account_id)

        try:
            transact(build)
        except ConditionFailed:
            return False
        return True


class DynamoDigestLog:
    """Which refund review digests went out (lifecycle/refund_digest.py), as items of the rate-limit table: a digest
    is a window of one allowed mail, and the table's TTL (`expires_at`) deletes the marks. Key-based only."""

    def claim(self, key: str, expires_at: datetime) -> bool:
        """One conditional PutItem (1 write unit): True for the first claim of `key`, False once it exists."""

        return conditional_put(
            RateLimitModel(key, hits=1, expires_at=int(expires_at.timestamp())), RateLimitModel.bucket.does_not_exist()
        )

    def release(self, key: str) -> None:
        """One DeleteItem: the digest was not sent after all."""

        RateLimitModel(key).delete()
