"""What the lifecycle jobs see of a ticket, as a plain value (repository.py maps the DynamoDB item to it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class DueJob(StrEnum):
    """Which schedule a ticket waits for: the value of the sparse LifecycleDue index's partition key. A ticket is in
    at most one at a time and moves along survey -> close -> purge; reopening takes it out."""

    SURVEY = "survey"
    CLOSE = "close"
    PURGE = "purge"


@dataclass(frozen=True)
class LifecycleTicket:
    ticket_id: str
    customer_id: str
    status: str
    language: str
    subject: str
    queue: str
    resolution_count: int
    rated_resolution: int
    due_job: str | None = None
    due_at: datetime | None = None  # since when it waits for `due_job` (the job adds its own delay)
    resolved_at: datetime | None = None
    queue_seq: int | None = None
    queued_at: datetime | None = None
    sla_notified_seq: int | None = None


@dataclass(frozen=True)
class UnansweredTicket:
    """A claimed ticket whose customer waits for an agent's answer (the reply SLA), as the sparse UnansweredTickets
    index holds it: keys and the agent only."""

    ticket_id: str
    queue: str
    assigned_agent: str | None
    awaiting_since: datetime  # the claim, or the customer's first message since the agent's last answer


@dataclass
class JobReport:
    """What one run did: `done` changed, `skipped` found the ticket moved on meanwhile (a race, or a repeated run),
    `more` says the batch was full so the next run continues."""

    job: str
    done: int = 0
    skipped: int = 0
    failed: int = 0
    more: bool = False
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "job": self.job,
            "done": self.done,
            "skipped": self.skipped,
            "failed": self.failed,
            "more": self.more,
            **self.details,
        }
