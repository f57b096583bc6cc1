"""Small fakes for unit tests (no AWS, no sockets)."""
from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from supportdesk.notify.notifier import Recipient
from supportdesk.notify.render import render_email, render_sms
from supportdesk.tickets.model import StatusChanged
from supportdesk.tickets.queue import QueueStats
from supportdesk.tickets.queue_repository import to_queue_entry
from supportdesk.tickets.repository import stamp, to_message, to_ticket


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

class MemoryTicketStore:
    """The ticket ports (TicketStore and QueueStore of supportdesk.tickets.model) in memory, with their conditions
    (StatusChanged). Rows are kept as the tables store them (times as stamps) and read through the DynamoDB adapter's
    own mapping, so the fake and the adapter cannot drift apart on how an item becomes a Ticket or a Message."""

    def __init__(self) -> None:
        self.tickets: dict[str, SimpleNamespace] = {}
        self.notes: dict[str, list[SimpleNamespace]] = {}
        self.seq = 0
        self.waiting_seqs: set[int] = set()
        self.written: list[str] = []  # every text handed to the store, to prove nothing unmasked reaches it
        self.accesses: list = []

    def _save(self, ticket_id, messages):
        for message in messages:
            self.written.append(message.text)
            self.notes.setdefault(ticket_id, []).append(SimpleNamespace(
                message_id=f"{stamp(message.created_at)}#{len(self.notes.get(ticket_id, [])):04d}",
                author=message.author.value, author_id=message.author_id, text=message.text,
                created_at=stamp(message.created_at), note=message.note, params=message.params,
                masked_kinds=set(message.masked_kinds),
                attachments=[SimpleNamespace(attachment_id=a.attachment_id, filename=a.filename,
                                             content_type=a.content_type, size=a.size)
                             for a in message.attachments] or None))

    # ---- TicketStore ---------------------------------------------------------------------------------------------
    def create(self, ticket, messages, seq=None):
        ticket_id = f"T-{len(self.tickets) + 22222:05d}"
        row = dict(customer_id=ticket.customer_id, category=ticket.category, subject=ticket.subject, status="open",
                   language=ticket.language, channel=ticket.channel.value, queue=ticket.queue,
                   order_id=ticket.order_id, created_at=stamp(ticket.created_at), updated_at=stamp(ticket.created_at),
                   queue_seq=None, queued_at=None, assigned_agent=None, claimed_at=None, resolved_at=None,
                   resolution_count=0, rated_resolution=0, rating_score=None, rating_comment=None, rated_at=None,
                   closed_at=None, follow_up_of=ticket.follow_up_of, customer_deleted=None, sla_notified_seq=None,
                   awaiting_reply_since=None, reply_breached_at=None)
        if seq is not None:
            row.update(status="waiting", queue_seq=seq, queued_at=row["created_at"])
            self.waiting_seqs.add(seq)
        self.tickets[ticket_id] = SimpleNamespace(ticket_id=ticket_id, **row)
        self.written.append(ticket.subject)
        self._save(ticket_id, messages)
        return self.get(ticket_id)

    def get(self, ticket_id):
        row = self.tickets.get(ticket_id)
        return to_ticket(row) if row else None

    def messages(self, ticket_id):
        return [to_message(row) for row in self.notes.get(ticket_id, [])]

    def customer_tickets(self, customer_id, limit, cursor):
        rows = sorted((r for r in self.tickets.values() if r.customer_id == customer_id),
                      key=lambda r: r.created_at, reverse=True)
        return [to_ticket(r) for r in rows[:limit]], None

    def agent_tickets(self, agent_id, limit, cursor):
        rows = sorted((r for r in self.tickets.values() if r.assigned_agent == agent_id),
                      key=lambda r: r.updated_at, reverse=True)
        return [to_ticket(r) for r in rows[:limit]], None

    def append(self, ticket, messages, now, expected_status, access=None, reply_wait=None):
        stored = self.tickets[ticket.ticket_id]
        if stored.status != expected_status:
            raise StatusChanged()
        if reply_wait == "stop":
            stored.awaiting_reply_since = stored.reply_breached_at = None
        elif reply_wait == "start" and stored.awaiting_reply_since is None:
            stored.awaiting_reply_since = stamp(now)
        stored.updated_at = stamp(now)
        self._save(ticket.ticket_id, messages)
        if access is not None:
            self.accesses.append(access)
        return self.get(ticket.ticket_id)

    def join(self, ticket, from_statuses, seq, now, messages):
        stored = self.tickets[ticket.ticket_id]
        if stored.status not in from_statuses:
            raise StatusChanged()
        stored.status, stored.queue_seq, stored.queued_at, stored.assigned_agent = "waiting", seq, stamp(now), None
        stored.claimed_at, stored.updated_at = None, stamp(now)
        self.waiting_seqs.add(seq)
        self._save(ticket.ticket_id, messages)
        return self.get(ticket.ticket_id)

    def claim(self, ticket, agent_id, now, access):
        stored = self.tickets[ticket.ticket_id]
        if stored.status != "waiting":
            raise StatusChanged()
        stored.status, stored.assigned_agent, stored.claimed_at = "assigned", agent_id, stamp(now)
        stored.updated_at = stored.awaiting_reply_since = stamp(now)
        self.waiting_seqs.discard(stored.queue_seq)
        self.accesses.append(access)
        return self.get(ticket.ticket_id)

    def ticket_with_stats(self, ticket_id, queue):
        return self.get(ticket_id), self.stats(queue)

    def resolve(self, ticket, agent_id, now, handled, stats, messages, access):
        stored = self.tickets[ticket.ticket_id]
        if stored.status != "assigned":
            raise StatusChanged()
        stored.status, stored.resolved_at, stored.updated_at = "resolved", stamp(now), stamp(now)
        stored.awaiting_reply_since = stored.reply_breached_at = None
        stored.resolution_count += 1
        self._save(ticket.ticket_id, messages)
        self.accesses.append(access)
        return self.get(ticket.ticket_id)

    def rate(self, ticket, resolution, score, comment, now, message):
        stored = self.tickets[ticket.ticket_id]
        if stored.status != "resolved" or stored.rated_resolution >= resolution:
            raise StatusChanged()
        stored.rated_resolution, stored.rating_score, stored.rating_comment = resolution, score, comment
        stored.rated_at = stamp(now)
        self.written.append(comment or "")
        self._save(ticket.ticket_id, [message])
        return self.get(ticket.ticket_id)

    def record_access(self, access):
        self.accesses.append(access)

    def access_log(self, ticket_id, limit, cursor):
        entries = [a for a in reversed(self.accesses) if a.ticket_id == ticket_id]
        return entries[:limit], None

    # ---- QueueStore ----------------------------------------------------------------------------------------------
    def next_sequence(self, queue):
        self.seq += 1
        return self.seq

    def position(self, queue, seq):
        return sum(1 for s in self.waiting_seqs if s <= seq), self.stats(queue)

    def stats(self, queue):
        return QueueStats(queue, waiting=len(self.waiting_seqs), agents_online=1)

    def waiting(self, queue, limit, cursor=None):
        rows = sorted((r for r in self.tickets.values() if r.status == "waiting"), key=lambda r: r.queue_seq)
        return [to_queue_entry(r) for r in rows[:limit]], None

    def oldest_waiting(self, queue):
        entries, _ = self.waiting(queue, 1)
        return entries[0] if entries else None


class MemoryBlobs:
    """supportdesk.inbound.attachments.Blobs in memory: objects by key, upload forms and links recorded."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}
        self.forms: list[str] = []

    def put(self, key, data, content_type):
        self.objects[key] = data

    def size(self, key):
        return len(self.objects[key]) if key in self.objects else None

    def copy(self, source, key):
        self.objects[key] = self.objects[source]

    def delete(self, key):
        self.objects.pop(key, None)

    def upload_form(self, key, content_type, max_bytes, seconds):
        self.forms.append(key)
        return {"url": "https://s3.example/mail", "fields": {"key": key, "Content-Type": content_type}}

    def download_url(self, key, filename, content_type, seconds):
        return f"https://s3.example/mail/{key}?expires={seconds}"


class MemoryAttachmentRecords:
    """supportdesk.inbound.attachments.AttachmentRecords in memory."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], object] = {}

    def add_attachment(self, attachment):
        self.items[(attachment.ticket_id, attachment.attachment_id)] = attachment

    def attachments(self, ticket_id):
        return [a for (t, _), a in sorted(self.items.items()) if t == ticket_id]

    def mark_attachment_sent(self, ticket_id, attachment_id, size, at):
        from dataclasses import replace

        item = self.items[(ticket_id, attachment_id)]
        self.items[(ticket_id, attachment_id)] = replace(item, sent=True, size=size)


class MemoryOrderStore:
    """orders.repository.CustomerOrderStore in memory, with the adapter's conditions (tests/integration checks the
    DynamoDB ones on moto)."""

    def __init__(self, orders=()) -> None:
        self.orders: dict[tuple[str, str], object] = {(o.customer_id, o.order_id): o for o in orders}

    def get(self, customer_id, order_id):
        return self.orders.get((customer_id, order_id))

    def customer_orders(self, customer_id, limit, cursor):
        mine = sorted((o for (c, _), o in self.orders.items() if c == customer_id), key=lambda o: o.placed_at,
                      reverse=True)
        start = int(cursor or 0)
        page = mine[start:start + limit]
        return page, str(start + limit) if start + limit < len(mine) else None

    def request_cancellation(self, customer_id, order_id, request, *, statuses, stale_before):
        from dataclasses import replace

        order = self.get(customer_id, order_id)
        if (order is None or order.status not in tuple(statuses) or order.reserved_cents or order.refunded_cents
                or (order.cancellation is not None and order.cancellation.requested_at >= stale_before)):
            return None
        self.orders[(customer_id, order_id)] = order = replace(order, cancellation=request)
        return order

    def request_address_change(self, customer_id, order_id, request, *, statuses, stale_before):
        from dataclasses import replace

        order = self.get(customer_id, order_id)
        if (order is None or order.status not in tuple(statuses) or order.cancellation is not None
                or (order.address_change is not None and order.address_change.requested_at >= stale_before)):
            return None
        self.orders[(customer_id, order_id)] = order = replace(order, address_change=request)
        return order

    def withdraw(self, customer_id, order_id, kind, request_id):
        from dataclasses import replace

        order = self.get(customer_id, order_id)
        field_name = "cancellation" if kind.value == "cancellation" else "address_change"
        pending = getattr(order, field_name, None) if order else None
        if pending is None or pending.request_id != request_id:
            return False
        self.orders[(customer_id, order_id)] = replace(order, **{field_name: None})
        return True


@dataclass
class FakePublisher:
    """order_self_service.storefront.RequestPublisher that records; `failing` makes every publish fail."""

    published: list[tuple[str, dict]] = field(default_factory=list)
    failing: bool = False

    def publish(self, detail_type: str, detail: dict) -> None:
        from supportdesk.order_self_service.storefront import PublishFailed

        if self.failing:
            raise PublishFailed("ResourceNotFoundException")
        self.published.append((detail_type, detail))
