"""The staff's side of tickets: the waiting queue, claim, reply, resolve, presence, and the audit trail of who read
what. Agents see the queue and the tickets they claimed; supervisors see every ticket. Every look at a ticket,
allowed or refused, is written to its audit trail in the same request."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from supportdesk.clock import iso
from supportdesk.errors import Conflict, Forbidden, NotFound
from supportdesk.identity.contacts import contact_status
from supportdesk.observability import audit, metrics
from supportdesk.roles import Caller
from supportdesk.tickets import queue as q
from supportdesk.tickets.desk import STATE_RETRIES, Desk, retry_on_status_change
from supportdesk.tickets.model import (
    Access,
    Author,
    MessageAttachment,
    NewMessage,
    ReplyWait,
    StatusChanged,
    Ticket,
    TicketStatus,
)
from supportdesk.tickets.references import normalize_reference
from supportdesk.tickets.views import RATING_WINDOW, access_view, message_view, queue_entry_view, ticket_view


class StaffOperations(Desk):
    def _admit(self, staff: Caller, ticket: Ticket | None, action: str, *, any_staff: bool = False) -> Access:
        """May this staff member see the ticket (agents: the queue and their own claims; supervisors: all;
        `any_staff` for a claim, whose outcome the queue state decides)? Every look, allowed or not, goes into the
        ticket's audit trail in the same request: a refused one at once; an allowed one is returned, for the caller
        to write with its state change (same transaction) or on its own."""
        if ticket is None:
            raise NotFound("ticket_not_found")
        allowed = (
            any_staff
            or staff.is_supervisor
            or ticket.status is TicketStatus.WAITING
            or ticket.assigned_agent == staff.account_id
        )
        access = Access(
            ticket.ticket_id,
            staff.account_id,
            staff.role.value,
            action if allowed else f"{action}_denied",
            self.clock.now(),
        )
        if not allowed:
            self.store.record_access(access)
            raise Forbidden("ticket_not_assigned")
        return access

    def _staff_ticket(
        self, staff: Caller, ticket_id: str, action: str, *, any_staff: bool = False
    ) -> tuple[Ticket, Access]:
        """The ticket, if this staff member may see it, and the look's audit entry (see _admit)."""
        ticket = self.store.get(self._reference(ticket_id))
        access = self._admit(staff, ticket, action, any_staff=any_staff)
        assert ticket is not None  # _admit refuses a missing ticket
        return ticket, access

    @contextmanager
    def _recorded_unless_written(self, access: Access) -> Iterator[None]:
        """The block hands `access` to a state change that writes it in its own transaction. If the block does not
        get there or the change does not happen (refused, lost a race, failed), the look is recorded on its own."""
        try:
            yield
        except Exception:
            self.store.record_access(access)
            raise

    def _require_owner(self, staff: Caller, ticket: Ticket) -> None:
        if ticket.status is not TicketStatus.ASSIGNED:
            raise Conflict("ticket_not_claimed")
        if not staff.is_supervisor and ticket.assigned_agent != staff.account_id:
            raise Forbidden("ticket_not_assigned")

    def waiting_queue(self, staff: Caller, limit: int, cursor: str | None) -> dict:
        now = self.clock.now()
        entries, next_cursor = self.queue.waiting(q.DEFAULT_QUEUE, limit, cursor)
        stats = self.queue.stats(q.DEFAULT_QUEUE)
        return {
            "queue": q.DEFAULT_QUEUE,
            "waiting": stats.waiting,
            "agents_online": stats.agents_online,
            "avg_handle_seconds": round(stats.handle_seconds),
            "tickets": [queue_entry_view(entry, now) for entry in entries],
            "next_cursor": next_cursor,
        }

    def agent_tickets(self, staff: Caller, agent_id: str | None, limit: int, cursor: str | None) -> dict:
        """The tickets an agent claimed, most recently active first: their own, or any agent's for a supervisor."""
        agent_id = agent_id or staff.account_id
        if agent_id != staff.account_id and not staff.is_supervisor:
            raise Forbidden("supervisor_only")
        now = self.clock.now()
        tickets, next_cursor = self.store.agent_tickets(agent_id, limit, cursor)
        return {
            "agent_id": agent_id,
            "tickets": [ticket_view(t, now, staff=True) for t in tickets],
            "next_cursor": next_cursor,
        }

    def _with_messages(self, ticket: Ticket, now) -> dict:
        """The ticket for staff, with how the customer is reached: whether their e-mail address bounced or
        complained (then replies go by SMS to a verified phone, or nowhere). One GetItem of the account (its
        contact projection) besides the messages' Query; None once the customer deleted their account."""
        messages = self.store.messages(ticket.ticket_id)
        account = None if ticket.customer_deleted else self.accounts.get(ticket.customer_id)
        return {
            "ticket": ticket_view(ticket, now, staff=True),
            "messages": [message_view(m, staff=True) for m in messages],
            "customer": contact_status(account) if account is not None else None,
        }

    def staff_ticket(self, staff: Caller, ticket_id: str) -> dict:
        now = self.clock.now()
        ticket, access = self._staff_ticket(staff, ticket_id, "read")
        self.store.record_access(access)
        return self._with_messages(ticket, now)

    def claim(self, staff: Caller, ticket_id: str) -> dict:
        now = self.clock.now()
        # A claim that lost a race must say so (409), not that the ticket now belongs to someone else (403); the
        # ticket's content is returned only to the winner.
        ticket, access = self._staff_ticket(staff, ticket_id, "claim", any_staff=True)
        with self._recorded_unless_written(access):
            if ticket.status is not TicketStatus.WAITING:
                raise Conflict(
                    "ticket_already_claimed" if ticket.status is TicketStatus.ASSIGNED else "ticket_not_waiting"
                )
            try:
                ticket = self.store.claim(ticket, staff.account_id, now, access)
            except StatusChanged:
                raise Conflict("ticket_already_claimed") from None
        metrics.add_metric(name="TicketClaims", unit="Count", value=1)
        if ticket.queued_at:
            metrics.add_metric(
                name="TicketWaitSeconds", unit="Seconds", value=max(0.0, (now - ticket.queued_at).total_seconds())
            )
        audit("ticket_claimed", account_id=staff.account_id, ticket_id=ticket.ticket_id)
        return self._with_messages(ticket, now)

    def agent_reply(
        self, staff: Caller, ticket_id: str, text: str, attachments: tuple[MessageAttachment, ...] = ()
    ) -> dict:
        """An agent's answer, with the files they uploaded for it: stored (masked), the customer's wait for an answer
        ends (the reply SLA's clock stops), and the customer is told by e-mail (or SMS) in their language; the files
        are named there and downloaded from the ticket."""
        now = self.clock.now()
        safe, kinds = self._masked(text)

        def attempt() -> Ticket:
            ticket, access = self._staff_ticket(staff, ticket_id, "reply")
            message = NewMessage(
                Author.AGENT, safe, now, author_id=staff.account_id, masked_kinds=kinds, attachments=attachments
            )
            with self._recorded_unless_written(access):
                self._require_owner(staff, ticket)
                return self.store.append(
                    ticket, [message], now, TicketStatus.ASSIGNED, access, reply_wait=ReplyWait.STOP
                )

        ticket = retry_on_status_change(attempt)
        audit("ticket_replied", account_id=staff.account_id, ticket_id=ticket.ticket_id)
        notified = self._notify_customer(
            ticket, "ticket_agent_reply", {"message": safe, "attachments": [a.filename for a in attachments]}
        )
        return {
            "ticket": ticket_view(ticket, now, staff=True),
            "masked_kinds": sorted(kinds),
            "customer_notified": notified,
        }

    def resolve(self, staff: Caller, ticket_id: str) -> dict:
        now = self.clock.now()
        reference = self._reference(ticket_id)

        def attempt() -> tuple[Ticket, float | None]:
            # A StatusChanged means the ticket moved (re-checked here) or another resolve updated the stats: read again
            ticket, stats = self.store.ticket_with_stats(reference, q.DEFAULT_QUEUE)
            access = self._admit(staff, ticket, "resolve")
            assert ticket is not None  # _admit refuses a missing ticket
            with self._recorded_unless_written(access):
                self._require_owner(staff, ticket)
                if ticket.queue != stats.queue:
                    stats = self.queue.stats(ticket.queue)
                handled = (now - ticket.claimed_at).total_seconds() if ticket.claimed_at else None
                note = self._note("resolved", ticket.language, now, days=RATING_WINDOW.days)
                return self.store.resolve(ticket, staff.account_id, now, handled, stats, [note], access), handled

        ticket, handled = retry_on_status_change(attempt, STATE_RETRIES + 2)
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
        changed = self.queue.set_presence(q.DEFAULT_QUEUE, staff.account_id, online, now, lease_until)
        if changed:
            audit("agent_status", account_id=staff.account_id, online=online)
        stats = self.queue.stats(q.DEFAULT_QUEUE)
        return {
            "online": online,
            "changed": changed,
            "queue": q.DEFAULT_QUEUE,
            "agents_online": stats.agents_online,
            "lease_until": iso(lease_until) if lease_until else None,
        }

    def access_log(self, staff: Caller, ticket_id: str, limit: int, cursor: str | None) -> dict:
        if not staff.is_supervisor:
            raise Forbidden("supervisor_only")
        reference = normalize_reference(ticket_id)
        if not reference or self.store.get(reference) is None:
            raise NotFound("ticket_not_found")
        entries, next_cursor = self.store.access_log(reference, limit, cursor)
        return {"ticket_id": reference, "entries": [access_view(e) for e in entries], "next_cursor": next_cursor}
