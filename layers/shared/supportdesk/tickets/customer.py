"""The customer's side of tickets: open (on the web or by e-mail), list, read, write, hand off to a human, follow the
queue, rate. A customer reaches only their own tickets: another customer's ticket is indistinguishable from a
missing one (404)."""

from __future__ import annotations

from datetime import datetime

from supportdesk import i18n
from supportdesk.errors import Conflict, NotFound, RateLimited
from supportdesk.tickets.csat import record_csat
from supportdesk.observability import audit, logger, metrics
from supportdesk.roles import Caller
from supportdesk.tickets import queue as q
from supportdesk.tickets.desk import MESSAGE_PER_CUSTOMER, OPEN_PER_CUSTOMER, Desk, retry_on_status_change
from supportdesk.tickets.handoff import wants_human
from supportdesk.tickets.model import (
    Author,
    Channel,
    MessageAttachment,
    NewMessage,
    NewTicket,
    ReplyWait,
    StatusChanged,
    Ticket,
    TicketStatus,
)
from supportdesk.tickets.references import normalize_reference
from supportdesk.tickets.views import RATING_WINDOW, message_view, ticket_view

MAIL_NOTE_CHARS = 1000  # of an automatic mail's text, or of refused attachments' names, kept in a note


class CustomerOperations(Desk):
    def _customer_ticket(self, caller: Caller, ticket_id: str) -> Ticket:
        """The caller's ticket or 404: another customer's ticket is indistinguishable from a missing one."""
        reference = normalize_reference(ticket_id)
        ticket = self.store.get(reference) if reference else None
        if ticket is None or ticket.customer_id != caller.account_id:
            raise NotFound("ticket_not_found")
        return ticket

    def open_ticket(
        self,
        caller: Caller,
        category: str,
        subject: str,
        message: str,
        order_id: str | None = None,
        channel: Channel = Channel.WEB,
    ) -> dict:
        self._limit(OPEN_PER_CUSTOMER, caller)
        return self._open(caller, category, subject, message, order_id, channel)[1]

    def _open(
        self,
        caller: Caller,
        category: str,
        subject: str,
        message: str,
        order_id: str | None,
        channel: Channel,
        follow_up_of: str | None = None,
        attachments: tuple[MessageAttachment, ...] = (),
    ) -> tuple[Ticket, dict]:
        """A new ticket (and its view). A first message that asks for a human creates it already waiting in the
        queue: one transaction, not a create and then a join."""
        now = self.clock.now()
        if order_id is not None and not self.orders.belongs_to(caller.account_id, order_id):
            raise NotFound("order_not_found")
        safe_subject, subject_kinds = self._masked(subject)
        safe_message, message_kinds = self._masked(message)
        kinds = subject_kinds | message_kinds
        first = [
            NewMessage(
                Author.CUSTOMER,
                safe_message,
                now,
                author_id=caller.account_id,
                masked_kinds=message_kinds,
                attachments=attachments,
            )
        ]
        if kinds:
            first.append(self._mask_notice(kinds, caller.language, now))
        seq = None
        if wants_human(message) or follow_up_of:  # a follow-up, like a reopen, needs a person
            seq = self.queue.next_sequence(q.DEFAULT_QUEUE)
            first.append(self._handoff_note(caller.language, now))
        ticket = self.store.create(
            NewTicket(
                customer_id=caller.account_id,
                category=category,
                subject=safe_subject,
                language=caller.language,
                channel=Channel(channel),
                queue=q.DEFAULT_QUEUE,
                created_at=now,
                order_id=order_id,
                follow_up_of=follow_up_of,
            ),
            first,
            seq=seq,
        )
        metrics.add_metric(name="TicketsOpened", unit="Count", value=1)
        audit(
            "ticket_opened",
            account_id=caller.account_id,
            ticket_id=ticket.ticket_id,
            category=category,
            channel=str(channel),
            masked=sorted(kinds),
        )
        if seq is not None:
            self._handed_off(ticket)
        view = {
            "ticket": ticket_view(ticket, now),
            "masked": bool(kinds),
            "masked_kinds": sorted(kinds),
            "queue": self._position(ticket, now),
        }
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

    def post_message(
        self, caller: Caller, ticket_id: str, text: str, attachments: tuple[MessageAttachment, ...] = ()
    ) -> dict:
        """A customer's message, with the files they uploaded for it (supportdesk.inbound.attachments). On a
        resolved ticket it reopens the ticket into the human queue (the follow-up needs a person); a message that
        asks for a human hands the ticket off."""
        self._limit(MESSAGE_PER_CUSTOMER, caller)
        now = self.clock.now()
        ticket, kinds = self._write(caller, ticket_id, text, now, attachments)
        if ticket.status is TicketStatus.CLOSED:
            return self._follow_up(caller, ticket, text, attachments)
        return {
            "ticket": ticket_view(ticket, now),
            "masked": bool(kinds),
            "masked_kinds": sorted(kinds),
            "queue": self._position(ticket, now),
        }

    def _write(
        self, caller: Caller, ticket_id: str, text: str, now: datetime, attachments: tuple[MessageAttachment, ...] = ()
    ) -> tuple[Ticket, frozenset[str]]:
        """Store a customer's message (masked) in their ticket, deciding on the ticket's state (read again when a
        concurrent change moved it): returns the ticket as it is now and what the masking hid. A closed ticket is
        returned untouched (the caller opens a follow-up)."""
        safe, kinds = self._masked(text)
        asks_for_human = wants_human(text)

        def attempt() -> Ticket:
            ticket = self._customer_ticket(caller, ticket_id)
            message = NewMessage(
                Author.CUSTOMER, safe, now, author_id=caller.account_id, masked_kinds=kinds, attachments=attachments
            )
            batch = [message] + ([self._mask_notice(kinds, ticket.language, now)] if kinds else [])
            if ticket.status is TicketStatus.CLOSED:
                return ticket  # nothing written: the caller opens a follow-up ticket instead
            if ticket.status is TicketStatus.RESOLVED:
                ticket = self._join(
                    ticket, (TicketStatus.RESOLVED,), now, batch + [self._note("reopened", ticket.language, now)]
                )
                audit("ticket_reopened", account_id=caller.account_id, ticket_id=ticket.ticket_id)
                return ticket
            if ticket.status is TicketStatus.OPEN and asks_for_human:
                return self._join(ticket, (TicketStatus.OPEN,), now, batch)
            # On a claimed ticket the customer now waits for the agent's answer (the reply SLA's clock)
            wait = ReplyWait.START if ticket.status is TicketStatus.ASSIGNED else None
            return self.store.append(ticket, batch, now, ticket.status, reply_wait=wait)

        return retry_on_status_change(attempt), kinds

    def _follow_up(
        self, caller: Caller, closed: Ticket, text: str, attachments: tuple[MessageAttachment, ...] = ()
    ) -> dict:
        """A message on a closed ticket does not reopen it (retention will purge its conversation): it opens a new
        ticket in the human queue, same category, linked to the closed one, where its files go too."""
        subject = i18n.message("ticket_follow_up_subject", closed.language, reference=closed.ticket_id)
        ticket, view = self._open(
            caller,
            closed.category,
            subject,
            text,
            None,
            closed.channel,
            follow_up_of=closed.ticket_id,
            attachments=attachments,
        )
        audit(
            "ticket_follow_up", account_id=caller.account_id, ticket_id=ticket.ticket_id, follow_up_of=closed.ticket_id
        )
        return {**view, "follow_up": True}

    def handoff(self, caller: Caller, ticket_id: str) -> dict:
        """Ask for a human. Idempotent: a ticket already waiting keeps its place, one with an agent stays there."""
        now = self.clock.now()

        def attempt() -> Ticket:
            ticket = self._customer_ticket(caller, ticket_id)
            if ticket.status in (TicketStatus.WAITING, TicketStatus.ASSIGNED):
                return ticket
            if ticket.status is TicketStatus.CLOSED:
                raise Conflict("ticket_closed")
            return self._join(ticket, (TicketStatus.OPEN, TicketStatus.RESOLVED), now, [])

        ticket = retry_on_status_change(attempt)
        return {"ticket": ticket_view(ticket, now), "queue": self._position(ticket, now)}

    def queue_status(self, caller: Caller, ticket_id: str) -> dict:
        now = self.clock.now()
        ticket = self._customer_ticket(caller, ticket_id)
        return {"ticket_id": ticket.ticket_id, "status": ticket.status.value, "queue": self._position(ticket, now)}

    def rate(self, caller: Caller, ticket_id: str, score: int, comment: str | None) -> dict:
        now = self.clock.now()
        ticket = self._customer_ticket(caller, ticket_id)
        if ticket.status is not TicketStatus.RESOLVED:
            raise Conflict("ticket_not_resolved")
        resolution = ticket.resolution_count
        if ticket.rated_resolution >= resolution:
            raise Conflict("ticket_already_rated")
        if ticket.resolved_at is None or now - ticket.resolved_at > RATING_WINDOW:
            raise Conflict("rating_period_over", days=RATING_WINDOW.days)
        safe_comment, kinds = self._masked(comment) if comment else (None, frozenset())
        record = NewMessage(
            Author.CUSTOMER,
            safe_comment or "",
            now,
            author_id=caller.account_id,
            masked_kinds=kinds,
            note="rating",
            params={"score": str(score), "resolution": str(resolution)},
        )
        try:
            ticket = self.store.rate(ticket, resolution, score, safe_comment, now, record)
        except StatusChanged:
            fresh = self.store.get(ticket.ticket_id)
            if fresh is not None and fresh.status is TicketStatus.RESOLVED:
                raise Conflict("ticket_already_rated") from None
            raise Conflict("ticket_not_resolved") from None
        metrics.add_metric(name="TicketRatings", unit="Count", value=1)
        metrics.add_metric(name=f"TicketRating{score}", unit="Count", value=1)
        record_csat(ticket.queue, score)
        audit(
            "ticket_rated",
            account_id=caller.account_id,
            ticket_id=ticket.ticket_id,
            score=score,
            resolution=resolution,
            agent_id=ticket.assigned_agent,
        )
        return {"ticket": ticket_view(ticket, now), "masked": bool(kinds), "masked_kinds": sorted(kinds)}

    # ---- e-mail ------------------------------------------------------------------------------------------
    def from_email(
        self,
        caller: Caller,
        reference: str | None,
        subject: str,
        body: str,
        attachments: tuple[MessageAttachment, ...] = (),
    ) -> dict:
        """An e-mail from a known customer: a reply to their ticket when the subject names one of theirs,
        otherwise a new ticket (category other), acknowledged by e-mail with its reference. The mail's kept files
        are listed with its message; the caller stores them under the ticket this answer names."""
        try:
            if reference:
                try:
                    self._limit(MESSAGE_PER_CUSTOMER, caller)
                    ticket, _ = self._write(caller, reference, body, self.clock.now(), attachments)
                    if ticket.status is TicketStatus.CLOSED:
                        follow_up = self._follow_up(caller, ticket, body, attachments)
                        return {"action": "follow_up", "ticket_id": follow_up["ticket"]["id"]}
                    return {"action": "replied", "ticket_id": ticket.ticket_id}
                except NotFound:
                    logger.info("e-mail names a ticket that is not the sender's; opening a new one")
            self._limit(OPEN_PER_CUSTOMER, caller)
        except RateLimited:
            # Retrying cannot help (Lambda would retry into the same window), so the mail is dropped, not failed.
            metrics.add_metric(name="InboundEmailRateLimited", unit="Count", value=1)
            return {"action": "dropped_rate_limited", "ticket_id": reference}
        ticket, _ = self._open(caller, "other", subject, body, None, Channel.EMAIL, attachments=attachments)
        self._notify_customer(ticket, "ticket_opened_by_email", {})
        return {"action": "opened", "ticket_id": ticket.ticket_id}

    def note_automated_mail(self, caller: Caller, ticket_id: str, text: str) -> dict:
        """Automated mail (an out-of-office, a bounce) from the customer's address about their ticket: kept as a
        system note so staff see it, but it reopens nothing, queues nothing and nobody is notified. NotFound when
        the ticket is not the caller's."""
        safe, _ = self._masked(text[:MAIL_NOTE_CHARS])
        return self._mail_note(caller, ticket_id, "automated_mail", text=safe)

    def note_refused_attachments(self, caller: Caller, ticket_id: str, names: list[str]) -> dict:
        """Attachments of the customer's mail that were not kept (programs, scripts, web pages; too large; too
        many): a note in the ticket, so the customer and staff know to send them another way."""
        safe, _ = self._masked(", ".join(names)[:MAIL_NOTE_CHARS])
        return self._mail_note(caller, ticket_id, "attachments_refused", names=safe)

    def _mail_note(self, caller: Caller, ticket_id: str, key: str, **params: str) -> dict:
        now = self.clock.now()

        def attempt() -> Ticket:
            ticket = self._customer_ticket(caller, ticket_id)
            return self.store.append(ticket, [self._note(key, ticket.language, now, **params)], now, ticket.status)

        ticket = retry_on_status_change(attempt)
        return {"action": "noted", "ticket_id": ticket.ticket_id}
