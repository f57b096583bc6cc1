"""Small fakes for unit tests (no AWS, no sockets)."""
from __future__ import annotations

from dataclasses import dataclass, field

from supportdesk.notify.notifier import Recipient
from supportdesk.notify.render import render_email, render_sms


@dataclass
class FakeNotifier:
    """Renders like the real notifier (so template errors surface) and records what would have been sent."""

    sent: list[dict] = field(default_factory=list)

    def send(self, recipient: Recipient, template: str, context: dict) -> None:
        if recipient.channel == "email":
            mail = render_email(template, recipient.language, context)
            self.sent.append({"channel": "email", "to": recipient.address, "template": template,
                              "subject": mail.subject, "text": mail.text, "html": mail.html})
        else:
            self.sent.append({"channel": "sms", "to": recipient.address, "template": template,
                              "text": render_sms(template, recipient.language, context)})

    def to(self, address: str) -> list[dict]:
        return [m for m in self.sent if m["to"] == address]


class MemoryCounterStore:
    """RateLimiter store in memory."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.last_at: dict[str, int] = {}
        self.reads = 0

    def increment(self, bucket: str, expires_at: int, at: int | None = None) -> int:
        self.counts[bucket] = self.counts.get(bucket, 0) + 1
        if at is not None:
            self.last_at[bucket] = at
        return self.counts[bucket]

    def read(self, buckets: list[str]):
        from supportdesk.ratelimit import Count

        self.reads += 1
        return {b: Count(self.counts[b], self.last_at.get(b)) for b in buckets if b in self.counts}
