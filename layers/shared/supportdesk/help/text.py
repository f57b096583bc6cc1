"""Turning text into search terms, the same way for articles (at build time) and queries (at run time).

Chinese is written without spaces, and a word segmenter (jieba) costs ~0.8 s of cold start to load its dictionary,
so Chinese text becomes overlapping character bigrams (退款申请 -> 退款, 款申, 申请) plus single characters: every
real word of two characters is among the bigrams, and BM25's idf makes the accidental ones (款申) cheap. Before
that, text is NFKC-normalized (full-width letters and digits), lower-cased and traditional characters are mapped to
simplified ones (訂單 -> 订单). Each bigram is also indexed by its toneless pinyin (退款 -> tui kuan), so the
homophone typos of a pinyin input method (退宽, 该地址, 转仁工) still meet the right words.

English words are stemmed with the Snowball (Porter 2) stemmer, so refunds/refunded/refunding meet.

English word pairs (stop words included: "where is my refund") are terms too, so that a phrase ranks above the
same words scattered over an article.

Terms carry a prefix saying what they are: `u:` one character, `b:` a bigram, `p:` a bigram's pinyin, `w:` a
stemmed English word or a number, `x:` a pair of neighbouring English words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_HAN}]+|[a-z0-9]+(?:'[a-z]+)?")
_HAN_CHAR = re.compile(rf"[{_HAN}]")

# Characters that carry no topic on their own (particles, pronouns, "how", "what"): no unigram term for them.
STOP_CHARS = frozenset("的了吗呢吧啊呀嘛么我你您他她它们是在有和与或就也都还又很这那个怎样什么哪里为请一不要能可会到")
STOP_WORDS = frozenset(
    """a an the and or but if of to in on at for from by with about into over after before is are was were be been
    being am do does did doing have has had having i me my mine we us our you your yours he him his she her it its
    they them their this that these those there here what which who whom whose when where why how can could would
    should will shall may might must not no yes so than too very just also only please hi hello thanks thank i'm
    it's don't can't won't i've i'd let get got any some all one""".split()
)


def has_han(text: str) -> bool:
    return bool(_HAN_CHAR.search(text))


def detect_language(text: str) -> str:
    """zh-CN when the text has any Chinese character, else en (the help centre's two languages)."""
    return "zh-CN" if has_han(text) else "en"


@lru_cache(maxsize=1)
def _english_stemmer():
    import snowballstemmer  # ~15 ms: loaded with the index on the first search, not at cold start

    return snowballstemmer.stemmer("english")


def stem(word: str) -> str:
    return _english_stemmer().stemWord(word)


@dataclass(frozen=True)
class CharTables:
    """Traditional -> simplified, and character -> toneless pinyin (see chardata.py)."""

    t2s: dict[str, str]
    pinyin: dict[str, str]

    @classmethod
    def from_json(cls, data: dict) -> "CharTables":
        t2s = dict(zip(data["t2s"]["traditional"], data["t2s"]["simplified"], strict=True))
        pinyin = {char: syllable for syllable, chars in data["pinyin"].items() for char in chars}
        return cls(t2s, pinyin)


class Analyzer:
    def __init__(self, tables: CharTables) -> None:
        self.tables = tables
        self._t2s = str.maketrans(tables.t2s)

    def normalize(self, text: str) -> str:
        return unicodedata.normalize("NFKC", text).lower().translate(self._t2s)

    def words(self, text: str) -> list[str]:
        """The English words of already normalized text, unstemmed (for typo correction)."""
        return [run for run in _RUNS.findall(text) if not _HAN_CHAR.match(run)]

    def terms(self, text: str, *, normalized: bool = False) -> list[str]:
        """The search terms of `text`, in order, repeated as often as they occur."""
        text = text if normalized else self.normalize(text)
        out: list[str] = []
        previous = None
        for run in _RUNS.findall(text):
            if _HAN_CHAR.match(run):
                out.extend(self._han_terms(run))
                previous = None
                continue
            word = stem(run) if run.isalpha() else run
            if run not in STOP_WORDS:
                out.append("w:" + word)
            if previous is not None:
                out.append(f"x:{previous} {word}")
            previous = word
        return out

    def units(self, text: str) -> list[frozenset[str]]:
        """The meaningful units of normalized text, each as the set of terms that would cover it in an article: a
        Chinese character (not a particle) is covered by either bigram around it or their pinyin, an English word
        (not a stop word) by its stem."""
        out: list[frozenset[str]] = []
        pinyin = self.tables.pinyin
        for run in _RUNS.findall(text):
            if not _HAN_CHAR.match(run):
                if run not in STOP_WORDS:
                    out.append(frozenset({"w:" + (stem(run) if run.isalpha() else run)}))
                continue
            if len(run) == 1:
                if run not in STOP_CHARS:
                    out.append(frozenset({"u:" + run}))
                continue
            for index, char in enumerate(run):
                if char in STOP_CHARS:
                    continue
                covering = set()
                for start in (index - 1, index):
                    if 0 <= start and start + 1 < len(run):
                        pair = run[start : start + 2]
                        covering.add("b:" + pair)
                        if pair[0] in pinyin and pair[1] in pinyin:
                            covering.add(f"p:{pinyin[pair[0]]} {pinyin[pair[1]]}")
                out.append(frozenset(covering))
        return out

    def _han_terms(self, run: str) -> Iterable[str]:
        pinyin = self.tables.pinyin
        for index, char in enumerate(run):
            if char not in STOP_CHARS:
                yield "u:" + char
            if index + 1 < len(run):
                pair = run[index : index + 2]
                yield "b:" + pair
                first, second = pinyin.get(pair[0]), pinyin.get(pair[1])
                if first and second:
                    yield f"p:{first} {second}"


def edit_distance_at_most_one(a: str, b: str) -> bool:
    """True when `b` is `a` with at most one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


__all__ = ["Analyzer", "CharTables", "STOP_WORDS", "detect_language", "edit_distance_at_most_one", "has_han", "stem"]
