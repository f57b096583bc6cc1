"""Build the help centre's search index (index.json) from the articles, synonyms.txt and chardata.json.

Runs at build time only: `make help-index` (which `make setup`, `make run`, `make test` and `make bench` depend on)
and the layer's `sam build` step (layers/shared/Makefile). The function only loads the finished JSON on its first
search, so a cold start never tokenizes an article.

    python -m supportdesk.help.build [--out PATH]

The index holds, per language, BM25 postings over the articles' terms (title x3, tags x2, body x1), each article's
text for snippets, the English vocabulary (for typo correction), the synonym table and the character tables the
query analyzer needs. `source_digest` is a hash of every input, so a stale index can be detected (tests do).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from pathlib import Path

from supportdesk.help.articles import ARTICLES_DIR, LANGUAGES, load_articles, plain_text
from supportdesk.help.text import Analyzer, CharTables

HERE = Path(__file__).parent
INDEX_PATH = HERE / "index.json"
SYNONYMS_PATH = HERE / "synonyms.txt"
CHARDATA_PATH = HERE / "chardata.json"
FORMAT = 1
FIELD_WEIGHTS = {"title": 3, "tags": 2, "body": 1}
_LINE = re.compile(r"^(?P<lang>zh-CN|en):\s*(?P<rest>.+)$")


def source_digest() -> str:
    """A hash of everything the index is made of (articles, synonyms, character tables and this code)."""
    digest = hashlib.sha256()
    paths = sorted(ARTICLES_DIR.glob("*.md")) + [SYNONYMS_PATH, CHARDATA_PATH] + sorted(HERE.glob("*.py"))
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def parse_synonyms(text: str) -> dict[str, dict]:
    table: dict[str, dict] = {lang: {"groups": [], "typos": {}} for lang in LANGUAGES}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if not match:
            raise ValueError(f"synonyms.txt:{number}: expected '<zh-CN|en>: a | b' or '<lang>: typo > right'")
        lang, rest = match["lang"], match["rest"]
        if ">" in rest:
            typo, _, right = (part.strip().lower() for part in rest.partition(">"))
            if not typo or not right:
                raise ValueError(f"synonyms.txt:{number}: a correction needs both sides")
            table[lang]["typos"][typo] = right
        else:
            members = [member.strip().lower() for member in rest.split("|") if member.strip()]
            if len(members) < 2:
                raise ValueError(f"synonyms.txt:{number}: a group needs at least two members")
            table[lang]["groups"].append(members)
    return table


def build(analyzer: Analyzer | None = None) -> dict:
    """The index; `analyzer` replaces the standard one only to compare tokenizers (tests/bench/help_search.py)."""
    chardata = json.loads(CHARDATA_PATH.read_text(encoding="utf-8"))
    analyzer = analyzer or Analyzer(CharTables.from_json(chardata))
    synonyms = parse_synonyms(SYNONYMS_PATH.read_text(encoding="utf-8"))
    # Synonym members go through the same normalization as queries (a traditional-character member still matches).
    for table in synonyms.values():
        table["groups"] = [[analyzer.normalize(m) for m in group] for group in table["groups"]]
        table["typos"] = {analyzer.normalize(k): analyzer.normalize(v) for k, v in table["typos"].items()}
    articles = load_articles()
    languages = {}
    texts: dict[str, dict] = {}
    for lang in LANGUAGES:
        ids: list[str] = []
        lengths: list[int] = []
        postings: dict[str, list[list[int]]] = {}
        vocabulary: Counter[str] = Counter()
        texts[lang] = {}
        for article in sorted((a for a in articles if a.language == lang), key=lambda a: a.id):
            text = plain_text(article.body)
            fields = {"title": article.title, "tags": " ; ".join(article.tags), "body": text}
            weighted: Counter = Counter()
            words: set[str] = set()
            for field, content in fields.items():
                normalized = analyzer.normalize(content)
                for term in analyzer.terms(normalized, normalized=True):
                    weighted[term] += FIELD_WEIGHTS[field]
                words.update(analyzer.words(normalized))
            doc = len(ids)
            ids.append(article.id)
            lengths.append(sum(weighted.values()))
            for term, count in weighted.items():
                postings.setdefault(term, []).append([doc, count])
            vocabulary.update(words)
            texts[lang][article.id] = {
                "title": article.title,
                "category": article.category,
                "tags": list(article.tags),
                "body": article.body,
                "text": text,
            }
        languages[lang] = {
            "ids": ids,
            "lengths": lengths,
            "avgdl": sum(lengths) / len(lengths),
            "postings": dict(sorted(postings.items())),
            "vocabulary": dict(sorted(vocabulary.items())),
        }
    return {
        "format": FORMAT,
        "source_digest": source_digest(),
        "chardata": chardata,
        "synonyms": synonyms,
        "languages": languages,
        "articles": texts,
    }


def write(path: Path = INDEX_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build(), ensure_ascii=False, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=INDEX_PATH)
    args = parser.parse_args(argv)
    path = write(args.out)
    print(f"help index: {path} ({path.stat().st_size / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
