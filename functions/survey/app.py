"""GET /survey/{token} records the score of a signed survey link (or, for a link without one, offers the five) and
shows a comment box; POST /survey/{token} stores the comment. Public routes: the signed link is the credential.
Answers are small HTML pages in the customer's language (?lang=, else Accept-Language), never cached."""

from __future__ import annotations

from urllib.parse import parse_qs

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk import i18n
from supportdesk.api import create_app, form_body, query, request_language, responses
from supportdesk.lifecycle.wiring import survey_service
from supportdesk.observability import logger, metrics

app = create_app()
HTML = "text/html; charset=utf-8"
MAX_FORM = 8192


def _language() -> str:
    chosen = (app.current_event.query_string_parameters or {}).get("lang")
    return i18n.normalize_language(chosen, request_language(app)) if chosen else request_language(app)


def _page(page) -> Response:
    return Response(
        status_code=page.status,
        content_type=HTML,
        body=page.html,
        headers={
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Robots-Tag": "noindex",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        },
    )


PAGE_ERRORS = {
    404: ("survey_link_invalid",),
    409: ("survey_already_answered", "survey_not_open"),
    410: ("survey_link_expired",),
}


@app.get(
    "/survey/<token>",
    summary="Answer a satisfaction survey link (records its score)",
    tags=["survey"],
    openapi_extensions=responses(200, "HtmlPage", PAGE_ERRORS) | query("lang"),
)
def answer(token: str):
    return _page(survey_service().answer(token, _language()))


@app.post(
    "/survey/<token>",
    summary="Add a comment to the score a survey link recorded",
    tags=["survey"],
    openapi_extensions=responses(200, "HtmlPage", PAGE_ERRORS)
    | query("lang")
    | form_body([], comment={"type": "string", "description": "kept up to its first 1,000 characters"}),
)
def comment(token: str):
    body = app.current_event.decoded_body or ""
    form = parse_qs(body[:MAX_FORM]) if isinstance(body, str) else {}
    text = (form.get("comment") or [""])[0]
    return _page(survey_service().comment(token, text, _language()))


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
