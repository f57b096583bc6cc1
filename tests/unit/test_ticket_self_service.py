"""Self-service inside tickets, with the real help index: suggestions for a new ticket and the automatic reply."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from supportdesk.help.build import INDEX_PATH
from supportdesk.help.search import HelpIndex
from supportdesk.help.service import HelpCentre
from supportdesk.tickets.self_service import automatic_reply, solved_note, suggested_articles

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def centre() -> HelpCentre:
    return HelpCentre(HelpIndex.load(INDEX_PATH))


def test_a_new_ticket_gets_at_most_three_suggestions_in_the_customers_language(centre):
    suggestions = suggested_articles(centre, "退款", "我申请的退款多久能到账?在哪里看进度", "en")
    assert 1 <= len(suggestions) <= 3
    assert suggestions[0]["id"] == "refund-progress" and suggestions[0]["language"] == "en"
    assert set(suggestions[0]) == {"id", "title", "snippet", "language"}
    assert suggested_articles(centre, "你好", "今天天气怎么样", "zh-CN") == []
    assert suggested_articles(None, "退款", "退款多久到账", "zh-CN") == []


def test_the_automatic_reply_names_the_article_and_how_to_reach_a_human(centre):
    reply = automatic_reply(centre, "退款多久到账", "zh-CN", NOW)
    assert reply.author == "system" and reply.note == "automatic_answer"
    assert reply.params == {"automatic": "true", "article_id": "refund-progress",
                            "title": "退款多久到账,如何查看退款进度"}
    assert "《退款多久到账,如何查看退款进度》" in reply.text and "输入“转人工”" in reply.text
    english = automatic_reply(centre, "cancel my order", "en", NOW)
    assert english.params["article_id"] == "cancel-order" and 'type "转人工"' in english.text


def test_no_automatic_reply_without_a_clear_answer(centre):
    assert automatic_reply(centre, "明天会下雨吗", "zh-CN", NOW) is None
    assert automatic_reply(centre, "你好", "zh-CN", NOW) is None
    assert automatic_reply(None, "退款多久到账", "zh-CN", NOW) is None
    # relevant, but two articles are close (refund-progress, refund-policy): suggested, not sent unasked
    assert automatic_reply(centre, "how long does a refund take", "en", NOW) is None


def test_the_solved_note_records_the_article():
    note = solved_note("如何取消订单", "cancel-order", "zh-CN", NOW)
    assert note.note == "solved_by_article" and note.params["article_id"] == "cancel-order" and "如何取消订单" in note.text
