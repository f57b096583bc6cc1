"""The help centre and contact routes through the real handler on moto, without any caller identity (public)."""
from __future__ import annotations

import pytest

from tests.conftest import api_event, call
from tests.dynamodb_calls import dynamodb_calls
from tests.integration.ticket_desk import desk  # noqa: F401


@pytest.fixture
def help_api(aws):
    from functions.help import app

    def get(path: str, query: dict | None = None, language: str | None = None, resource: str | None = None,
            path_parameters: dict | None = None):
        headers = {"Accept-Language": language} if language else None
        return call(app.lambda_handler, api_event("GET", path, query=query, headers=headers, resource=resource,
                                                  path_parameters=path_parameters))

    return get


def article(help_api, article_id: str, **kwargs):
    return help_api(f"/help/articles/{article_id}", resource="/help/articles/{article_id}",
                    path_parameters={"article_id": article_id}, **kwargs)


def test_search_in_chinese_and_english_with_cache_headers_and_no_dynamodb(help_api):
    with dynamodb_calls() as calls:
        status, body, headers = help_api("/help/search", {"q": "怎么申请退款"})
    assert status == 200 and calls == []
    assert body["answered"] is True and body["query_language"] == "zh-CN"
    assert body["results"][0]["id"] == "refund-apply" and body["results"][0]["language"] == "zh-CN"
    assert headers["Cache-Control"] == "public, max-age=300" and headers["Content-Language"] == "zh-CN"
    status, body, _ = help_api("/help/search", {"q": "where is my parcel"})
    assert body["results"][0]["id"] == "shipping-tracking" and body["language"] == "en"
    status, body, _ = help_api("/help/search", {"q": "明天天气怎么样"})
    assert status == 200 and body == {"answered": False, "query_language": "zh-CN", "language": "zh-CN", "results": []}


def test_search_input_errors_are_400_with_the_field(help_api):
    status, body, _ = help_api("/help/search", None, "en")
    assert status == 400 and body["error"]["code"] == "missing_field" and body["error"]["details"] == {"field": "q"}
    status, body, _ = help_api("/help/search", {"q": "退款" * 251})
    assert status == 400 and body["error"]["code"] == "field_too_long"
    status, body, _ = help_api("/help/search", {"q": "refund", "lang": "fr"})
    assert status == 400 and body["error"]["code"] == "invalid_language" and body["error"]["details"] == {"field": "lang"}


def test_articles_list_and_read_in_the_language_asked(help_api):
    status, body, _ = help_api("/help/articles", {"lang": "en"})
    assert status == 200 and len(body["articles"]) == 17 and {a["language"] for a in body["articles"]} == {"en"}
    status, body, _ = help_api("/help/articles", language="zh-CN")
    assert body["language"] == "zh-CN" and any(a["title"] == "如何取消订单" for a in body["articles"])
    status, body, headers = article(help_api, "refund-policy", query={"lang": "zh-CN"})
    assert status == 200 and "七天无理由退货" in body["body"] and headers["Cache-Control"].startswith("public")
    status, body, _ = article(help_api, "no-such-article", language="en")
    assert status == 404 and body["error"] == {"code": "article_not_found", "message": "This help article was not found."}


def test_contact_reads_the_queue_stats_once_and_reflects_the_waiting_queue(desk):
    from functions.help import app

    def contact(language="en"):
        return call(app.lambda_handler, api_event("GET", "/support/contact", query={"lang": language}))

    # Given an agent online and three tickets waiting (Tuesday 10:00 in Shanghai: the desk is open)
    assert desk.call(desk.agent, "PUT", "/agent/status", {"online": True})[0] == 200
    desk.waiting_tickets(3)
    with dynamodb_calls() as calls:
        status, body, headers = contact()
    assert status == 200 and calls == ["GetItem"]
    assert headers["Cache-Control"] == "public, max-age=60"
    assert body["open_now"] is True and body["next_open_at"] is None
    assert body["human_wait"] == {"estimated_seconds": 900, "waiting": 3, "agents_online": 1}  # 3 ahead x 300 s
    assert {c["channel"] for c in body["channels"]} == {"online_chat", "phone", "email", "wechat", "weibo", "app"}
    email = next(c for c in body["channels"] if c["channel"] == "email")
    assert email["address"] == "help@example.com"  # the SupportInbox parameter
    status, body, _ = contact("zh-CN")
    assert body["channels"][0]["name"] == "在线客服"
