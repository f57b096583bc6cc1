"""Every customer-facing text exists in zh-CN and en, and every error code the code raises has a message."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from supportdesk import i18n

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = ROOT / "layers/shared/supportdesk/messages"
RAISE = re.compile(r"\b(?:InvalidInput|NotFound|Forbidden|Conflict|Unauthorized|PasswordRejected|DomainError|"
                   r"[A-Z][A-Za-z]+Error)\(\s*\"([a-z][a-z0-9_]+)\"")
RATE_LIMITED = re.compile(r"RateLimited\([^)]*code=\"([a-z][a-z0-9_]+)\"")
CLASS_CODE = re.compile(r"^\s+code = \"([a-z][a-z0-9_]+)\"", re.M)


def test_every_catalog_has_both_languages_with_the_same_keys():
    domains = {p.name.split(".")[0] for p in MESSAGES.glob("*.json")}
    assert "common" in domains
    for domain in domains:
        en = json.loads((MESSAGES / f"{domain}.en.json").read_text(encoding="utf-8"))
        zh = json.loads((MESSAGES / f"{domain}.zh-CN.json").read_text(encoding="utf-8"))
        assert set(en) == set(zh), f"{domain}: keys differ: {set(en) ^ set(zh)}"
        for key in en:
            placeholders_en = set(re.findall(r"\{(\w+)\}", en[key]))
            placeholders_zh = set(re.findall(r"\{(\w+)\}", zh[key]))
            assert placeholders_en == placeholders_zh, f"{domain}.{key}: placeholders differ"
            assert en[key].strip() and zh[key].strip()


def test_every_error_code_raised_in_the_code_has_a_message_in_both_languages():
    sources = list((ROOT / "layers/shared/supportdesk").rglob("*.py")) + list((ROOT / "functions").rglob("*.py"))
    codes: set[str] = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        codes |= set(RAISE.findall(text)) | set(RATE_LIMITED.findall(text)) | set(CLASS_CODE.findall(text))
    assert {"invalid_json", "rate_limited", "route_not_found"} <= codes
    for language in i18n.LANGUAGES:
        missing = sorted(code for code in codes if code not in i18n.catalog(language))
        assert not missing, f"{language} lacks messages for {missing}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("fr-FR, en;q=0.5", "en"),
        ("en;q=0.3, zh-Hans;q=0.8", "zh-CN"),
        ("de-DE", "zh-CN"),
        ("en;q=0", "zh-CN"),
        ("garbage;;q=x", "zh-CN"),
    ],
)
def test_language_is_negotiated_from_accept_language(header, expected):
    assert i18n.negotiate(header) == expected


def test_messages_interpolate_parameters():
    assert "30" in i18n.message("rate_limited", "en", retry_after=30)
    assert "30" in i18n.message("rate_limited", "zh-CN", retry_after=30)
