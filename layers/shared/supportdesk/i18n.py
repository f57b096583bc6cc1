"""Customer-facing texts in zh-CN and en, and language negotiation.

Messages live in messages/<domain>.<lang>.json (common, reset, tickets, ...) so that translators edit data, not
code, and each operation owns its texts; every key must exist in both languages (a unit test checks it).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("zh-CN", "en")
_MESSAGES_DIR = Path(__file__).parent / "messages"


@lru_cache(maxsize=None)
def catalog(language: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in sorted(_MESSAGES_DIR.glob(f"*.{language}.json")):
        for key, text in json.loads(path.read_text(encoding="utf-8")).items():
            if key in merged:
                raise ValueError(f"message key {key!r} is defined twice ({path.name})")
            merged[key] = text
    return merged


def normalize_language(value: str | None, default: str = "zh-CN") -> str:
    """Map a language tag (zh, zh-Hans, zh-CN, en-US, ...) to one of LANGUAGES."""
    if not value:
        return default
    tag = value.strip().lower()
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.startswith("en"):
        return "en"
    return default


def negotiate(accept_language: str | None, default: str = "zh-CN") -> str:
    """Choose zh-CN or en from an Accept-Language header, honouring q-values."""
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        lowered = tag.strip().lower()
        if lowered.startswith(("zh", "en")) and quality > 0:
            ranked.append((-quality, position, normalize_language(lowered)))
    return sorted(ranked)[0][2] if ranked else default


def message(key: str, language: str, **params: object) -> str:
    text = catalog(language).get(key) or catalog(language).get("generic_error", key)
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text
