"""Both reset messages exist in both languages and both channels, and say what the customer needs to know."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from supportdesk.notify.render import render_email, render_sms
from supportdesk.reset.service import china_time

SUPPORT = "support@example.com / 400-000-0000"
CODE_CONTEXT = {"code": "042917", "valid_minutes": 10, "support_contact": SUPPORT}
CHANGED_CONTEXT = {"changed_at": china_time(datetime(2026, 11, 23, 16, 5, tzinfo=timezone.utc)), "support_contact": SUPPORT}
NOT_YOU = {"zh-CN": "如非本人操作", "en": "this wasn't you"}
NOT_YOU_MAIL = {"zh-CN": "如果这不是您本人的操作", "en": "If this wasn't you"}


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_the_code_message_has_the_code_its_validity_and_an_if_not_you_line(language):
    mail = render_email("password_reset_code", language, CODE_CONTEXT)
    sms = render_sms("password_reset_code", language, CODE_CONTEXT)
    for text in (mail.text, mail.html, sms):
        assert "042917" in text and "10" in text and SUPPORT in text
    assert NOT_YOU_MAIL[language] in mail.text and NOT_YOU[language] in sms
    assert mail.html.startswith("<!DOCTYPE html>") and f'lang="{language}"' in mail.html
    if language == "en":
        assert len(sms) <= 160  # one GSM-7 SMS segment


@pytest.mark.parametrize(("language", "when"), [("zh-CN", "2026-11-24 00:05（北京时间）"), ("en", "2026-11-24 00:05 (Beijing time")])
def test_the_change_notice_has_the_shanghai_time_and_how_to_reach_support(language, when):
    mail = render_email("password_changed", language, CHANGED_CONTEXT)
    sms = render_sms("password_changed", language, CHANGED_CONTEXT)
    assert when in mail.text and when.split("（")[0].split(" (")[0] in sms
    assert SUPPORT in mail.text and SUPPORT in mail.html and SUPPORT in sms


def test_the_support_contact_is_escaped_in_html():
    mail = render_email("password_changed", "en", {**CHANGED_CONTEXT, "support_contact": "<b>help</b>"})
    assert "&lt;b&gt;help&lt;/b&gt;" in mail.html and "<b>help</b>" not in mail.html
