"""Tickets: open, talk, hand off to a human, queue position and wait, claim, reply, resolve, rate.

Plain Python: receives its store, order lookup, accounts, notifier, clock, business hours, masking and wait
estimator as arguments (supportdesk.tickets.wiring builds the real ones). Everything a person writes is masked
before it is stored or logged; the original never leaves this module.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Protocol

from supportdesk import i18n
from supportdesk.clock import Clock, iso
from supportdesk.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from supportdesk.notify.notifier import Recipient
from supportdesk.observability import audit, logger, metrics
from supportdesk.ratelimit import Limit, RateLimiter
from supportdesk.identity.contacts import verified_recipients
from supportdesk.text import single_line
from supportdesk.tickets import queue as q
from supportdesk.tickets.handoff import wants_human
from supportdesk.tickets.references import normalize_reference
from supportdesk.tickets.repository import Access, NewMessage, StatusChanged, parse_stamp, stamp

# Per customer, across the web and e-mail: generous for a person, a wall for a script filling the agents' queue.
OPEN_PER_CUSTOMER = Limit("ticket-open", max_hits=20, window_seconds=3600)
MESSAGE_PER_CUSTOMER = Limit("ticket-message", max_hits=60, window_seconds=600)

CATEGORIES = ("order_status", "payment", "shipping", "refund", "account", "product", "other")
MAX_MESSAGE = 5000
MAX_SUBJECT = 200
MAX_COMMENT = 1000
MAX_ORDER_ID = 64
RATING_WINDOW = timedelta(days=7)
DEFAULT_PAGE = 20
MAX_PAGE = 50
STATE_RETRIES = 4
SUPERVISOR = "supervisor"


class OrderLookup(Protocol):
    def belongs_to(self, customer_id: str, order_id: str) -> bool: ...


@dataclass(frozen=True)
class Caller:
    account_id: str
    role: str = "customer"
    language: str = "zh-CN"

    @classmethod
    def of(cls, principal) -> "Caller":
        return cls(principal.account_id, principal.role, principal.language)


# ---- input parsing (kept here so inbound e-mail and the API validate the same way) ---------------------------


def parse_category(value: Any) -> str:
    if not isinstance(value, str) or value.strip() not in CATEGORIES:
        raise InvalidInput("invalid_category", details={"field": "category", "allowed": list(CATEGORIES)})
    return value.strip()


def parse_text(value: Any, field: str, max_length: int, required: bool = True, one_line: bool = False) -> str | None:
    """A text field; `one_line` (subjects, order ids) collapses control characters and line breaks to one space."""
    if one_line and isinstance(value, str):
        value = single_line(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput("empty_message" if field == "message" else "missing_field", field=field,
                               details={"field": field})
        return None
    if not isinstance(value, str):
        raise InvalidInput("invalid_field", field=field, details={"field": field})
    text = value.strip()
    if len(text) > max_length:
        code = "message_too_long" if field == "message" else "field_too_long"
        raise InvalidInput(code, field=field, max=max_length, details={"field": field, "max": max_length})
    return text


def parse_score(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) or not 1 <= value <= 5:
        raise InvalidInput("invalid_score", details={"field": "score", "min": 1, "max": 5})
    return int(value)


def parse_limit(value: Any) -> int:
    if value in (None, ""):
        return DEFAULT_PAGE
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("invalid_limit", max=MAX_PAGE) from None
    if not 1 <= limit <= MAX_PAGE:
        raise InvalidInput("invalid_limit", max=MAX_PAGE)
    return limit


def parse_online(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput("invalid_field", field="online", details={"field": "online"})
    return value


# ---- views -----------------------------------------------------------------------------------------------------


def _time(value: str | None) -> str | None:
    moment = parse_stamp(value)
    return iso(moment) if moment else None


def _can_rate(ticket, now: datetime) -> bool:
    resolved_at = parse_stamp(ticket.resolved_at)
    return (
        ticket.status == "resolved"
        and resolved_at is not None
        and int(ticket.rated_resolution or 0) < int(ticket.resolution_count or 0)
        and now - resolved_at <= RATING_WINDOW
    )


def ticket_view(ticket, now: datetime, *, staff: bool = False) -> dict:
    view = {
        "id": ticket.ticket_id,
        "reference": ticket.ticket_id,
        "status": ticket.status,
        "category": ticket.category,
        "subject": ticket.subject,
        "order_id": ticket.order_id,
        "channel": ticket.channel,
        "created_at": _time(ticket.created_at),
        "updated_at": _time(ticket.updated_at),
        "queued_at": _time(ticket.queued_at) if ticket.status == "waiting" else None,
        "with_agent": ticket.status == "assigned",
        "resolved_at": _time(ticket.resolved_at),
        "rating": (
            {"score": int(ticket.rating_score), "comment": ticket.rating_comment, "rated_at": _time(ticket.rated_at)}
            if ticket.rating_score is not None
            else None
        ),
        "can_rate": _can_rate(ticket, now),
    }
    if staff:
        view.update(
            customer_id=ticket.customer_id,
            language=ticket.language,
            assigned_agent=ticket.assigned_agent,
            claimed_at=_time(ticket.claimed_at),
            queue=ticket.queue,
        )
    return view


def message_view(message, *, staff: bool = False) -> dict:
    view = {
        "id": message.message_id,
        "author": message.author,
        "text": message.text,
        "created_at": _time(message.created_at),
    }
    if message.note:
        view["note"] = message.note
    if message.params:
        view["params"] = message.params.as_dict() if hasattr(message.params, "as_dict") else dict(message.params)
    if staff:
        view["author_id"] = message.author_id
        view["masked_kinds"] = sorted(message.masked_kinds or [])
    return view


class TicketService:
    def __init__(
        self,
        store,
        orders: OrderLookup,
        accounts,
        notifier,
        clock: Clock,
        hours,
        mask: Callable[[str], Any],
        estimate: Callable[..., Any],
        support_inbox: str = "",
        limiter: RateLimiter | None = None,
    ) -> None:
        self.store = store
        self.limiter = limiter
        self.orders = orders
        self.accounts = accounts
        self.notifier = notifier
        self.clock = clock
        self.hours = hours
        self.mask = mask
        self.estimate = estimate
        self.support_inbox = support_inbox

    # ---- helpers -------------------------------------------------------------------------------------------
    def _limit(self, limit: Limit, caller: Caller) -> None:
        if self.limiter is not None:
            self.limiter.hit(limit, caller.account_id, code="ticket_rate_limited")

    def _masked(self, text: str) -> tuple[str, frozenset[str]]:
        result = self.mask(text)
        return result.text, frozenset(result.kinds) if result.changed else frozenset()

    def _note(self, key: str, language: str, now: datetime, **params: Any) -> NewMessage:
        text = i18n.message(f"ticket_note_{key}", language, **params)
        return NewMessage("system", text, now, note=key, params={k: str(v) for k, v in params.items()} or None)

    def _mask_notice(self, kinds: frozenset[str], language: str, now: datetime) -> NewMessage:
        names = "、".join if language == "zh-CN" else ", ".join
        described = names(i18n.message(f"masked_kind_{kind}", language) for kind in sorted(kinds))
        return self._note("masked", language, now, kinds=described)

    def _local_time(self, moment: datetime) -> str:
        from zoneinfo import ZoneInfo

        zone = getattr(self.hours, "timezone", None) or getattr(self.hours, "tz", None)
        if isinstance(zone, str):
            zone = ZoneInfo(zone)
        local = moment.astimezone(zone) if zone else moment
        return f"{local:%Y-%m-%d %H:%M} ({getattr(zone, 'key', None) or local.tzname()})"

    def _customer_ticket(self, caller: Caller, ticket_id: str):
        """The caller's ticket or 404: another customer's ticket is indistinguishable from a missing one."""
        reference = normalize_reference(ticket_id)
        ticket = self.store.get(reference) if reference else None
        if ticket is None or ticket.customer_id != caller.account_id:
            raise NotFound("ticket_not_found")
        return ticket

    def _queue_info(self, ticket, position: int, stats: q.QueueStats, now: datetime) -> dict:
        wait = self.estimate(position, stats.handle_seconds, stats.agents_online, now, self.hours)
        return {
            "position": position,
            "waiting": stats.waiting,
            "agents_online": stats.agents_online,
            "estimated_wait_seconds": int(wait.seconds),
            "expected_at": iso(wait.expected_at),
            "open_now": bool(self.hours.is_open(now)),
            "agents_back_at": iso(wait.agents_back_at) if wait.agents_back_at else None,
        }

    def _position(self, ticket, now: datetime) -> dict | None:
        if ticket.status != "waiting" or ticket.queue_seq is None:
            return None
        position, stats = self.store.position(ticket.queue, int(ticket.queue_seq))
        return self._queue_info(ticket, max(1, position), stats, now)

    def _handoff_note(self, language: str, now: datetime) -> NewMessage:
        """The acknowledgement of a handoff in the customer's language; out of hours it says when agents are back."""
        if self.hours.is_open(now):
            return self._note("handoff", language, now)
        back = self.hours.next_opening(now)
        return self._note("after_hours", language, now, back_at=self._local_time(back))

    def _handed_off(self, ticket) -> None:
        metrics.add_metric(name="TicketHandoffs", unit="Count", value=1)
        audit("ticket_handoff", ticket_id=ticket.ticket_id, queue=ticket.queue, seq=int(ticket.queue_seq))

    def _join(self, ticket, from_statuses: tuple[str, ...], now: datetime, messages: list[NewMessage]):
        """Into the human queue, with an acknowledgement. Returns the ticket as it is now."""
        seq = self.store.next_sequence(ticket.queue)
        ticket = self.store.join(ticket, from_statuses, seq, now, [*messages, self._handoff_note(ticket.language, now)])
        self._handed_off(ticket)
        return ticket

    # ---- customer ------------------------------------------------------------------------------------------
    def open_ticket(
        self, caller: Caller, category: str, subject: str, message: str, order_id: str | None = None,
        channel: str = "web",
    ) -> dict:
        self._limit(OPEN_PER_CUSTOMER, caller)
        return self._open(caller, category, subject, message, order_id, channel)[1]

    def _open(
        self, caller: Caller, category: str, subject: str, message: str, order_id: str | None, channel: str
    ) -> tuple[Any, dict]:
        """A new ticket (and its view). A first message that asks for a human creates it already waiting in the
        queue: one transaction, not a create and then a join."""
        now = self.clock.now()
        if order_id is not None and not self.orders.belongs_to(caller.account_id, order_id):
            raise NotFound("order_not_found")
        safe_subject, subject_kinds = self._masked(subject)
        safe_message, message_kinds = self._masked(message)
        kinds = subject_kinds | message_kinds
        first = [NewMessage("customer", safe_message, now, author_id=caller.account_id, masked_kinds=message_kinds)]
        if kinds:
            first.append(self._mask_notice(kinds, caller.language, now))
        seq = None
        if wants_human(message):
            seq = self.store.next_sequence(q.DEFAULT_QUEUE)
            first.append(self._handoff_note(caller.language, now))
        ticket = self.store.create(
            {
                "customer_id": caller.account_id,
                "category": category,
                "subject": safe_subject,
                "status": "open",
                "language": caller.language,
                "channel": channel,
                "queue": q.DEFAULT_QUEUE,
                "order_id": order_id,
                "created_at": stamp(now),
                "updated_at": stamp(now),
            },
            first,
            seq=seq,
        )
        metrics.add_metric(name="TicketsOpened", unit="Count", value=1)
        audit("ticket_opened", account_id=caller.account_id, ticket_id=ticket.ticket_id, category=category,
              channel=channel, masked=sorted(kinds))
        if seq is not None:
            self._handed_off(ticket)
        view = {"ticket": ticket_view(ticket, now), "masked": bool(kinds), "masked_kinds": sorted(kinds),
                "queue": self._position(ticket, now)}
        return ticket, view

    def list_tickets(self, caller: Caller, limit: int, cursor: str | None) -> dict:
        now = self.clock.now()
        tickets, next_cursor = self.store.customer_tickets(caller.account_id, limit, cursor)
        return {"tickets": [ticket_view(t, now) for t in tickets], "next_cursor": next_cursor}

    def get_ticket(self, caller: Caller, ticket_id: str) -> dict:
        now = self.clock.now()
        ticket = self._customer_ticket(caller, ticket_id)
        messages = self.store.messages(ticket.ticket_id)
        return {"ticket": ticket_view(ticket, now), "messages": [message_view(m) for m in messages]}

    def post_message(self, caller: Caller, ticket_id: str, text: str) -> dict:
        """A customer's message. On a resolved ticket it reopens the ticket into the human queue (the follow-up
        needs a person); a message that asks for a human hands the ticket off."""
        self._limit(MESSAGE_PER_CUSTOMER, caller)
        now = self.clock.now()
        safe, kinds = self._masked(text)
        asks_for_human = wants_human(text)
        for _ in range(STATE_RETRIES):
            ticket = self._customer_ticket(caller, ticket_id)
            message = NewMessage("customer", safe, now, author_id=caller.account_id, masked_kinds=kinds)
            batch = [message] + ([self._mask_notice(kinds, ticket.language, now)] if kinds else [])
            try:
                if ticket.status == "resolved":
                    ticket = self._join(ticket, ("resolved",), now,
                                        batch + [self._note("reopened", ticket.language, now)])
                    audit("ticket_reopened", account_id=caller.account_id, ticket_id=ticket.ticket_id)
                elif ticket.status == "open" and asks_for_human:
                    ticket = self._join(ticket, ("open",), now, batch)
                else:
                    ticket = self.store.append(ticket, batch, now, ticket.status)
                break
            except StatusChanged:
                continue  # an agent claimed or resolved it meanwhile: decide again on the new state
        else:
            raise Conflict("ticket_busy")
        return {
            "ticket": ticket_view(ticket, now),
            "masked": bool(kinds),
            "masked_kinds": sorted(kinds),
            "queue": self._position(ticket, now),
        }

    def handoff(self, caller: Caller, ticket_id: str) -> dict:
        """Ask for a human. Idempotent: a ticket already waiting keeps its place, one with an agent stays there."""
        now = self.clock.now()
        for _ in range(STATE_RETRIES):
            ticket = self._customer_ticket(caller, ticket_id)
            if ticket.status in ("waiting", "assigned"):
                break
            try:
                ticket = self._join(ticket, ("open", "resolved"), now, [])
                break
            except StatusChanged:
                continue
        else:
            raise Conflict("ticket_busy")
        return {"ticket": ticket_view(ticket, now), "queue": self._position(ticket, now)}

    def queue_status(self, caller: Caller, ticket_id: str) -> dict:
        now = self.clock.now()
        ticket = self._customer_ticket(caller, ticket_id)
        return {"ticket_id": ticket.ticket_id, "status": ticket.status, "queue": self._position(ticket, now)}

    def rate(self, caller: Caller, ticket_id: str, score: int, comment: str | None) -> dict:
        now = self.clock.now()
        ticket = self._customer_ticket(caller, ticket_id)
        if ticket.status != "resolved":
            raise Conflict("ticket_not_resolved")
        resolution = int(ticket.resolution_count or 0)
        if int(ticket.rated_resolution or 0) >= resolution:
            raise Conflict("ticket_already_rated")
        resolved_at = parse_stamp(ticket.resolved_at)
        if resolved_at is None or now - resolved_at > RATING_WINDOW:
            raise Conflict("rating_period_over", days=RATING_WINDOW.days)
        safe_comment, kinds = self._masked(comment) if comment else (None, frozenset())
        record = NewMessage(
            "customer", safe_comment or "", now, author_id=caller.account_id, masked_kinds=kinds, note="rating",
            params={"score": str(score), "resolution": str(resolution)},
        )
        try:
            ticket = self.store.rate(ticket, resolution, score, safe_comment, now, record)
        except StatusChanged:
            fresh = self.store.get(ticket.ticket_id)
            if fresh is not None and fresh.status == "resolved":
                raise Conflict("ticket_already_rated") from None
            raise Conflict("ticket_not_resolved") from None
        metrics.add_metric(name="TicketRatings", unit="Count", value=1)
        metrics.add_metric(name=f"TicketRating{score}", unit="Count", value=1)
        audit("ticket_rated", account_id=caller.account_id, ticket_id=ticket.ticket_id, score=score,
              resolution=resolution, agent_id=ticket.assigned_agent)
        return {"ticket": ticket_view(ticket, now), "masked": bool(kinds), "masked_kinds": sorted(kinds)}

    # ---- staff -------------------------------------------------------------------------------------------
    @staticmethod
    def _reference(ticket_id: str) -> str:
        reference = normalize_reference(ticket_id)
        if not reference:
            raise NotFound("ticket_not_found")
        return reference

    def _admit(self, staff: Caller, ticket, action: str, *, any_staff: bool = False) -> Access:
        """May this staff member see the ticket (agents: the queue and their own claims; supervisors: all;
        `any_staff` for a claim, whose outcome the queue state decides)? Every look, allowed or not, goes into the
        ticket's audit trail in the same request: a refused one at once; an allowed one is returned, for the caller
        to write with its state change (same transaction) or on its own."""
        if ticket is None:
            raise NotFound("ticket_not_found")
        allowed = (
            any_staff
            or staff.role == SUPERVISOR
            or ticket.status == "waiting"
            or ticket.assigned_agent == staff.account_id
        )
        access = Access(ticket.ticket_id, staff.account_id, staff.role, action if allowed else f"{action}_denied",
                        self.clock.now())
        if not allowed:
            self.store.record_access(access)
            raise Forbidden("ticket_not_assigned")
        return access

    def _staff_ticket(self, staff: Caller, ticket_id: str, action: str, *, any_staff: bool = False):
        """The ticket, if this staff member may see it, and the look's audit entry (see _admit)."""
        ticket = self.store.get(self._reference(ticket_id))
        return ticket, self._admit(staff, ticket, action, any_staff=any_staff)

    @contextmanager
    def _recorded_unless_written(self, access: Access):
        """The block hands `access` to a state change that writes it in its own transaction. If the block does not
        get there or the change does not happen (refused, lost a race, failed), the look is recorded on its own."""
        try:
            yield
        except Exception:
            self.store.record_access(access)
            raise

    def waiting_queue(self, staff: Caller, limit: int, cursor: str | None) -> dict:
        from supportdesk.tickets.repository import decode_cursor, encode_cursor

        now = self.clock.now()
        position = decode_cursor(cursor, ("s",))
        after = None
        if position:
            try:
                after = int(position["s"])
            except ValueError:
                raise InvalidInput("invalid_cursor") from None
            if not 0 <= after < 10**15:  # a queue sequence number; DynamoDB numbers stop at 38 digits
                raise InvalidInput("invalid_cursor")
        tickets = self.store.waiting(q.DEFAULT_QUEUE, limit, after)
        stats = self.store.stats(q.DEFAULT_QUEUE)
        items = []
        for ticket in tickets:
            queued = parse_stamp(ticket.queued_at)
            items.append({
                "id": ticket.ticket_id,
                "category": ticket.category,
                "subject": ticket.subject,
                "language": ticket.language,
                "channel": ticket.channel,
                "queued_at": _time(ticket.queued_at),
                "waited_seconds": max(0, int((now - queued).total_seconds())) if queued else None,
            })
        next_cursor = (
            encode_cursor({"s": str(int(tickets[-1].queue_seq))}) if len(tickets) >= limit and tickets else None
        )
        return {
            "queue": q.DEFAULT_QUEUE,
            "waiting": stats.waiting,
            "agents_online": stats.agents_online,
            "avg_handle_seconds": round(stats.handle_seconds),
            "tickets": items,
            "next_cursor": next_cursor,
        }

    def agent_tickets(self, staff: Caller, agent_id: str | None, limit: int, cursor: str | None) -> dict:
        """The tickets an agent claimed, most recently active first: their own, or any agent's for a supervisor."""
        agent_id = agent_id or staff.account_id
        if agent_id != staff.account_id and staff.role != SUPERVISOR:
            raise Forbidden("supervisor_only")
        now = self.clock.now()
        tickets, next_cursor = self.store.agent_tickets(agent_id, limit, cursor)
        return {
            "agent_id": agent_id,
            "tickets": [ticket_view(t, now, staff=True) for t in tickets],
            "next_cursor": next_cursor,
        }

    def staff_ticket(self, staff: Caller, ticket_id: str) -> dict:
        now = self.clock.now()
        ticket, access = self._staff_ticket(staff, ticket_id, "read")
        self.store.record_access(access)
        messages = self.store.messages(ticket.ticket_id)
        return {"ticket": ticket_view(ticket, now, staff=True), "messages": [message_view(m, staff=True) for m in messages]}

    def claim(self, staff: Caller, ticket_id: str) -> dict:
        now = self.clock.now()
        # A claim that lost a race must say so (409), not that the ticket now belongs to someone else (403); the
        # ticket's content is returned only to the winner.
        ticket, access = self._staff_ticket(staff, ticket_id, "claim", any_staff=True)
        with self._recorded_unless_written(access):
            if ticket.status != "waiting":
                raise Conflict("ticket_already_claimed" if ticket.status == "assigned" else "ticket_not_waiting")
            try:
                ticket = self.store.claim(ticket, staff.account_id, now, access)
            except StatusChanged:
                raise Conflict("ticket_already_claimed") from None
        metrics.add_metric(name="TicketClaims", unit="Count", value=1)
        queued = parse_stamp(ticket.queued_at)
        if queued:
            metrics.add_metric(name="TicketWaitSeconds", unit="Seconds", value=max(0.0, (now - queued).total_seconds()))
        audit("ticket_claimed", account_id=staff.account_id, ticket_id=ticket.ticket_id)
        messages = self.store.messages(ticket.ticket_id)
        return {"ticket": ticket_view(ticket, now, staff=True), "messages": [message_view(m, staff=True) for m in messages]}

    def _require_owner(self, staff: Caller, ticket) -> None:
        if ticket.status != "assigned":
            raise Conflict("ticket_not_claimed")
        if staff.role != SUPERVISOR and ticket.assigned_agent != staff.account_id:
            raise Forbidden("ticket_not_assigned")

    def agent_reply(self, staff: Caller, ticket_id: str, text: str) -> dict:
        """An agent's answer: stored (masked), and the customer is told by e-mail in their language."""
        now = self.clock.now()
        safe, kinds = self._masked(text)
        for _ in range(STATE_RETRIES):
            ticket, access = self._staff_ticket(staff, ticket_id, "reply")
            message = NewMessage("agent", safe, now, author_id=staff.account_id, masked_kinds=kinds)
            try:
                with self._recorded_unless_written(access):
                    self._require_owner(staff, ticket)
                    ticket = self.store.append(ticket, [message], now, "assigned", access)
                break
            except StatusChanged:
                continue
        else:
            raise Conflict("ticket_busy")
        audit("ticket_replied", account_id=staff.account_id, ticket_id=ticket.ticket_id)
        notified = self._notify_customer(ticket, "ticket_agent_reply", {"message": safe})
        return {"ticket": ticket_view(ticket, now, staff=True), "masked_kinds": sorted(kinds), "customer_notified": notified}

    def _notify_customer(self, ticket, template: str, extra: dict) -> bool:
        """E-mail (or, for a phone-only account, SMS) in the customer's language. The reply is already stored, so a
        failed send is logged and reported, not turned into an error."""
        account = self.accounts.get(ticket.customer_id)
        if account is None:
            return False
        language = i18n.normalize_language(getattr(account, "language", None), ticket.language)
        context = {
            "reference": ticket.ticket_id,
            "subject": ticket.subject,
            "name": getattr(account, "display_name", None) or "",
            "support_inbox": self.support_inbox,
            **extra,
        }
        recipients = verified_recipients(account, language)  # never an unverified address or phone
        if not recipients:
            return False
        recipient = recipients[0]
        try:
            self.notifier.send(recipient, template, context)
        except Exception:  # noqa: BLE001 - the message is stored; the customer sees it in the ticket anyway
            logger.exception("customer notification failed", extra={"ticket_id": ticket.ticket_id, "template": template})
            metrics.add_metric(name="TicketNotificationFailures", unit="Count", value=1)
            return False
        return True

    def resolve(self, staff: Caller, ticket_id: str) -> dict:
        now = self.clock.now()
        reference = self._reference(ticket_id)
        for _ in range(STATE_RETRIES + 2):
            ticket, stats = self.store.ticket_with_stats(reference, q.DEFAULT_QUEUE)
            access = self._admit(staff, ticket, "resolve")
            try:
                with self._recorded_unless_written(access):
                    self._require_owner(staff, ticket)
                    if ticket.queue != stats.queue:
                        stats = self.store.stats(ticket.queue)
                    claimed = parse_stamp(ticket.claimed_at)
                    handled = (now - claimed).total_seconds() if claimed else None
                    note = self._note("resolved", ticket.language, now, days=RATING_WINDOW.days)
                    ticket = self.store.resolve(ticket, staff.account_id, now, handled, stats, [note], access)
                break
            except StatusChanged:
                continue  # the ticket moved (re-checked above) or another resolve updated the stats: read again
        else:
            raise Conflict("ticket_busy")
        metrics.add_metric(name="TicketsResolved", unit="Count", value=1)
        if handled is not None:
            metrics.add_metric(name="TicketHandleSeconds", unit="Seconds", value=max(0.0, handled))
        audit("ticket_resolved", account_id=staff.account_id, ticket_id=ticket.ticket_id)
        return {"ticket": ticket_view(ticket, now, staff=True)}

    def set_status(self, staff: Caller, online: bool) -> dict:
        """Go online (or, when online already, renew the presence lease: the agent console's heartbeat) or offline.
        `changed` says whether the agent's state changed; a renewal leaves it false."""
        now = self.clock.now()
        lease_until = now + q.PRESENCE_LEASE if online else None
        changed = self.store.set_presence(q.DEFAULT_QUEUE, staff.account_id, online, now, lease_until)
        if changed:
            audit("agent_status", account_id=staff.account_id, online=online)
        stats = self.store.stats(q.DEFAULT_QUEUE)
        return {
            "online": online,
            "changed": changed,
            "queue": q.DEFAULT_QUEUE,
            "agents_online": stats.agents_online,
            "lease_until": iso(lease_until) if lease_until else None,
        }

    def access_log(self, staff: Caller, ticket_id: str, limit: int, cursor: str | None) -> dict:
        if staff.role != SUPERVISOR:
            raise Forbidden("supervisor_only")
        reference = normalize_reference(ticket_id)
        if not reference or self.store.get(reference) is None:
            raise NotFound("ticket_not_found")
        entries, next_cursor = self.store.access_log(reference, limit, cursor)
        return {
            "ticket_id": reference,
            "entries": [
                {"actor_id": e.actor_id, "actor_role": e.actor_role, "action": e.action, "at": _time(e.at)}
                for e in entries
            ],
            "next_cursor": next_cursor,
        }

    # ---- e-mail ------------------------------------------------------------------------------------------
    def from_email(self, caller: Caller, reference: str | None, subject: str, body: str) -> dict:
        """An e-mail from a known customer: a reply to their ticket when the subject names one of theirs,
        otherwise a new ticket (category other), acknowledged by e-mail with its reference."""
        try:
            if reference:
                try:
                    result = self.post_message(caller, reference, body)
                    return {"action": "replied", "ticket_id": result["ticket"]["id"]}
                except NotFound:
                    logger.info("e-mail names a ticket that is not the sender's; opening a new one")
            self._limit(OPEN_PER_CUSTOMER, caller)
        except RateLimited:
            # Retrying cannot help (Lambda would retry into the same window), so the mail is dropped, not failed.
            metrics.add_metric(name="InboundEmailRateLimited", unit="Count", value=1)
            return {"action": "dropped_rate_limited", "ticket_id": reference}
        ticket, _ = self._open(caller, "other", subject, body, None, "email")
        self._notify_customer(ticket, "ticket_opened_by_email", {})
        return {"action": "opened", "ticket_id": ticket.ticket_id}
