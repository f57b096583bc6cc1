"""Does a customer's message ask for a human? ("转人工", "人工服务", "human please", "let me talk to a real person")

Deliberately not a substring test: 人工智能 (artificial intelligence) or 人工费 (labour cost) contain 人工, and
"user agent", "agency" or "humane" contain the English words; none of them is a request for a person. We look for
request phrases, for a short message that is nothing but the request, and we honour negations ("不需要人工",
"no need for a human").

Linear in the message: whitespace runs are collapsed to one space first, so the adjacent optional whitespace of
the patterns can each take at most one character and never backtrack over a long run (before, "不" followed by a
few thousand spaces took minutes), and no two unbounded repetitions of the same characters are adjacent.
"""

from __future__ import annotations

import re

# Chinese: 人工 counts only as a request, i.e. followed by a service word, preceded by a verb of asking, or alone.
_ZH_SERVICE = "(?:服务|客服|坐席|座席|服务台|专员)"
_ZH_VERB = "(?:转|转接|接|找|要|请|呼叫|联系|切换|换|给我|我要|需要)"
_ZH_PATTERNS = [
    re.compile(rf"人工{_ZH_SERVICE}"),
    re.compile(rf"{_ZH_VERB}\s*(?:一个|个)?\s*人工(?!智能|合成|费|成本|湖|降雨|繁殖|授精|呼吸|造)"),
    re.compile(r"(?:真人|活人)(?:客服|服务|回复|回答|接待)"),
    re.compile(rf"(?:{_ZH_VERB}|和|跟|与)\s*(?:一个|个)?\s*(?:真人|活人)(?!秀|版|电影|cs)"),
]
_ZH_ALONE = re.compile(
    r"^(?:人工|真人|客服|转人工|人工客服|人工服务)[\s!！。.?？~～]*(?:(?:谢谢|麻烦了|please)[\s!！。.?？~～]*)?$"
)
_ZH_NEGATION = re.compile(r"(?:不|不用|不要|无需|没必要|别)\s*(?:需要)?\s*(?:转)?\s*(?:人工|真人)")

# English: whole words only.
_EN_TARGET = (
    r"(?:a\s+|an\s+|the\s+|some\s+|your\s+)?(?:real\s+|live\s+|actual\s+)?"
    r"(?:human(?:\s+being|\s+agent)?|person|agent|representative|rep|operator|someone|somebody|staff(?:\s+member)?)"
)
_EN_PATTERNS = [
    re.compile(
        rf"\b(?:talk|speak|chat|connect|transfer|put)\s+(?:me\s+)?(?:to|with|through\s+to)\s+{_EN_TARGET}\b", re.I
    ),
    re.compile(r"\b(?:real|live|actual)\s+(?:human|person|agent|people)\b", re.I),
    re.compile(r"\bhuman\s+(?:agent|support|help|being|assistance)\b", re.I),
    re.compile(r"\b(?:want|need|get|give)\s+(?:me\s+)?(?:a\s+|an\s+)?(?:human|agent|representative|operator)\b", re.I),
    re.compile(r"\b(?:customer\s+service|support)\s+(?:agent|representative|rep)\b", re.I),
]
_EN_ALONE = re.compile(
    r"^\W*(?:(?:a|an)\s+)?(?:human|agent|operator|representative|person)(?:\s+please|\s+pls|\s+now)?\W*$"
    r"|^\W*(?:please|pls)\s+(?:a\s+|an\s+)?(?:human|agent|operator|representative)\W*$",
    re.I,
)
_EN_NEGATION = re.compile(
    r"\b(?:no|not|don'?t|do\s+not|never|without)\s+(?:need\s+|want\s+)?(?:to\s+(?:talk|speak)\s+(?:to|with)\s+)?(?:a\s+|an\s+)?(?:human|agent|person)\b",
    re.I,
)


def wants_human(text: str | None) -> bool:
    if not text:
        return False
    message = " ".join(text.split())
    if not message:
        return False
    if _ZH_NEGATION.search(message) or _EN_NEGATION.search(message):
        return False
    if _ZH_ALONE.match(message) or _EN_ALONE.match(message):
        return True
    return any(p.search(message) for p in _ZH_PATTERNS) or any(p.search(message) for p in _EN_PATTERNS)
