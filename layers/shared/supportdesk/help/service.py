"""The help centre's operations: list and read articles, search them. Plain Python over a loaded HelpIndex."""

from __future__ import annotations

from typing import Any

from supportdesk.errors import InvalidInput, NotFound
from supportdesk.help.search import MAX_RESULTS, HelpIndex

MAX_QUERY = 500


def parse_language(value: Any) -> str | None:
    """`lang` as given in a query string: None when absent, zh-CN or en (zh, zh-Hans, en-US... accepted)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    tag = str(value).strip().lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en"):
        return "en"
    raise InvalidInput("invalid_language", details={"field": "lang"})


def parse_query(value: Any) -> str:
    if value is None or not str(value).strip():
        raise InvalidInput("missing_field", field="q", details={"field": "q"})
    text = str(value).strip()
    if len(text) > MAX_QUERY:
        raise InvalidInput("field_too_long", field="q", max=MAX_QUERY, details={"field": "q", "max": MAX_QUERY})
    return text


class HelpCentre:
    def __init__(self, index: HelpIndex) -> None:
        self.index = index

    def list_articles(self, language: str) -> dict:
        return {"language": language, "articles": self.index.articles(language)}

    def get_article(self, article_id: str, language: str) -> dict:
        article = self.index.article(article_id, language)
        if article is None:
            raise NotFound("article_not_found")
        return article

    def search(self, query: str, language: str | None = None, limit: int = MAX_RESULTS) -> dict:
        outcome = self.index.search(query, language, limit)
        return {
            "answered": outcome.answered,
            "query_language": outcome.query_language,
            "language": outcome.language,
            "results": outcome.results,
        }

    def suggest(self, text: str, language: str, limit: int = 3) -> list[dict]:
        """Up to `limit` articles that answer `text` (for a customer about to wait for a human), shown in
        `language`; empty when nothing is relevant enough."""
        return self.index.search(text[:MAX_QUERY], language, limit).results

    def automatic_answer(self, text: str, language: str) -> dict | None:
        """The article to send unasked in reply to a customer's message, or None when no article is a clear answer."""
        return self.index.confident_answer(text[:MAX_QUERY], language)


__all__ = ["HelpCentre", "MAX_QUERY", "parse_language", "parse_query"]
