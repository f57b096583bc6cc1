"""What the customer and the staff operations of tickets share: the ports they are given, the ticket rules
(limits, categories, sizes) and the steps both sides take (masking, system notes, joining the human queue, telling
the customer). Plain Python: receives its stores, order lookup, accounts, notifier, clock, business hours, masking
and wait estimator as arguments (supportdesk.tickets.wiring builds the real ones). Everything a person writes is
masked before it is stored or logged; the original never leaves the service.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Protocol, TypeVar

from supportdesk import i18n
from supportdesk.clock import Clock, iso
from supportdesk.errors import Conflict, NotFound
from supportdesk.hours import BusinessHours
from supportdesk.identity.contacts import verified_recipients
from supportdesk.notify.notifier import Notifier
from supportdesk.observability import audit, logger, metrics
from supportdesk.orders.repository import OrderLookup
from supportdesk.ratelimit import Limit, RateLimiter
from supportdesk.roles import Caller
from supportdesk.tickets import queue as q
from supportdesk.tickets.model import Author, NewMessage, StatusChanged, Ticket, TicketStatus
from supportdesk.tickets.queue_repository import QueueStore
from supportdesk.tickets.repository import TicketStore
from supportdesk.tickets.references import normalize_reference

# Per customer, across the web and e-mail: generous for a person, a wall for a script filling the agents' queue.
OPEN_PER_CUSTOMER = Limit("ticket-open", max_hits=20, window_seconds=3600)
MESSAGE_PER_CUSTOMER = Limit("ticket-message", max_hits=60, window_seconds=600)

CATEGORIES = ("order_status", "payment", "shipping", "refund", "account", "product", "other")
MAX_MESSAGE = 5000
MAX_SUBJECT = 200
MAX_COMMENT = 1000
MAX_ORDER_ID = 64
DEFAULT_PAGE = 20
MAX_PAGE = 50
STATE_RETRIES = 4

T = TypeVar("T")


class Accounts(Protocol):
    """What tickets need of accounts: the customer's contact details and language (supportdesk.identity)."""

    def get(self, account_id: str) -> Any: ...


def retry_on_status_change(attempt: Callable[[], T], retries: int = STATE_RETRIES) -> T:
    """Run `attempt` (read the ticket, decide, write conditionally) until its write finds the state it read: a
    StatusChanged means another request moved the ticket meanwhile, so it reads and decides again. After `retries`
    attempts the ticket is too busy: 409 ticket_busy."""
    for _ in range(retries):
        try:
            return attempt()
        except StatusChanged:
            continue
    raise Conflict("ticket_busy")


class Desk:
    """The ports and the steps shared by CustomerOperations and StaffOperations (see tickets/service.py)."""

    def __init__(
        self,
        store: TicketStore,
        queue: QueueStore,
        orders: OrderLookup,
        accounts: Accounts,
        notifier: Notifier,
        clock: Clock,
        hours: BusinessHours,
        mask: Callable[[str], Any],
        estimate: Callable[..., Any],
        support_inbox: str = "",
        limiter: RateLimiter | None = None,
    ) -> None:
        self.store = store
        self.queue = queue
        self.limiter = limiter
        self.orders = orders
        self.accounts = accounts
        self.notifier = notifier
        self.clock = clock
        self.hours = hours
        self.mask = mask
        self.estimate = estimate
        self.support_inbox = support_inbox

    def _limit(self, limit: Limit, caller: Caller) -> None:
        if self.limiter is not None:
            self.limiter.hit(limit, caller.account_id, code="ticket_rate_limited")

    def _masked(self, text: str) -> tuple[str, frozenset[str]]:
        result = self.mask(text)
        return result.text, frozenset(result.kinds) if result.changed else frozenset()

    def _note(self, key: str, language: str, now: datetime, **params: Any) -> NewMessage:
        text = i18n.message(f"ticket_note_{key}", language, **params)
        return NewMessage(Author.SYSTEM, text, now, note=key, params={k: str(v) for k, v in params.items()} or None)

    def _mask_notice(self, kinds: frozenset[str], language: str, now: datetime) -> NewMessage:
        names = "、".join if language == "zh-CN" else ", ".join
        described = names(i18n.message(f"masked_kind_{kind}", language) for kind in sorted(kinds))
        return self._note("masked", language, now, kinds=described)

    def _local_time(self, moment: datetime) -> str:
        local = moment.astimezone(self.hours.timezone)
        return f"{local:%Y-%m-%d %H:%M} ({self.hours.timezone.key})"

    @staticmethod
    def _reference(ticket_id: str) -> str:
        reference = normalize_reference(ticket_id)
        if not reference:
            raise NotFound("ticket_not_found")
        return reference

    def _queue_info(self, position: int, stats: q.QueueStats, now: datetime) -> dict:
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

    def _position(self, ticket: Ticket, now: datetime) -> dict | None:
        if ticket.status is not TicketStatus.WAITING or ticket.queue_seq is None:
            return None
        position, stats = self.queue.position(ticket.queue, ticket.queue_seq)
        return self._queue_info(max(1, position), stats, now)

    def _handoff_note(self, language: str, now: datetime) -> NewMessage:
        """The acknowledgement of a handoff in the customer's language; out of hours it says when agents are back."""
        if self.hours.is_open(now):
            return self._note("handoff", language, now)
        back = self.hours.next_opening(now)
        return self._note("after_hours", language, now, back_at=self._local_time(back))

    def _handed_off(self, ticket: Ticket) -> None:
        metrics.add_metric(name="TicketHandoffs", unit="Count", value=1)
        audit("ticket_handoff", ticket_id=ticket.ticket_id, queue=ticket.queue, seq=ticket.queue_seq)

    def _join(
        self, ticket: Ticket, from_statuses: tuple[TicketStatus, ...], now: datetime, messages: list[NewMessage]
    ) -> Ticket:
        """Into the human queue, with an acknowledgement. Returns the ticket as it is now."""
        seq = self.queue.next_sequence(ticket.queue)
        ticket = self.store.join(ticket, from_statuses, seq, now, [*messages, self._handoff_note(ticket.language, now)])
        self._handed_off(ticket)
        return ticket

    def _notify_customer(self, ticket: Ticket, template: str, extra: dict) -> bool:
        """E-mail (or, for a phone-only account, SMS) in the customer's language. The reply is already stored, so a
        failed send is logged and reported, not turned into an error."""
        account = self.accounts.get(ticket.customer_id)
        if account is None:
            return False
        language = i18n.normalize_language(account.language, ticket.language)
        context = {
            "reference": ticket.ticket_id,
            "subject": ticket.subject,
            "name": account.display_name or "",
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
            logger.exception(
                "customer notification failed", extra={"ticket_id": ticket.ticket_id, "template": template}
            )
            metrics.add_metric(name="TicketNotificationFailures", unit="Count", value=1)
            return False
        return True
