"""Reading inbound mail: text preferred, HTML to text in linear time, quoted history cut, charsets that lie, addresses
taken only from raw addr-specs, automated mail and forged senders told apart."""
from __future__ import annotations

import time
from email.message import EmailMessage

import pytest

from supportdesk.mail.auth import (AuthenticationResults, Verdicts, organizational_domain,
                                   parse_authentication_results, sender_trust)
from supportdesk.mail.charsets import decode_iso2022jp, decode_text
from supportdesk.mail.headers import decode_header, parse_address
from supportdesk.mail.html import MAX_HTML, html_to_text
from supportdesk.mail.parse import read_mail, strip_quoted


def _mail(**headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Alice <alice@example.net>")
    message["To"] = "help@example.com"
    message["Subject"] = headers.pop("Subject", "[T-8K3Q2] Parcel")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    return message


def test_plain_text_is_preferred_over_html():
    message = _mail(Message_ID="<abc@mail.example.net>", In_Reply_To="<sent-1@example.com>",
                    References="<sent-0@example.com> <sent-1@example.com>")
    message.set_content("plain version")
    message.add_alternative("<p>html version</p>", subtype="html")
    mail = read_mail(bytes(message))
    assert mail.body == "plain version"
    assert mail.sender == "alice@example.net" and mail.subject == "[T-8K3Q2] Parcel" and not mail.automated
    assert mail.message_id == "abc@mail.example.net"
    assert mail.in_reply_to == ("sent-1@example.com", "sent-0@example.com")


def test_html_becomes_readable_text_without_scripts_or_styles():
    html = "<style>.x{}</style><div>Hello&nbsp;there</div><p>Line&amp;two</p><script>evil()</script><br>end"
    assert html_to_text(html) == "Hello there\n\nLine&two\n\nend"
    assert html_to_text("<p>a\n   b</p><!-- hidden --><table><tr><td>x</td><td>y</td></tr></table>") == "a b\n\nx y"
    assert html_to_text("1 < 2 and 3 > 2") == "1 < 2 and 3 > 2"


@pytest.mark.parametrize("crafted", ["<a " * 40_000, "<!--" * 100_000, "<script>" * 100_000,
                                     "<a>" * 100_000, "x<" * 200_000 + ">", "<p " + "a=\"x\" " * 100_000])
def test_html_to_text_takes_linear_time_on_crafted_input(crafted):
    # CPython's HTMLParser needed 36 s for 40 KB of "<a "; a mail must be read well inside the function's timeout
    started = time.perf_counter()
    html_to_text(crafted)
    assert time.perf_counter() - started < 1.0


def test_html_beyond_the_cap_is_not_read():
    assert html_to_text("<p>kept</p>" + "x" * MAX_HTML + "<p>never read</p>").startswith("kept")
    assert "never read" not in html_to_text("<p>kept</p>" + "x" * MAX_HTML + "<p>never read</p>")


def test_quoted_history_is_cut_off():
    text = "Thanks, still waiting.\n\nOn Mon, 23 Nov 2026 at 10:00 Support <s@example.com> wrote:\n> old text\n"
    assert strip_quoted(text) == "Thanks, still waiting."
    assert strip_quoted("新问题\n在 2026年11月23日 客服 写道：\n> 旧内容") == "新问题"
    assert strip_quoted("a\n> quoted\nb") == "a\nb"
    assert strip_quoted("Danke\nAm 23.11.2026 um 10:00 schrieb Support <s@example.com>:\n> alt") == "Danke"
    assert strip_quoted("Merci\nLe 23 nov. 2026 à 10:00, Support <s@example.com> a écrit :\n> vieux") == "Merci"
    assert strip_quoted("Gracias\nEl 23 nov 2026, Support <s@example.com> escribió:\n> viejo") == "Gracias"
    assert strip_quoted("了解です\n2026年11月23日 Support <s@example.com>のメッセージ:\n> 古い") == "了解です"


def test_a_forwarded_message_is_kept_whole():
    text = "FYI\n\n---------- Forwarded message ---------\nFrom: Shop <shop@example.com>\n\nOrder shipped\n> q"
    assert strip_quoted(text) == text


def test_automated_mail_is_recognised():
    for headers in ({"Auto_Submitted": "auto-replied"}, {"Precedence": "bulk"}, {"List_Id": "<news.example.org>"},
                    {"From": "MAILER-DAEMON@example.org"}, {"From": "no-reply@example.org"},
                    {"X_Spam_Flag": "YES"}, {"Return_Path": "<>"}, {"Return_Path": "<bounces+123@mail.example>"},
                    {"X_Auto_Response_Suppress": "All"}, {"Subject": "Automatic reply: Parcel"},
                    {"Subject": "自动回复：您的来信"}, {"X_Autoreply": "yes"}):
        message = _mail(**headers)
        message.set_content("x")
        assert read_mail(message).automated, headers
    message = _mail(Auto_Submitted="no", X_Spam_Flag="NO", Return_Path="<alice@example.net>")
    message.set_content("x")
    assert not read_mail(message).automated


def test_the_language_of_an_unknown_sender_is_guessed_from_the_mail():
    message = _mail(Subject="订单")
    message.set_content("你好")
    assert read_mail(message).language == "zh-CN"
    message = _mail(Subject="Order")
    message.set_content("Hello")
    assert read_mail(message).language == "en"


# ---- charsets ------------------------------------------------------------------------------------------------------

def test_charset_labels_that_lie_decode_as_their_supersets():
    assert decode_text("朱镕基 陶喆 王堃".encode("gbk"), "gb2312") == "朱镕基 陶喆 王堃"
    assert decode_text("我哋冇收到嘅貨".encode("big5hkscs"), "big5") == "我哋冇收到嘅貨"
    assert decode_text("①②".encode("cp932"), "shift_jis") == "①②"
    assert decode_text("It\u2019s 5\u20ac".encode("cp1252"), "iso-8859-1") == "It\u2019s 5\u20ac"


def test_unknown_wrong_or_missing_labels_are_detected_never_replaced():
    gbk = "标签写的是UTF-8，内容其实是GBK。".encode("gbk")
    assert decode_text(gbk, "utf-8") == "标签写的是UTF-8，内容其实是GBK。"
    assert decode_text(gbk, "x-no-such-charset") == "标签写的是UTF-8，内容其实是GBK。"
    assert decode_text("退款".encode("gbk")) == "退款"
    assert decode_text("返品について".encode("shift_jis")) == "返品について"
    assert decode_text("退款申請 訂單".encode("big5")) == "退款申請 訂單"
    assert "\ufffd" not in decode_text(bytes(range(128, 256)))


def test_iso_2022_jp_keeps_nec_extensions_and_is_found_without_a_label():
    assert decode_iso2022jp(b"\x1b$B-!\x1b(B") == "①"
    assert decode_text("荷物".encode("iso2022_jp")) == "荷物"
    assert decode_text(b"\x1b$B-!-\"\x1b(B", "iso-2022-jp") == "①②"


# ---- headers and addresses -----------------------------------------------------------------------------------------

def test_encoded_words_are_decoded_with_the_superset_codecs():
    assert decode_header("=?gb2312?B?" + __import__("base64").b64encode("王堃".encode("gbk")).decode() + "?=") == "王堃"
    assert decode_header("=?utf-8?Q?caf=C3=A9?= =?utf-8?Q?_au_lait?=") == "café au lait"
    assert decode_header("退款".encode("gbk").decode("utf-8", "surrogateescape")) == "退款"


def test_an_encoded_word_is_never_an_address():
    spoof = parse_address("=?utf-8?B?Y2VvQHZpY3RpbS5leGFtcGxl?= <x@attacker.example>")
    assert spoof.address == "x@attacker.example" and spoof.display_name == "ceo@victim.example"
    assert spoof.spoof_suspect
    alone = parse_address("=?utf-8?B?Y2VvQHZpY3RpbS5leGFtcGxl?=")
    assert alone.address == "" and alone.spoof_suspect
    honest = parse_address('"alice@example.net" <alice@example.net>')
    assert honest.address == "alice@example.net" and not honest.spoof_suspect


def test_addresses_in_the_shapes_clients_write():
    assert parse_address("<Claudia.Shu@yahoo.com.>").address == "Claudia.Shu@yahoo.com"
    assert parse_address("alice@Example.NET (Alice)").address == "alice@example.net"
    assert parse_address('"Li, Wei" <li@example.net>, bob@example.net').address == "li@example.net"
    assert parse_address("Undisclosed <<>>").address == ""


# ---- sender authentication -----------------------------------------------------------------------------------------

SES_RESULTS = ("amazonses.com; spf=pass (spfCheck: domain of attacker.example designates 192.0.2.1 as permitted "
               "sender) client-ip=192.0.2.1; envelope-from=bounce@attacker.example; helo=mx.attacker.example; "
               "dkim=pass header.i=@attacker.example; dmarc=none header.from=example.net;")


def test_ses_authentication_results_name_the_domains_that_passed():
    forged_below = "amazonses.com; spf=pass smtp.mailfrom=alice@example.net; dkim=pass header.d=example.net"
    results = parse_authentication_results([SES_RESULTS, forged_below])
    assert results == AuthenticationResults("attacker.example", ("attacker.example",), "none", "example.net")
    assert parse_authentication_results(["mx.evil.example; dkim=pass header.d=example.net"]) == AuthenticationResults()


def test_a_forged_from_passing_spf_for_another_domain_is_not_trusted():
    # The attacker's own domain passes SPF and DKIM; example.net publishes no DMARC record (SES says GRAY)
    results = parse_authentication_results([SES_RESULTS])
    gray = Verdicts(spf="PASS", dkim="PASS", dmarc="GRAY")
    trust = sender_trust("alice@example.net", gray, results, "bounce@attacker.example")
    assert not trust.trusted and trust.reason == "not_aligned_with_from"


def test_the_from_is_trusted_when_dmarc_passed_or_spf_or_dkim_passed_aligned():
    none = AuthenticationResults()
    assert sender_trust("alice@example.net", Verdicts(spf="FAIL", dkim="FAIL", dmarc="PASS"), none).trusted
    spf_only = Verdicts(spf="PASS", dkim="GRAY", dmarc="GRAY")
    assert sender_trust("alice@example.net", spf_only, none, "bounce@mail.example.net").reason == "spf_aligned"
    dkim = AuthenticationResults(dkim_pass_domains=("example.net",))
    assert sender_trust("alice@example.net", Verdicts(spf="FAIL", dkim="PASS", dmarc="GRAY"), dkim,
                        "x@other.example").reason == "dkim_aligned"
    # a DKIM domain only counts when SES's own verdict passed
    assert not sender_trust("alice@example.net", Verdicts(spf="FAIL", dkim="FAIL", dmarc="GRAY"), dkim).trusted


def test_the_from_is_never_trusted_when_dmarc_failed_or_the_name_shows_another_address():
    aligned = Verdicts(spf="PASS", dkim="PASS", dmarc="FAIL")
    assert sender_trust("alice@example.net", aligned, AuthenticationResults(), "alice@example.net").reason == \
        "dmarc_fail"
    assert not sender_trust("x@attacker.example", Verdicts(), AuthenticationResults(), spoof_suspect=True).trusted
    assert not sender_trust("", Verdicts(), AuthenticationResults()).trusted


def test_alignment_is_by_organizational_domain():
    assert organizational_domain("mail.example.net") == "example.net"
    assert organizational_domain("mx.shop.example.com.cn") == "example.com.cn"
    assert organizational_domain("news.bbc.co.uk") == "bbc.co.uk"
    assert organizational_domain("example.com.cn") != organizational_domain("other.com.cn")


def test_verdicts_that_cannot_authenticate_anyone_are_known_before_reading_the_message():
    assert Verdicts.of_receipt({"spamVerdict": {"status": "FAIL"}}).rejected
    assert Verdicts(spf="GRAY", dkim="FAIL", dmarc="GRAY").cannot_authenticate
    assert Verdicts(spf="PASS", dkim="PASS", dmarc="FAIL").cannot_authenticate
    assert not Verdicts(spf="PASS", dkim="GRAY", dmarc="GRAY").cannot_authenticate
