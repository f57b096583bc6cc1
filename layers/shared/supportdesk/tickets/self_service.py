"""Self-service before a human, inside tickets: the articles suggested when a ticket is opened, the automatic reply
when the help centre clearly answers a customer's message, and closing a ticket the customer says an article solved.

Kept apart from TicketService so the ticket service only asks one question per hook ("is there an automatic
reply for this message?") and the help centre stays optional (a TicketService without it behaves as before).

Rules of the automatic reply: only on a ticket that is `open` (nobody asked for a human, no agent is talking, it is
not waiting in the queue), never on a message that asks for a human, and only when the help centre has one clear
winner (HelpIndex.confident_answer). The reply is a system message marked `automatic_answer`, naming the article and
how to reach a human (输入“转人工”), in the ticket's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from supportdesk import i18n
from supportdesk.errors import Conflict, NotFound
from supportdesk.observability import audit, logger, metrics
from supportdesk.tickets.desk import STATE_RETRIES
from supportdesk.tickets.handoff import wants_human
from supportdesk.tickets.model import Author, NewMessage, StatusChanged, TicketStatus
from supportdesk.tickets.references import normalize_reference
from supportdesk.tickets.views import ticket_view

MAX_SUGGESTED = 3
AUTOMATIC_NOTE = "automatic_answer"
SOLVED_NOTE = "solved_by_article"


class HelpArticles(Protocol):
    """What tickets need from the help centre (supportdesk.help.service.HelpCentre)."""

    def suggest(self, text: str, language: str, limit: int = 3) -> list[dict]: ...

    def automatic_answer(self, text: str, language: str) -> dict | None: ...

    def get_article(self, article_id: str, language: str) -> dict: ...


def suggested_articles(help_centre: HelpArticles | None, subject: str, message: str, language: str) -> list[dict]:
    """Up to 3 articles for a new ticket's subject and first message, in the customer's language."""
    if help_centre is None:
        return []
    return [
        {key: result[key] for key in ("id", "title", "snippet", "language")}
        for result in help_centre.suggest(f"{subject}\n{message}", language, MAX_SUGGESTED)
    ]


def automatic_reply(help_centre: HelpArticles | None, text: str, language: str, now: datetime) -> NewMessage | None:
    """The automatic reply to a customer's message on an open ticket, or None. The caller decides whether the ticket
    may get one (open, no request for a human)."""
    if help_centre is None:
        return None
    answer = help_centre.automatic_answer(text, language)
    if answer is None:
        return None
    body = i18n.message(f"ticket_note_{AUTOMATIC_NOTE}", language, title=answer["title"], snippet=answer["snippet"])
    return NewMessage(
        Author.SYSTEM,
        body,
        now,
        note=AUTOMATIC_NOTE,
        params={"automatic": "true", "article_id": answer["id"], "title": answer["title"]},
    )


def solved_note(title: str, article_id: str, language: str, now: datetime) -> NewMessage:
    body = i18n.message(f"ticket_note_{SOLVED_NOTE}", language, title=title)
    return NewMessage(Author.SYSTEM, body, now, note=SOLVED_NOTE, params={"article_id": article_id, "title": title})


class SelfServiceTickets:
    """The ticket routes a customer uses, with the help centre in front of the human desk. It wraps TicketService
    (which stays unaware of the help centre) and adds: suggestions on opening, the automatic reply after the
    customer's message is stored (one more transaction, and only when a reply is sent), and solved-by-article."""

    def __init__(self, tickets, store, help_centre: HelpArticles, clock, retries: int = STATE_RETRIES) -> None:
        self.tickets = tickets
        self.store = store
        self.help = help_centre
        self.clock = clock
        self.retries = retries

    def open_ticket(self, caller, category: str, subject: str, message: str, order_id: str | None = None) -> dict:
        result = self.tickets.open_ticket(caller, category, subject, message, order_id)
        result["suggested_articles"] = suggested_articles(self.help, subject, message, caller.language)
        # the automatic answer reads the question the customer wrote, not the title they gave it
        result["automatic_answer"] = self._answer(result, message, caller.language)
        return result

    def post_message(self, caller, ticket_id: str, text: str, attachments: tuple = ()) -> dict:
        result = self.tickets.post_message(caller, ticket_id, text, attachments)
        result["automatic_answer"] = self._answer(result, text, caller.language)
        return result

    def _answer(self, result: dict, text: str, language: str) -> dict | None:
        """The automatic reply, if the ticket is still open (no human asked for, no agent talking) and the help
        centre has a clear answer. A failure to add it loses only the suggestion: logged, never an error."""
        ticket = result["ticket"]
        if ticket["status"] != TicketStatus.OPEN.value or wants_human(text):
            return None
        reply = automatic_reply(self.help, text, language, self.clock.now())
        if reply is None:
            return None
        try:
            added = self.store.add_messages_if(ticket["id"], [reply], reply.created_at, TicketStatus.OPEN)
        except Exception:  # noqa: BLE001 - the customer's own message is stored; the answer is a bonus
            logger.exception("automatic answer not stored", extra={"ticket_id": ticket["id"]})
            return None
        if not added:
            return None
        metrics.add_metric(name="TicketAutomaticAnswers", unit="Count", value=1)
        params = reply.params or {}
        return {"id": params["article_id"], "title": params["title"]}

    def solved_by_article(self, caller, ticket_id: str, article_id: str) -> dict:
        """The customer says an article solved it: an open or waiting ticket is resolved (leaving the queue). Safe
        to repeat: a resolved ticket is answered as it is, with solved_now false."""
        article = self.help.get_article(article_id, caller.language)  # 404 article_not_found
        now = self.clock.now()
        reference = normalize_reference(ticket_id)
        for _ in range(self.retries):
            ticket = self.store.get(reference) if reference else None
            if ticket is None or ticket.customer_id != caller.account_id:
                raise NotFound("ticket_not_found")
            if ticket.status == TicketStatus.RESOLVED:
                return {"ticket": ticket_view(ticket, now), "article": _brief(article), "solved_now": False}
            if ticket.status not in (TicketStatus.OPEN, TicketStatus.WAITING):
                raise Conflict("ticket_with_agent")
            note = solved_note(article["title"], article["id"], ticket.language, now)
            try:
                ticket = self.store.close_by_customer(ticket, now, [note])
            except StatusChanged:
                continue  # claimed, resolved or closed by a concurrent call meanwhile: decide again
            metrics.add_metric(name="TicketsSolvedByArticle", unit="Count", value=1)
            audit(
                "ticket_solved_by_article",
                account_id=caller.account_id,
                ticket_id=ticket.ticket_id,
                article_id=article["id"],
            )
            return {"ticket": ticket_view(ticket, now), "article": _brief(article), "solved_now": True}
        raise Conflict("ticket_busy")


def _brief(article: dict[str, Any]) -> dict:
    return {"id": article["id"], "title": article["title"]}


__all__ = [
    "AUTOMATIC_NOTE",
    "HelpArticles",
    "MAX_SUGGESTED",
    "SOLVED_NOTE",
    "SelfServiceTickets",
    "automatic_reply",
    "solved_note",
    "suggested_articles",
]
