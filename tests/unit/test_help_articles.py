"""Help articles are reviewed like code: strict front matter, every article in zh-CN and en, every topic the help
centre promises, and a build-time index that matches its sources."""
from __future__ import annotations

import json

import pytest

from supportdesk.help import build
from supportdesk.help.articles import ArticleError, load_articles, parse_article

TOPICS = {
    "contact-channels", "account-password-recovery", "order-amount-dispute", "refund-apply", "refund-policy",
    "refund-progress", "cancel-order", "change-delivery-address", "shipping-tracking", "payment-problems",
    "service-hours", "human-agent", "privacy-security", "terms-policies", "rate-service", "social-channels",
    "app-customer-centre",
}


def test_every_topic_exists_in_both_languages_with_title_tags_and_body():
    articles = load_articles()
    assert {(a.id, a.language) for a in articles} == {(t, lang) for t in TOPICS for lang in ("zh-CN", "en")}
    for article in articles:
        assert article.title and article.tags and len(article.body) > 100, article.id


def test_the_refund_policy_states_the_seven_day_no_reason_return_in_both_languages():
    policy = {a.language: a for a in load_articles() if a.id == "refund-policy"}
    assert "七天无理由退货" in policy["zh-CN"].body and "7 天" in policy["zh-CN"].body
    assert "7-day no-reason return" in policy["en"].body


def test_the_human_agent_article_tells_how_to_reach_a_human():
    human = {a.language: a for a in load_articles() if a.id == "human-agent"}
    assert "转人工" in human["zh-CN"].body and "转人工" in human["en"].body


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter", "must start with"),
        ("---\nid: a\ntitle: t\ncategory: c\ntags: [x]\n", "not closed"),
        ("---\nid: a\ntitle: t\ncategory: c\n---\nbody", "lacks tags"),
        ("---\nid: a\ntitle: t\ncategory: c\ntags: x\n---\nbody", "must be a list"),
        ("---\nid: A B\ntitle: t\ncategory: c\ntags: [x]\n---\nbody", "lower-case"),
        ("---\nid: a\ntitle: t\ntitle: u\ncategory: c\ntags: [x]\n---\nbody", "given twice"),
        ("---\nid: a\ntitle: t\ncategory: c\ntags: [x]\n---\n", "no body"),
        ("---\nid: a\ntitle t\ncategory: c\ntags: [x]\n---\nbody", "expected 'key: value'"),
    ],
)
def test_a_malformed_article_fails_the_build_naming_the_problem(text, problem):
    with pytest.raises(ArticleError, match=problem):
        parse_article(text, name="x.en.md", language="en")


def test_an_article_in_one_language_only_fails_the_build(tmp_path):
    (tmp_path / "lonely.en.md").write_text("---\nid: lonely\ntitle: t\ncategory: c\ntags: [x]\n---\nbody\n")
    with pytest.raises(ArticleError, match="only in"):
        load_articles(tmp_path)


def test_synonym_file_lines_are_checked():
    table = build.parse_synonyms("zh-CN: 退货 | 退款\nen: pasword > password\n# comment\n")
    assert table["zh-CN"]["groups"] == [["退货", "退款"]] and table["en"]["typos"] == {"pasword": "password"}
    with pytest.raises(ValueError, match="at least two"):
        build.parse_synonyms("en: lonely")
    with pytest.raises(ValueError, match="synonyms.txt:1"):
        build.parse_synonyms("fr: a | b")


def test_the_built_index_is_current_with_its_sources():
    """make help-index (run by make setup/test/run) rebuilt it; a stale index would serve old articles."""
    data = json.loads(build.INDEX_PATH.read_text(encoding="utf-8"))
    assert data["source_digest"] == build.source_digest(), "index.json is stale: run `make help-index`"
    assert data["format"] == build.FORMAT


def test_character_tables_match_the_pinned_libraries():
    """chardata.json is generated from OpenCC and pypinyin (python -m supportdesk.help.chardata)."""
    from supportdesk.help import chardata

    assert chardata.PATH.read_text(encoding="utf-8") == chardata.render(chardata.generate())
