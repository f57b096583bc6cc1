"""The help centre and how to reach support, all public: GET /help/articles, GET /help/articles/{id},
GET /help/search and GET /support/contact. Thin: parse, call one service method, return with cache headers."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from supportdesk.api import create_app, json_response, query, request_language, responses
from supportdesk.help import service as help_service
from supportdesk.help.wiring import contact_desk, help_centre
from supportdesk.observability import logger, metrics

app = create_app()
# Articles change with a deployment only; the contact answer carries open_now and the current wait.
ARTICLE_CACHE = "public, max-age=300"
CONTACT_CACHE = "public, max-age=60"


def _query(name: str) -> str | None:
    return app.current_event.get_query_string_value(name=name, default_value=None)


def _language() -> str:
    """`lang` from the query string, else the Accept-Language header, else the default language."""
    return help_service.parse_language(_query("lang")) or request_language(app)


def _cached(body: dict, language: str, cache_control: str) -> Response:
    return json_response(200, body, {"Cache-Control": cache_control, "Vary": "Accept-Language"}, language)


@app.get(
    "/help/articles",
    summary="Help articles in a language (?lang=zh-CN|en)",
    tags=["help"],
    openapi_extensions=query("lang") | responses(200, "HelpArticles", {400: ("invalid_language",)}),
)
def list_articles() -> Response[dict]:
    language = _language()
    return _cached(help_centre().list_articles(language), language, ARTICLE_CACHE)


@app.get(
    "/help/articles/<article_id>",
    summary="One help article (Markdown body)",
    tags=["help"],
    openapi_extensions=query("lang")
    | responses(200, "HelpArticle", {400: ("invalid_language",), 404: ("article_not_found",)}),
)
def get_article(article_id: str) -> Response[dict]:
    language = _language()
    return _cached(help_centre().get_article(article_id, language), language, ARTICLE_CACHE)


@app.get(
    "/help/search",
    summary="Search the help centre (?q=...&lang=); answered=false when nothing is relevant enough",
    tags=["help"],
    openapi_extensions=query("q", "lang")
    | responses(200, "HelpSearch", {400: ("missing_field", "field_too_long", "invalid_language")}),
)
def search() -> Response[dict]:
    query = help_service.parse_query(_query("q"))
    result = help_centre().search(query, help_service.parse_language(_query("lang")))
    metrics.add_metric(
        name="HelpSearchAnswered" if result["answered"] else "HelpSearchUnanswered", unit="Count", value=1
    )
    return _cached(result, result["language"], ARTICLE_CACHE)


@app.get(
    "/support/contact",
    summary="Contact channels, service hours, open now / next opening, holiday notice and the current wait",
    tags=["help"],
    openapi_extensions=query("lang") | responses(200, "SupportContact", {400: ("invalid_language",)}),
)
def contact() -> Response[dict]:
    language = _language()
    return _cached(contact_desk().contact(language), language, CONTACT_CACHE)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
