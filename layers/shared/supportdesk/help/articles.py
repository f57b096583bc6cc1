"""Help articles: Markdown files `articles/<id>.<lang>.md` with front matter, reviewed like code.

    ---
    id: refund-apply
    title: 如何申请退款或退货
    category: refunds
    tags: [申请退款, 退货, 退钱]
    ---
    Markdown body...

The front matter is a small, strict subset of YAML (one `key: value` per line, lists in brackets) read with the
standard library, because the index is built by `sam build` with the build machine's plain python3. Anything else
is an error naming the file and line, so a typo fails the build instead of silently dropping an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ARTICLES_DIR = Path(__file__).with_name("articles")
LANGUAGES = ("zh-CN", "en")
REQUIRED = ("id", "title", "category", "tags")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FILE = re.compile(r"^(?P<id>[a-z0-9-]+)\.(?P<lang>zh-CN|en)\.md$")


class ArticleError(ValueError):
    """An article file that does not follow the format (raised at build time, never at run time)."""


@dataclass(frozen=True)
class Article:
    id: str
    language: str
    title: str
    category: str
    tags: tuple[str, ...]
    body: str  # Markdown

    def summary(self) -> dict:
        return {"id": self.id, "title": self.title, "category": self.category, "language": self.language}


def parse_article(text: str, *, name: str, language: str) -> Article:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        raise ArticleError(f"{name}: must start with a '---' front matter line")
    try:
        end = lines.index("---", 1)
    except ValueError as exc:
        raise ArticleError(f"{name}: front matter is not closed by '---'") from exc
    meta: dict[str, object] = {}
    for number, line in enumerate(lines[1:end], start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if not sep or not re.fullmatch(r"[a-z_]+", key):
            raise ArticleError(f"{name}:{number}: expected 'key: value'")
        if key in meta:
            raise ArticleError(f"{name}:{number}: {key} given twice")
        if value.startswith("["):
            if not value.endswith("]"):
                raise ArticleError(f"{name}:{number}: a list must be written [a, b, c] on one line")
            meta[key] = tuple(item.strip() for item in value[1:-1].split(",") if item.strip())
        else:
            meta[key] = value
    missing = [key for key in REQUIRED if not meta.get(key)]
    if missing:
        raise ArticleError(f"{name}: front matter lacks {', '.join(missing)}")
    if not isinstance(meta["tags"], tuple):
        raise ArticleError(f"{name}: tags must be a list [a, b]")
    article_id = str(meta["id"])
    if not _ID.match(article_id):
        raise ArticleError(f"{name}: id {article_id!r} must be lower-case words joined by '-'")
    body = "\n".join(lines[end + 1 :]).strip()
    if not body:
        raise ArticleError(f"{name}: the article has no body")
    return Article(article_id, language, str(meta["title"]), str(meta["category"]), meta["tags"], body)


def load_articles(directory: Path = ARTICLES_DIR) -> list[Article]:
    """Every article in every language; each id must exist in both languages with the same category."""
    articles = []
    for path in sorted(directory.glob("*.md")):
        match = _FILE.match(path.name)
        if not match:
            raise ArticleError(f"{path.name}: article files are named <id>.<zh-CN|en>.md")
        article = parse_article(path.read_text(encoding="utf-8"), name=path.name, language=match["lang"])
        if article.id != match["id"]:
            raise ArticleError(f"{path.name}: front matter id {article.id!r} differs from the file name")
        articles.append(article)
    by_id: dict[str, dict[str, Article]] = {}
    for article in articles:
        by_id.setdefault(article.id, {})[article.language] = article
    for article_id, versions in by_id.items():
        if set(versions) != set(LANGUAGES):
            raise ArticleError(f"article {article_id!r} exists only in {sorted(versions)}: write it in zh-CN and en")
        if len({a.category for a in versions.values()}) != 1:
            raise ArticleError(f"article {article_id!r} has different categories per language")
    return articles


def plain_text(markdown: str) -> str:
    """The article's text without Markdown marks (for snippets and indexing)."""
    text = re.sub(r"`([^`]*)`", r"\1", markdown)
    text = re.sub(r"\*\*|__|^\s*(?:[-*]|\d+\.)\s+|^#+\s*", "", text, flags=re.M)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return text


__all__ = ["ARTICLES_DIR", "Article", "ArticleError", "LANGUAGES", "load_articles", "parse_article", "plain_text"]
