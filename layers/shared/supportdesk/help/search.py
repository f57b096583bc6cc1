"""Searching the help centre: BM25 over the build-time index, with synonyms, typo correction and a relevance gate.

Ranking is Okapi BM25 (k1=1.2, b=0.75) over the terms of text.py, each query term weighted by what it is: a
character bigram or an English word counts fully, its pinyin (homophone typos) and single characters less, and the
words a synonym group adds less again. The query is searched among the articles of its own language (detected from
the text: any Chinese character means Chinese), then shown in the language asked for.

`answered` must be false for a question the help centre cannot answer ("what's the weather"), and BM25 alone cannot say
that: its scores grow with the query's length. So every result also gets a *coverage*: the share of the query's
meaningful units (each Chinese character that is not a particle, each English word that is not a stop word) that the
article contains, a character counting as contained when a bigram (or its pinyin) around it is in the article. An
article is relevant when its coverage reaches MIN_COVERAGE, or when it matches many query terms at once (a long,
rambling message whose many other words dilute the coverage: BM25 >= STRONG_SCORE with coverage >= MIN_LONG_COVERAGE).
The thresholds were set on the evaluation set (tests/fixtures/help_search_eval.json); `make bench` reports the quality
they give and a unit test keeps it above the goals.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from supportdesk.help.text import Analyzer, CharTables, STOP_WORDS, detect_language, edit_distance_at_most_one

K1, B = 1.2, 0.75
MAX_RESULTS = 5
TERM_WEIGHTS = {"b": 1.0, "w": 1.0, "p": 0.5, "u": 0.3, "x": 0.5}
SYNONYM_WEIGHT = 0.6
PINYIN_ONLY_CREDIT = 0.5
MIN_COVERAGE, MIN_SCORE = 0.6, 4.0
STRONG_SCORE, MIN_LONG_COVERAGE = 12.0, 0.15
# An automatic reply in a ticket needs more than `answered`: a clear winner (1.6x the runner-up's score) that covers
# most of the message. On the evaluation set: 75 % of on-topic questions get one, 98 % of those the right article.
CONFIDENT_COVERAGE, CONFIDENT_LEAD = 0.6, 1.6
SNIPPET_CHARS = {"zh-CN": 80, "en": 160}
# A sentence ends after 。!?; (either width) unless a closing quote follows ("Forgot password?"), or after ". "
_SENTENCE_END = re.compile('(?<=[\u3002\uff01\uff1f\uff1b!?;])(?!["\u201d\u300d])|(?<=[.])\\s+|\n+')


@dataclass(frozen=True)
class Hit:
    id: str
    score: float
    coverage: float


@dataclass(frozen=True)
class SearchResult:
    answered: bool
    query_language: str
    language: str  # the language results are shown in
    results: list[dict]


class HelpIndex:
    """The loaded index.json. Built once per container (see wiring.help_index), read-only afterwards."""

    def __init__(self, data: dict, analyzer: Analyzer | None = None) -> None:
        self._data = data
        self.analyzer = analyzer or Analyzer(CharTables.from_json(data["chardata"]))
        self._articles: dict[str, dict[str, dict]] = data["articles"]
        self._languages = data["languages"]
        self._synonyms = data["synonyms"]

    @classmethod
    def load(cls, path: Path) -> "HelpIndex":
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @property
    def source_digest(self) -> str:
        return self._data["source_digest"]

    # ---- articles --------------------------------------------------------------------------------------------

    def article_ids(self) -> list[str]:
        return list(self._languages["en"]["ids"])

    def articles(self, language: str) -> list[dict]:
        return [
            {"id": article_id, "title": a["title"], "category": a["category"], "language": language}
            for article_id, a in sorted(
                self._articles[language].items(), key=lambda item: (item[1]["category"], item[0])
            )
        ]

    def article(self, article_id: str, language: str) -> dict | None:
        found = self._articles.get(language, {}).get(article_id)
        if found is None:
            return None
        return {
            "id": article_id,
            "title": found["title"],
            "category": found["category"],
            "tags": found["tags"],
            "body": found["body"],
            "language": language,
        }

    # ---- search ----------------------------------------------------------------------------------------------

    def search(self, query: str, language: str | None = None, limit: int = MAX_RESULTS) -> SearchResult:
        query_language = detect_language(query)
        shown_in = language or query_language
        hits = self.rank(query, query_language)
        relevant = [hit for hit in hits if self.is_relevant(hit)][: max(0, min(limit, MAX_RESULTS))]
        normalized = self.analyzer.normalize(query)
        results = [
            {
                "id": hit.id,
                "title": self._articles[shown_in][hit.id]["title"],
                "snippet": self._snippet(hit.id, shown_in, normalized if shown_in == query_language else ""),
                "score": round(hit.score, 3),
                "language": shown_in,
            }
            for hit in relevant
        ]
        return SearchResult(bool(results), query_language, shown_in, results)

    def confident_answer(self, query: str, language: str | None = None) -> dict | None:
        """The one article that answers `query` clearly enough to be sent unasked (shown in `language`), or None."""
        query_language = detect_language(query)
        hits = [hit for hit in self.rank(query, query_language) if self.is_relevant(hit)]
        if not hits or hits[0].coverage < CONFIDENT_COVERAGE:
            return None
        if len(hits) > 1 and hits[0].score < CONFIDENT_LEAD * hits[1].score:
            return None
        shown_in = language or query_language
        normalized = self.analyzer.normalize(query)
        best = hits[0]
        return {
            "id": best.id,
            "title": self._articles[shown_in][best.id]["title"],
            "snippet": self._snippet(best.id, shown_in, normalized if shown_in == query_language else ""),
            "score": round(best.score, 3),
            "language": shown_in,
        }

    @staticmethod
    def is_relevant(hit: Hit) -> bool:
        return (hit.coverage >= MIN_COVERAGE and hit.score >= MIN_SCORE) or (
            hit.score >= STRONG_SCORE and hit.coverage >= MIN_LONG_COVERAGE
        )

    def rank(self, query: str, query_language: str) -> list[Hit]:
        """Every article that shares a term with the query, best first (no relevance gate)."""
        index = self._languages[query_language]
        text = self.corrected(query, query_language)
        weights = self.query_terms(text, query_language)
        units = self.analyzer.units(text)
        if not weights or not units:
            return []
        count = len(index["ids"])
        scores: Counter = Counter()
        matched: dict[int, set[str]] = {}
        for term, weight in weights.items():
            postings = index["postings"].get(term)
            if not postings:
                continue
            idf = _idf(count, len(postings))
            for doc, tf in postings:
                norm = K1 * (1 - B + B * index["lengths"][doc] / index["avgdl"])
                scores[doc] += weight * idf * tf * (K1 + 1) / (tf + norm)
                matched.setdefault(doc, set()).add(term)
        hits = [Hit(index["ids"][doc], score, _coverage(units, matched[doc])) for doc, score in scores.items()]
        return sorted(hits, key=lambda hit: (-hit.score, hit.id))

    def corrected(self, query: str, query_language: str) -> str:
        """The normalized query with its known typos corrected."""
        text = self.analyzer.normalize(query)[:500]
        for typo, right in self._synonyms[query_language]["typos"].items():
            if _contains(text, typo, query_language):
                text = text.replace(typo, right)
        return self._correct_words(text) if query_language == "en" else text

    def query_terms(self, text: str, query_language: str) -> dict[str, float]:
        """The (corrected) query's terms with their weights: its own, and its synonyms' (lower)."""
        synonyms = self._synonyms[query_language]
        weights: dict[str, float] = {}
        for term in self.analyzer.terms(text, normalized=True):
            weights[term] = max(weights.get(term, 0.0), TERM_WEIGHTS[term[0]])
        extra = [
            member
            for group in synonyms["groups"]
            if any(_contains(text, member, query_language) for member in group)
            for member in group
            if not _contains(text, member, query_language)
        ]
        for term in self.analyzer.terms(" ; ".join(extra), normalized=True):
            weights.setdefault(term, TERM_WEIGHTS[term[0]] * SYNONYM_WEIGHT)
        return weights

    def _correct_words(self, text: str) -> str:
        """Replace English words no article uses by the most common article word one edit away (pasword). The first
        letter must match: typing slips rarely hit it, and without the rule bake/bread would become take/read."""
        vocabulary = self._languages["en"]["vocabulary"]
        fixed = []
        for word in re.split(r"(\W+)", text):
            if len(word) >= 4 and word.isalpha() and word not in vocabulary and word not in STOP_WORDS:
                candidates = [
                    (df, known)
                    for known, df in vocabulary.items()
                    if known[0] == word[0]
                    and abs(len(known) - len(word)) <= 1
                    and edit_distance_at_most_one(word, known)
                ]
                if candidates:
                    word = max(candidates)[1]
            fixed.append(word)
        return "".join(fixed)

    def _snippet(self, article_id: str, language: str, normalized_query: str) -> str:
        """The article's sentence that shares most terms with the query (its first one when none does)."""
        text = self._articles[language][article_id]["text"]
        sentences = [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]
        best = sentences[0] if sentences else text
        if normalized_query:
            wanted = {t for t in self.analyzer.terms(normalized_query, normalized=True) if t[0] in "bw"}
            # a sentence that only introduces a list ("到账时间:") says less than one that answers
            overlap = [
                (len(wanted & set(self.analyzer.terms(s))) - (0.5 if s.endswith((":", ":")) else 0), -i, s)
                for i, s in enumerate(sentences)
            ]
            top = max(overlap, default=(0, 0, best))
            if top[0] > 0:
                best = top[2]
        limit = SNIPPET_CHARS[language]
        return best if len(best) <= limit else best[: limit - 1].rstrip() + "…"


def _coverage(units: list[frozenset[str]], matched: set[str]) -> float:
    """Share of the query's units the article contains; a unit met only through pinyin counts half (homophones
    also meet by chance: 写一 sounds like 协议)."""
    total = 0.0
    for unit in units:
        met = unit & matched
        if met:
            total += 1.0 if any(term[0] != "p" for term in met) else PINYIN_ONLY_CREDIT
    return total / len(units)


def _idf(count: int, df: int) -> float:
    return math.log(1 + (count - df + 0.5) / (df + 0.5))


def _contains(text: str, phrase: str, language: str) -> bool:
    if language == "zh-CN" and any("\u3400" <= ch <= "\u9fff" for ch in phrase):
        return phrase in text
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text) is not None


__all__ = ["HelpIndex", "Hit", "MAX_RESULTS", "SearchResult"]
