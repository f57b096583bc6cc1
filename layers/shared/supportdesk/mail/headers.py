"""Header fields of a received mail, read from their raw bytes.

Two rules the standard library's header objects do not keep for us:

- RFC 2047 encoded words are text, never an address (RFC 2047 section 5: an encoded word must not appear in an
  addr-spec). `From: =?utf-8?B?Y2VvQHZpY3RpbS5leGFtcGxl?= <x@attacker.example>` is mail from x@attacker.example
  whose display name *says* ceo@victim.example; decoding first and parsing after would make it mail from the CEO.
  So the address is taken from the raw header, and a display name that looks like another address is flagged.
- Raw 8-bit header bytes with no declared charset (GBK or Shift_JIS subjects from older clients) are decoded by
  detection (charsets.detect), and encoded words by the same superset codecs as bodies (gb2312 -> GB18030).
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from dataclasses import dataclass

from supportdesk.mail.charsets import decode_text

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_ANGLE_ADDRESS = re.compile(r"<\s*([^<>\s]+)\s*>")
_BARE_ADDRESS = re.compile(r"[^\s<>\"(),;:\[\]]+@[^\s<>\"(),;:\[\]]+")
_ADDR_SPEC = re.compile(
    r"^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*|\"[^\"\\]{1,64}\")"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}$"
)
_LOOKS_LIKE_ADDRESS = re.compile(r"[^\s<>\"'(),;:@]+@[^\s<>\"'(),;:@]+\.[A-Za-z]{2,}")
_COMMENT = re.compile(r"\((?:[^()\\]|\\.)*\)")
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"")


def raw_bytes(value: str) -> bytes:
    """A header value as the email package stores it (8-bit bytes as surrogate escapes) back to its bytes."""
    return value.encode("utf-8", "surrogateescape")


def _word_bytes(encoding: str, payload: str) -> bytes:
    try:
        if encoding in "bB":
            return base64.b64decode(payload + "=" * (-len(payload) % 4))
        return quopri.decodestring(payload.replace("_", " ").encode("ascii", "replace"), header=True)
    except (binascii.Error, ValueError):
        return payload.encode("ascii", "replace")


def decode_header(value: str | None) -> str:
    """The text of a header field: folded lines joined, encoded words decoded (adjacent words of one charset
    joined first, since clients split multi-byte characters across them), undeclared 8-bit text detected."""
    if not value:
        return ""
    value = _FOLD.sub("", str(value))
    pieces: list[str] = []
    pending: tuple[str | None, bytearray] | None = None  # charset of the encoded words being collected, their bytes
    position = 0

    def flush() -> None:
        nonlocal pending
        if pending is not None:
            pieces.append(decode_text(bytes(pending[1]), pending[0]))
            pending = None

    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if pending is None or between.strip():
            flush()
            pieces.append(decode_text(raw_bytes(between)))
        charset = match.group(1).split("*", 1)[0].lower()  # RFC 2231 language suffix: utf-8*en
        data = _word_bytes(match.group(2), match.group(3))
        if pending is not None and pending[0] == charset:
            pending[1].extend(data)
        else:
            flush()
            pending = (charset, bytearray(data))
        position = match.end()
    flush()
    pieces.append(decode_text(raw_bytes(value[position:])))
    return re.sub(r"\s+", " ", "".join(pieces)).strip()


@dataclass(frozen=True)
class Address:
    address: str  # the addr-spec, lower-cased domain; "" when the field holds no usable address
    display_name: str  # decoded
    spoof_suspect: bool  # the display name shows an address that is not this one


def _clean_address(candidate: str) -> str:
    candidate = candidate.strip().rstrip(".")  # <Claudia.Shu@yahoo.com.>: a trailing root dot is still the domain
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[7:]
    if "=?" in candidate or not _ADDR_SPEC.match(candidate):
        return ""
    local, domain = candidate.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def parse_address(value: str | None) -> Address:
    """The first mailbox of an address header (From, Reply-To, Sender), taken from the raw text only."""
    if not value:
        return Address("", "", False)
    text = _FOLD.sub("", str(value))
    first = _first_mailbox(text)
    address, display = "", first
    angle = None
    for match in _ANGLE_ADDRESS.finditer(first):
        angle = match  # the last <...> is the address; earlier ones can only be in a (broken) display name
    if angle is not None:
        address = _clean_address(angle.group(1))
        display = first[: angle.start()]
    else:
        bare = _BARE_ADDRESS.search(_QUOTED.sub(" ", _COMMENT.sub(" ", first)))
        if bare:
            address = _clean_address(bare.group(0))
            display = first.replace(bare.group(0), " ", 1)
        comment = _COMMENT.search(first)  # old style: addr (Display Name)
        if comment:
            display = comment.group(0)[1:-1]
    display_name = decode_header(display.strip()).strip().strip('"').strip()
    shown = {a.rstrip(".").lower() for a in _LOOKS_LIKE_ADDRESS.findall(display_name)}
    suspect = bool(shown) and (not address or shown != {address.lower()})
    return Address(address, display_name, suspect)


def _first_mailbox(text: str) -> str:
    """The first element of an address list: split at a comma outside quotes, comments and angle brackets."""
    depth_angle = depth_comment = 0
    quoted = escaped = False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quoted:
            quoted = char != '"'
        elif char == '"':
            quoted = True
        elif char == "(":
            depth_comment += 1
        elif char == ")" and depth_comment:
            depth_comment -= 1
        elif char == "<" and not depth_comment:
            depth_angle += 1
        elif char == ">" and depth_angle:
            depth_angle -= 1
        elif char == "," and not (depth_angle or depth_comment):
            if _BARE_ADDRESS.search(text[:index]) or "<" in text[:index]:
                return text[:index]
    return text


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[1].lower().rstrip(".") if "@" in address else ""
