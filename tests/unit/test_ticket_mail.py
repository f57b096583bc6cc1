"""Reading inbound mail: text preferred, HTML to text, quoted history cut, automated mail and forged senders told apart."""
from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from supportdesk.tickets.mail import html_to_text, read_mail, sender_is_authenticated, strip_quoted


def _mail(**headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Alice <alice@example.net>")
    message["To"] = "help@example.com"
    message["Subject"] = headers.pop("Subject", "[T-8K3Q2] Parcel")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def test_plain_text_is_preferred_over_html():
    message = _mail()
    message.set_content("plain version")
    message.add_alternative("<p>html version</p>", subtype="html")
    mail = read_mail(message_from_bytes(bytes(message), policy=policy.default))
    assert mail.body == "plain version"
    assert mail.sender == "alice@example.net" and mail.reference == "T-8K3Q2" and not mail.automated


def test_html_becomes_readable_text_without_scripts_or_styles():
    html = "<style>.x{}</style><div>Hello&nbsp;there</div><p>Line&amp;two</p><script>evil()</script><br>end"
    assert html_to_text(html) == "Hello there\n\nLine&two\n\nend"


def test_quoted_history_is_cut_off():
    text = "Thanks, still waiting.\n\nOn Mon, 23 Nov 2026 at 10:00 Support <s@example.com> wrote:\n> old text\n"
    assert strip_quoted(text) == "Thanks, still waiting."
    assert strip_quoted("新问题\n在 2026年11月23日 客服 写道：\n> 旧内容") == "新问题"
    assert strip_quoted("a\n> quoted\nb") == "a\nb"


def test_automated_mail_is_recognised():
    for headers in ({"Auto_Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"List_Id": "<news.example.org>"},
                    {"From": "MAILER-DAEMON@example.org"}, {"From": "no-reply@example.org"}):
        message = _mail(**headers)
        message.set_content("x")
        assert read_mail(message).automated, headers
    message = _mail(Auto_Submitted="no")
    message.set_content("x")
    assert not read_mail(message).automated


def test_the_language_of_an_unknown_sender_is_guessed_from_the_mail():
    message = _mail(Subject="订单")
    message.set_content("你好")
    assert read_mail(message).language == "zh-CN"
    message = _mail(Subject="Order")
    message.set_content("Hello")
    assert read_mail(message).language == "en"


def test_only_authenticated_senders_are_trusted():
    assert sender_is_authenticated("PASS", "FAIL", "PASS")
    assert sender_is_authenticated("FAIL", "PASS", "GRAY")
    assert not sender_is_authenticated("FAIL", "FAIL", "PASS")
    assert not sender_is_authenticated("PASS", "PASS", "FAIL")
    assert not sender_is_authenticated(None, None, None)
