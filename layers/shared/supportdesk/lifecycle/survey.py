"""The satisfaction survey's two public routes (GET and POST /survey/{token}), behind no login: the signed link is
the credential. Ratings obey the ticket API's rule (once per resolution, within 7 days of it) because they go
through the same conditional write (DynamoTicketStore.rate)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from supportdesk import i18n
from supportdesk.lifecycle.survey_tokens import (
    PICK,
    SCORES,
    ExpiredSurveyToken,
    InvalidSurveyToken,
    SurveyClaim,
    SurveyTokens,
)
from supportdesk.observability import audit, metrics
from supportdesk.tickets.csat import record_csat
from supportdesk.tickets.model import Author, NewMessage, StatusChanged, TicketStatus

RATING_WINDOW = timedelta(days=7)
MAX_COMMENT = 1000
PAGES = Path(__file__).parent / "pages"


@dataclass(frozen=True)
class Page:
    status: int
    html: str


@lru_cache(maxsize=1)
def _environment():
    import jinja2  # deferred: only the survey function renders pages, and only on its first request

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(PAGES)), autoescape=True, undefined=jinja2.StrictUndefined
    )


def render(language: str, state: str, **context) -> str:
    defaults: dict[str, object] = {
        "reference": None,
        "scores": [],
        "score": None,
        "action": "",
        "message": "",
        "max_comment": MAX_COMMENT,
    }
    return (
        _environment().get_template("survey.html").render({**defaults, **context, "language": language, "state": state})
    )


class SurveyService:
    def __init__(self, tickets, tokens: SurveyTokens, clock, mask, base_path: str = "") -> None:
        self.tickets = tickets  # get(ticket_id), rate(...), comment(...) of supportdesk.tickets.repository
        self.tokens = tokens
        self.clock = clock
        self.mask = mask
        self.base_path = base_path

    def _error(self, language: str, status: int, key: str, reference: str | None = None) -> Page:
        return Page(status, render(language, "error", message=i18n.message(key, language), reference=reference))

    def _claim(self, token: str, language: str) -> SurveyClaim | Page:
        """The link's claim, or the page that says why the link cannot be used."""
        try:
            return self.tokens.verify(token, self.clock.now())
        except InvalidSurveyToken:
            return self._error(language, 404, "survey_link_invalid")
        except ExpiredSurveyToken:
            return self._error(language, 410, "survey_link_expired")

    def answer(self, token: str, language: str) -> Page:
        """GET: a scored link records its score (once); a link without a score shows the five."""
        claim = self._claim(token, language)
        if isinstance(claim, Page):
            return claim
        now = self.clock.now()
        ticket = self.tickets.get(claim.ticket_id)
        if ticket is None:
            return self._error(language, 404, "survey_link_invalid")
        if claim.score == PICK:
            signed = {
                s: self.tokens.sign(SurveyClaim(claim.ticket_id, claim.resolution, s, claim.expires)) for s in SCORES
            }
            scores = [{"score": s, "url": f"{self.base_path}/survey/{token}"} for s, token in signed.items()]
            return Page(200, render(language, "pick", reference=ticket.ticket_id, scores=scores))
        if int(ticket.rated_resolution or 0) >= claim.resolution:
            return self._already(ticket, claim, token, language)
        if (
            ticket.status is not TicketStatus.RESOLVED
            or ticket.resolution_count != claim.resolution
            or ticket.resolved_at is None
            or now - ticket.resolved_at > RATING_WINDOW
        ):
            return self._error(language, 409, "survey_not_open", ticket.ticket_id)
        record = NewMessage(
            Author.CUSTOMER,
            "",
            now,
            author_id=ticket.customer_id,
            note="rating",
            params={"score": str(claim.score), "resolution": str(claim.resolution), "via": "survey"},
        )
        try:
            self.tickets.rate(ticket, claim.resolution, claim.score, None, now, record)
        except StatusChanged:
            fresh = self.tickets.get(claim.ticket_id)
            return self._already(fresh, claim, token, language)
        metrics.add_metric(name="TicketRatings", unit="Count", value=1)
        metrics.add_metric(name=f"TicketRating{claim.score}", unit="Count", value=1)
        record_csat(ticket.queue, claim.score)
        audit(
            "ticket_rated",
            ticket_id=ticket.ticket_id,
            score=claim.score,
            resolution=claim.resolution,
            via="survey",
            agent_id=ticket.assigned_agent,
        )
        return Page(
            200,
            render(
                language,
                "recorded",
                reference=ticket.ticket_id,
                score=claim.score,
                action=f"{self.base_path}/survey/{token}",
            ),
        )

    def _already(self, ticket, claim: SurveyClaim, token: str, language: str) -> Page:
        """The same link again (a reload, a mail scanner) shows the recorded score and, while there is none, the
        comment form; any other link of the resolution says the survey was answered."""
        if (
            ticket is not None
            and int(ticket.rated_resolution or 0) == claim.resolution
            and ticket.rating_score is not None
            and int(ticket.rating_score) == claim.score
        ):
            state = "commented" if ticket.rating_comment else "recorded"
            return Page(
                200,
                render(
                    language,
                    state,
                    reference=ticket.ticket_id,
                    score=claim.score,
                    action=f"{self.base_path}/survey/{token}",
                ),
            )
        return self._error(language, 409, "survey_already_answered", getattr(ticket, "ticket_id", None))

    def comment(self, token: str, text: str | None, language: str) -> Page:
        """POST: the comment of the rating this link recorded, once (masked like every text a customer writes)."""
        claim = self._claim(token, language)
        if isinstance(claim, Page):
            return claim
        ticket = self.tickets.get(claim.ticket_id)
        if (
            ticket is None
            or claim.score == PICK
            or int(ticket.rated_resolution or 0) != claim.resolution
            or ticket.rating_score is None
            or int(ticket.rating_score) != claim.score
        ):
            return self._error(language, 409, "survey_not_open", getattr(ticket, "ticket_id", None))
        text = (text or "").strip()[:MAX_COMMENT]
        if text:
            masked = self.mask(text)
            if not self.tickets.comment(ticket, claim.resolution, masked.text, self.clock.now()):
                return self._error(language, 409, "survey_already_answered", ticket.ticket_id)
        return Page(200, render(language, "commented", reference=ticket.ticket_id, score=claim.score))
