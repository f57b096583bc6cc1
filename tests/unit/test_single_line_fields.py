"""Single-line fields lose their control characters on input, and no rendered e-mail subject can carry a line
break: a CR/LF in a ticket subject would otherwise become extra headers of the agent's reply e-mail."""
from __future__ import annotations

import pytest

from supportdesk.identity.service import parse_sign_up
from supportdesk.notify.render import render_email
from supportdesk.text import single_line
from supportdesk.tickets.service import parse_text

INJECTIONS = [
    "Parcel\r\nBcc: victim@example.com",
    "Parcel\nBcc: victim@example.com",
    "Parcel\rBcc: victim@example.com",
    "Parcel\u2028Bcc: victim@example.com",
    "Parcel\x85Bcc: victim@example.com",
    "Parcel\x00\x1b[31m\x0b\x0c\tBcc: victim@example.com",
]
LINE_BREAKS = ("\r", "\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c")


@pytest.mark.parametrize("text", INJECTIONS)
def test_control_characters_collapse_to_one_space(text):
    collapsed = single_line(text)
    assert collapsed.startswith("Parcel ") and collapsed.endswith("Bcc: victim@example.com")
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F or c in "\u2028\u2029" for c in collapsed)


def test_ordinary_text_is_unchanged():
    assert single_line("我的包裹 Where is it?") == "我的包裹 Where is it?"


@pytest.mark.parametrize("text", INJECTIONS)
def test_ticket_subjects_and_order_ids_are_one_line_but_messages_keep_their_lines(text):
    assert "\n" not in parse_text(text, "subject", 200, one_line=True)
    assert "\r" not in parse_text(text, "order_id", 200, one_line=True)
    assert parse_text("line one\nline two", "message", 5000) == "line one\nline two"


def test_a_subject_of_only_line_breaks_is_missing():
    from supportdesk.errors import InvalidInput

    with pytest.raises(InvalidInput) as refused:
        parse_text("\r\n\r\n", "subject", 200, one_line=True)
    assert refused.value.code == "missing_field"


def test_a_display_name_is_one_line():
    request = parse_sign_up({"email": "new@example.com", "password": "x", "name": "Eve\r\nBcc: a@example.com"})
    assert request.display_name == "Eve Bcc: a@example.com"


@pytest.mark.parametrize("language", ["en", "zh-CN"])
@pytest.mark.parametrize("text", INJECTIONS)
def test_a_rendered_subject_never_has_a_line_break_whatever_the_context_holds(text, language):
    context = {"reference": "T-ABCDE", "subject": text, "message": "On its way", "name": text,
               "support_inbox": "help@example.com"}
    for template in ("ticket_agent_reply", "ticket_opened_by_email"):
        mail = render_email(template, language, context)
        assert "Bcc: victim@example.com" in mail.subject
        assert not any(mark in mail.subject for mark in LINE_BREAKS), (template, mail.subject)
