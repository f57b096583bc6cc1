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
from typing import Protocol

from supportdesk import i18n
from supportdesk.tickets.repository import NewMessage

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
    return NewMessage("system", body, now, note=AUTOMATIC_NOTE,
                      params={"automatic": "true", "article_id": answer["id"], "title": answer["title"]})


def solved_note(title: str, article_id: str, language: str, now: datetime) -> NewMessage:
    body = i18n.message(f"ticket_note_{SOLVED_NOTE}", language, title=title)
    return NewMessage("system", body, now, note=SOLVED_NOTE, params={"article_id": article_id, "title": title})


__all__ = ["AUTOMATIC_NOTE", "HelpArticles", "MAX_SUGGESTED", "SOLVED_NOTE", "automatic_reply", "solved_note",
           "suggested_articles"]
