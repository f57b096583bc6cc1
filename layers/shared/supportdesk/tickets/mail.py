"""Reading an inbound e-mail: who wrote, about which ticket, and what they wrote (text/plain preferred, HTML turned
into text, quoted history cut off), plus the checks that keep auto-replies from looping or reaching spoofed senders."""
from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from html.parser import HTMLParser

from supportdesk.tickets.references import reference_in_subject

_BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol"}
_QUOTE_HEADERS = re.compile(
    r"^\s*(?:On .{0,200} wrote:|在.{0,200}写道[:：]|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*原始邮件\s*-{2,}"
    r"|From:\s.+|发件人[:：].+)\s*$",
    re.IGNORECASE,
)
_AUTOMATED_SENDERS = re.compile(r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounce[s]?)[@+.-]", re.I)


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def strip_quoted(text: str) -> str:
    """The new part of a reply: stop at the quoted history ("On ... wrote:", "> ..." lines)."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADERS.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeDecodeError):  # unknown or lying charset: keep what decodes
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        content = html_to_text(content)
    return strip_quoted(content.replace("\r\n", "\n"))


@dataclass(frozen=True)
class InboundMail:
    sender: str  # the From address
    subject: str
    body: str
    reference: str | None
    automated: bool  # an auto-reply, bounce or list mail: never answer it automatically
    language: str  # best guess, for an auto-reply to someone we do not know


def guess_language(*texts: str) -> str:
    sample = " ".join(t for t in texts if t)[:2000]
    return "zh-CN" if re.search(r"[\u4e00-\u9fff]", sample) else "en"


def read_mail(message: EmailMessage) -> InboundMail:
    senders = getaddresses([str(v) for v in message.get_all("From", [])])
    sender = senders[0][1].strip() if senders and senders[0][1] else ""
    subject = re.sub(r"\s+", " ", str(message.get("Subject", "") or "")).strip()
    auto_submitted = str(message.get("Auto-Submitted", "no")).strip().lower()
    precedence = str(message.get("Precedence", "")).strip().lower()
    automated = (
        auto_submitted not in ("", "no")
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or bool(message.get("List-Id") or message.get("List-Unsubscribe"))
        or bool(message.get("X-Autoreply") or message.get("X-Autorespond"))
        or bool(_AUTOMATED_SENDERS.match(sender))
    )
    body = body_text(message)
    return InboundMail(
        sender=sender,
        subject=subject,
        body=body,
        reference=reference_in_subject(subject),
        automated=automated,
        language=guess_language(subject, body),
    )


def sender_is_authenticated(spf: str | None, dkim: str | None, dmarc: str | None) -> bool:
    """SES's verdicts: the From address is trusted only when SPF or DKIM passed and DMARC did not fail; anything
    else could be someone writing in a customer's name."""
    passes = (spf or "").upper() == "PASS" or (dkim or "").upper() == "PASS"
    return passes and (dmarc or "").upper() != "FAIL"
