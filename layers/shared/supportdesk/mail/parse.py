"""Reading an inbound e-mail: who wrote, about which ticket, what they wrote, and whether a machine wrote it.

The body is chosen the way a mail client shows it: in multipart/alternative the plain text (else the HTML turned
into text), in multipart/mixed every inline text part in order (a message in HTML followed by a plain-text
signature part is one message, not a signature), in multipart/related the root part, in multipart/report (bounces,
read receipts) the human-readable first part. The tree is walked with an explicit stack and a depth limit, and a
message too deeply nested for the standard library's recursive parser is read from its headers alone: crafted
structure costs a bounded amount of work and never fails the invocation.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass, field
from email.message import Message

from supportdesk.mail.charsets import decode_text
from supportdesk.mail.headers import Address, decode_header, parse_address
from supportdesk.mail.html import html_to_text
from supportdesk.text import single_line

MAX_DEPTH = 12  # MIME nesting followed when choosing the body (real mail rarely goes past 4)
MAX_PARTS = 200  # MIME parts looked at per message
_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:")
_PREAMBLE_LINES = 12  # lines of non-header text before the header section that are skipped (mail068's shape)

_QUOTE_HEADERS = re.compile(
    r"^\s*(?:"
    r"On\s.{0,300}\swrote\s?:"  # English (Gmail, Apple Mail, Thunderbird)
    r"|Am\s.{0,300}\sschrieb\s.{0,300}:"  # German
    r"|Le\s.{0,300}\sa\s+écrit\s?:"  # French
    r"|El\s.{0,300}\sescribió\s?:"  # Spanish
    r"|Em\s.{0,300}\sescreveu\s?:"  # Portuguese
    r"|Il\s.{0,300}\sha\s+scritto\s?:"  # Italian
    r"|Op\s.{0,300}\sschreef\s.{0,300}:"  # Dutch
    r"|.{0,300}(?:написал|написала)\s?.{0,40}:"  # Russian
    r"|在.{0,300}(?:写道|寫道)[:：]?"  # Chinese (QQ Mail, Foxmail, Gmail zh)
    r"|於.{0,300}(?:寫道|写道)[:：]?"  # Traditional Chinese
    r"|.{0,300}(?:のメッセージ|のメール|は書きました)[:：]"  # Japanese
    r"|.{0,300}님이\s?작성[:：]?"  # Korean
    r"|-{2,}\s*(?:Original Message|原始邮件|原始郵件|邮件原文|Ursprüngliche Nachricht"
    r"|Message d'origine|Mensaje original|元のメッセージ)\s*-{2,}"
    r"|_{10,}"  # Outlook's separator line before its From:/Sent: block
    r"|(?:From|发件人|發件人|寄件者|差出人|Von|De)\s?[:：]\s*.+"
    r")\s*$",
    re.IGNORECASE,
)
# A forwarded message is what the customer wants us to read: everything from its marker on is kept.
_FORWARD_MARKER = re.compile(
    r"^\s*(?:-{2,}\s*(?:Forwarded message|Forwarded Message|转发邮件|转发的邮件|轉寄郵件|Weitergeleitete Nachricht"
    r"|Message transféré|Mensaje reenviado|転送メッセージ)\s*-{2,}"
    r"|Begin forwarded message:|Début du message réexpédié :?)\s*$",
    re.IGNORECASE,
)
_AUTOMATED_LOCAL_PART = re.compile(
    r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|notifications?|daemon|cron|autoresponder"
    r"|auto-?reply|mailerdaemon)(?:[+._-].*)?@",
    re.IGNORECASE,
)
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:Automatic reply|Auto(?:matic)?[ -]?(?:reply|response)|Out of (?:the )?office|Autosvar|Abwesenheitsnotiz"
    r"|Réponse automatique|Respuesta automática|Risposta automatica|自动回复|自動回覆|自動回复|自動返信|不在通知"
    r"|Undeliverable|Undelivered Mail|Delivery Status Notification|Mail delivery failed|退信|系统退信)\b",
    re.IGNORECASE,
)
_DISPLAYABLE = ("text/plain", "text/html")


MAX_ATTACHMENTS = 10  # kept per mail; the rest are refused with a note
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# Refused whatever they claim to be: programs, scripts, web pages (they run in a browser from our domain),
# macro-enabled Office files, disk images and shortcuts.
DANGEROUS_EXTENSIONS = frozenset(
    {
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "pif",
        "cpl",
        "dll",
        "msi",
        "msp",
        "msc",
        "jar",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "ps1",
        "psm1",
        "hta",
        "html",
        "htm",
        "shtml",
        "xhtml",
        "svg",
        "mht",
        "mhtml",
        "lnk",
        "reg",
        "sh",
        "py",
        "php",
        "pl",
        "rb",
        "apk",
        "app",
        "dmg",
        "iso",
        "img",
        "vhd",
        "docm",
        "xlsm",
        "pptm",
        "dotm",
        "xlam",
        "scf",
        "url",
        "inf",
        "gadget",
        "application",
        "chm",
    }
)
DANGEROUS_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "application/javascript",
        "text/javascript",
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-sh",
        "application/x-executable",
        "application/hta",
        "application/java-archive",
        "application/vnd.microsoft.portable-executable",
    }
)


@dataclass(frozen=True)
class Attachment:
    filename: str  # decoded (RFC 2231 and RFC 2047), without any path
    content_type: str
    data: bytes  # empty when refused
    refused: str = ""  # "", "dangerous_type", "too_large", "too_many"


@dataclass(frozen=True)
class InboundMail:
    sender: str  # the From address (else Reply-To, else Sender), from the raw addr-spec; "" when there is none
    subject: str
    body: str
    automated: bool  # an auto-reply, bounce, list or machine mail: never answer it, never reopen a ticket with it
    language: str  # best guess, for an auto-reply to someone we do not know
    sender_spoof_suspect: bool = False  # the display name shows an address other than the sender's
    message_id: str = ""
    in_reply_to: tuple[str, ...] = ()  # Message-IDs from In-Reply-To and References, nearest first
    automated_reason: str = ""
    defects: tuple[str, ...] = field(default_factory=tuple)  # what was repaired or given up while reading
    attachments: tuple[Attachment, ...] = ()


def guess_language(*texts: str) -> str:
    sample = " ".join(t for t in texts if t)[:2000]
    return "zh-CN" if re.search(r"[\u4e00-\u9fff]", sample) else "en"


def strip_quoted(text: str) -> str:
    """The new part of a reply: stop at the quoted history ("On ... wrote:" in the languages customers write,
    Outlook's separator and From block), and leave out "> ..." lines; a forwarded message is kept whole."""
    kept: list[str] = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if _FORWARD_MARKER.match(line):
            kept.extend(rest.rstrip() for rest in lines[index:])
            break
        joined = f"{line} {lines[index + 1].strip()}" if index + 1 < len(lines) else line
        if _QUOTE_HEADERS.match(line) or (
            len(line) < 200
            and line.lstrip().startswith(("On ", "Am ", "Le ", "El "))
            and _QUOTE_HEADERS.match(joined)
            and not _QUOTE_HEADERS.match(line + ".")
        ):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return "\n".join(kept).strip()


def recover_header_section(raw: bytes) -> tuple[bytes, bool]:
    """A message whose first lines are not header fields (`---- Original email message ----`, an mbox `From `
    line, blank lines) keeps its headers: skip up to a few such lines when a header section follows them."""
    lines = raw[:8192].split(b"\n", _PREAMBLE_LINES + 1)
    if lines and _HEADER_LINE.match(lines[0]):
        return raw, False
    offset = 0
    for line in lines[:_PREAMBLE_LINES]:
        if _HEADER_LINE.match(line):
            return raw[offset:], True
        offset += len(line) + 1
    return raw, False


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_param("charset")
    text = decode_text(payload, charset if isinstance(charset, str) else None)
    if part.get_content_type() == "text/html":
        return html_to_text(text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    return disposition == "attachment"


def _choose(part: Message, depth: int, budget: list[int]) -> list[Message]:
    """The displayable text parts of `part`, in the order a client shows them (no recursion on the call stack
    beyond MAX_DEPTH, no more than MAX_PARTS parts looked at)."""
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        return []
    ctype = part.get_content_type()
    if not part.is_multipart():
        return [part] if ctype in _DISPLAYABLE and not _is_attachment(part) else []
    children = [c for c in (part.get_payload() or []) if isinstance(c, Message)]
    subtype = part.get_content_subtype()
    if subtype == "alternative":
        for preferred in ("text/plain", "text/html"):
            for child in children:
                if child.get_content_type() == preferred and not _is_attachment(child) and _part_text(child).strip():
                    return [child]
        for child in reversed(children):  # RFC 2046: the last alternative is the richest
            alternative = _choose(child, depth + 1, budget)
            if alternative:
                return alternative
        return []
    if subtype in ("related", "signed", "report", "encrypted"):
        return _choose(children[0], depth + 1, budget) if children else []
    chosen: list[Message] = []
    for child in children:  # mixed, digest, parallel, unknown: every inline text part in order
        if child.get_content_type() == "message/rfc822":
            continue  # a forwarded message as an attachment
        chosen.extend(_choose(child, depth + 1, budget))
    return chosen


def _filename(part: Message) -> str:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, %-decoded text as latin-1)
        charset, _, value = raw
        name = decode_text(value.encode("latin-1", "replace"), charset or "utf-8")
    else:
        name = decode_header(str(raw or ""))  # RFC 2047 in a parameter: not standard, but what many clients send
    name = re.split(r"[\\/]", name)[-1].strip().strip(".")
    return re.sub(r"[\x00-\x1f\x7f]", "", name)[:200]


def is_dangerous(filename: str, content_type: str) -> bool:
    extensions = [e.lower() for e in filename.split(".")[1:]]
    return content_type.lower() in DANGEROUS_TYPES or any(e in DANGEROUS_EXTENSIONS for e in extensions[-2:])


def attachments_of(message: Message, body_parts: list[Message]) -> tuple[Attachment, ...]:
    """Every leaf part that is not a chosen body part and has a file name or is marked as an attachment, decoded;
    dangerous types, oversized ones and those beyond MAX_ATTACHMENTS come back refused, without their bytes."""
    found: list[Attachment] = []
    stack, seen = [(message, 0)], 0
    while stack and seen < MAX_PARTS:
        part, depth = stack.pop()
        seen += 1
        if part.is_multipart():
            if depth < MAX_DEPTH:
                children = [c for c in (part.get_payload() or []) if isinstance(c, Message)]
                stack.extend((c, depth + 1) for c in reversed(children))
            continue
        if any(part is chosen for chosen in body_parts):
            continue
        filename = _filename(part)
        if not filename and not _is_attachment(part):
            continue
        ctype = part.get_content_type()
        if not filename:
            filename = "attachment"
        if len(found) >= MAX_ATTACHMENTS:
            found.append(Attachment(filename, ctype, b"", "too_many"))
        elif is_dangerous(filename, ctype):
            found.append(Attachment(filename, ctype, b"", "dangerous_type"))
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            if len(data) > MAX_ATTACHMENT_BYTES:
                found.append(Attachment(filename, ctype, b"", "too_large"))
            else:
                found.append(Attachment(filename, ctype, data))
    return tuple(found)


def body_text(message: Message) -> str:
    parts = _choose(message, 0, [MAX_PARTS])
    texts = [t.strip() for t in (_part_text(p) for p in parts) if t.strip()]
    return strip_quoted("\n\n".join(texts))


def _message_ids(value: str | None) -> tuple[str, ...]:
    return tuple(re.findall(r"<([^<>\s]{1,250})>", value or ""))


def _raw_all(message: Message, name: str) -> list[str]:
    """Raw values of a header field (8-bit bytes kept as surrogate escapes, encoded words not decoded)."""
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def _header(message: Message, name: str) -> str:
    values = _raw_all(message, name)
    return values[0] if values else ""


def automated_reason(message: Message, sender: Address, subject: str) -> str:
    """Why this mail was sent by a machine ("" when a person wrote it): RFC 3834 Auto-Submitted, Precedence,
    mailing-list headers (RFC 2369/2919), the auto-responder headers of Exchange and others, delivery reports,
    spam flags, and bounce/no-reply envelope or From addresses."""
    auto_submitted = _header(message, "Auto-Submitted").split(";", 1)[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"auto-submitted:{auto_submitted}"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply", "auto-reply"):
        return f"precedence:{precedence}"
    for name in (
        "List-Id",
        "List-Unsubscribe",
        "List-Post",
        "Feedback-ID",
        "X-Autoreply",
        "X-Autorespond",
        "X-Autogenerated",
        "X-Auto-Generated",
        "X-AutoReply-From",
        "X-Mail-Autoreply",
        "X-Cron-Env",
        "X-Loop",
        "X-Failed-Recipients",
        "X-MS-Exchange-Generated-Message-Source",
        "X-ServerMaster",
        "X-FC-MachineGenerated",
        "X-POST-MessageClass",
    ):
        if message.get(name) is not None:
            return f"header:{name.lower()}"
    suppress = _header(message, "X-Auto-Response-Suppress").lower()
    if any(word in suppress for word in ("all", "oof", "autoreply")):
        return "header:x-auto-response-suppress"
    if _header(message, "X-Spam-Flag").strip().lower() == "yes" or _header(
        message, "X-Spam-Status"
    ).strip().lower().startswith("yes"):
        return "spam-flag"
    ctype = message.get_content_type()
    if ctype == "multipart/report" or ctype == "message/delivery-status":
        return "delivery-report"
    return_path = _header(message, "Return-Path").strip()
    if return_path.replace(" ", "") == "<>":
        return "return-path:null"
    envelope = parse_address(return_path).address
    if envelope and _AUTOMATED_LOCAL_PART.match(envelope):
        return "return-path:automated"
    if sender.address and _AUTOMATED_LOCAL_PART.match(sender.address):
        return "from:automated"
    if sender.display_name.lower() in ("cron daemon", "mail delivery system", "mail delivery subsystem"):
        return "from:automated"
    if _AUTO_REPLY_SUBJECT.match(subject):
        return "subject:auto-reply"
    return ""


def read_mail(raw: bytes | Message) -> InboundMail:
    """Everything the inbound channel needs from one raw message. Never raises on malformed mail: what could not
    be read is named in `defects`."""
    if isinstance(raw, Message):
        raw = raw.as_bytes(policy=email.policy.SMTP)
    defects: list[str] = []
    raw, recovered = recover_header_section(raw)
    if recovered:
        defects.append("preamble_before_headers")
    message: Message | None = None
    body = ""
    attachments: tuple[Attachment, ...] = ()
    if raw.count(b"ultipart/") > MAX_PARTS:  # the standard parser's cost grows with nesting: do not start it
        defects.append("too_many_parts")
    else:
        try:
            message = email.message_from_bytes(raw, policy=email.policy.compat32)
            body = body_text(message)
            attachments = attachments_of(message, _choose(message, 0, [MAX_PARTS]))
        except RecursionError:
            defects.append("nesting_too_deep")
    if message is None:  # the header section alone, which is flat
        from email.parser import BytesHeaderParser

        message = BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)

    sender, suspect = Address("", "", False), False
    for name in ("From", "Reply-To", "Sender"):  # a malformed first From, or none: the next that has an address
        for value in _raw_all(message, name):
            candidate = parse_address(value)
            suspect = suspect or (name == "From" and candidate.spoof_suspect)
            if candidate.address and not sender.address:
                sender = candidate
                if name != "From":
                    defects.append(f"sender_from_{name.lower()}")
    subject = single_line(decode_header(_header(message, "Subject")))  # becomes the Subject of our replies
    reason = automated_reason(message, sender, subject)
    # decode_header: some libraries (Python's own email package among them) fold a long msg-id into encoded words
    references = _message_ids(decode_header(_header(message, "In-Reply-To"))) + tuple(
        reversed(_message_ids(decode_header(_header(message, "References"))))
    )
    return InboundMail(
        sender=sender.address,
        subject=subject,
        body=body,
        automated=bool(reason),
        language=guess_language(subject, body),
        sender_spoof_suspect=suspect,
        message_id=next(iter(_message_ids(decode_header(_header(message, "Message-ID")))), ""),
        in_reply_to=tuple(dict.fromkeys(references)),
        automated_reason=reason,
        defects=tuple(defects),
        attachments=attachments,
    )


__all__ = [
    "Attachment",
    "InboundMail",
    "read_mail",
    "strip_quoted",
    "body_text",
    "guess_language",
    "automated_reason",
    "is_dangerous",
]
