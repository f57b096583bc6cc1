"""Masking of what customers must not have stored or logged: card numbers, resident ID numbers and secrets.

Every message, subject and rating comment goes through `mask_sensitive` before it is stored or logged. Three
detectors run in this order, each on the output of the previous one (so a card number given as a "PIN" is masked
as a card first and cannot leak through the secret detector's shorter value):

1. Mainland China resident ID numbers (GB 11643): exactly 18 characters, 17 digits and a digit or X/x, not glued
   to other ASCII letters or digits, with a valid ISO 7064 MOD 11-2 check character and a real birth date
   (1900-2099). Only the first 3 characters and the check character stay visible: "110**************X". The first
   3 name a province and part of a prefecture, never the county; the birth date (characters 7-14) and the
   sequence number, whose parity is the holder's sex (character 17), are hidden. Numbers written with spaces
   inside are not recognised.
2. Bank-card numbers: a run of 12-19 ASCII digits, optionally split by single spaces or dashes, not glued to ASCII
   letters or digits (so "B2026112300123" is an order id, not a card), that passes the Luhn check and starts like
   a payment card (3, 4, 5, 6, 9 - the 9 covers older Chinese domestic debit cards - or Mastercard's 2221-2720).
   The prefix rule keeps date-prefixed order numbers ("2026...") and phone numbers written with a country code
   ("86 138 ...", "0086...") readable; ten percent of such numbers would pass Luhn by chance. The first 6 and the
   last 4 digits stay visible (the most PCI DSS allows) and every separator keeps its place:
   "6222 02** **** **** 123" - the customer still recognises the layout they typed.
3. Secrets named in a phrase: a keyword (密码, 验证码, 校验码, 动态码, 口令, 安全码, password, passwd, pwd,
   passcode, PIN, OTP, one-time code, verification code, security code, SMS code, auth code, CVV/CVC), then an
   optional connector (是, 为, is, was, :, ：, =) and the value. The value runs to the next whitespace, CJK
   character, full-width punctuation or one of , ; ( ) [ ] { } < > (trailing . ! ? : are treated as sentence
   punctuation and left visible), or to the closing quote when it is quoted. It is replaced by a fixed "******"
   so its length does not leak. To keep ordinary sentences readable ("I forgot my password and...", "OTP not
   received"), a value after no connector or after the English "is/was" is masked only when it contains a digit;
   after ":", "=", 是 or 为 any value is masked.

All scanning is linear in the input: the patterns have no nested or adjacent unbounded quantifiers and the
secret phrases are parsed by hand after a literal keyword match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

BANK_CARD = "bank_card"
CN_RESIDENT_ID = "cn_resident_id"
SECRET = "secret"  # noqa: S105 - the name of a kind of masked value

SECRET_MASK = "******"  # noqa: S105 - what replaces a secret


@dataclass(frozen=True)
class Masked:
    text: str
    kinds: frozenset[str] = frozenset()  # subset of {"bank_card", "cn_resident_id", "secret"}

    @property
    def changed(self) -> bool:
        return bool(self.kinds)


def mask_sensitive(text: str) -> Masked:
    """The text with card numbers, resident ID numbers and named secrets masked, and which kinds were found."""
    kinds: set[str] = set()
    masked = _mask_resident_ids(text, kinds)
    masked = _mask_bank_cards(masked, kinds)
    masked = _mask_secrets(masked, kinds)
    return Masked(masked, frozenset(kinds))


# --- resident ID numbers ---------------------------------------------------------------------------------------

_RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)


def is_valid_resident_id(candidate: str) -> bool:
    """True for an 18-character mainland resident ID number with a valid check character and birth date."""
    if len(candidate) != 18 or not candidate[:17].isascii() or not candidate[:17].isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(candidate[:17], _ID_WEIGHTS, strict=True))
    if candidate[17].upper() != _ID_CHECK_CHARS[total % 11]:
        return False
    year, month, day = int(candidate[6:10]), int(candidate[10:12]), int(candidate[12:14])
    if not 1900 <= year <= 2099:
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _mask_resident_ids(text: str, kinds: set[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        number = match.group()
        if not is_valid_resident_id(number):
            return number
        kinds.add(CN_RESIDENT_ID)
        return number[:3] + "*" * 14 + number[17]

    return _RESIDENT_ID.sub(replace, text)


# --- bank cards ------------------------------------------------------------------------------------------------

# Greedy and followed by nothing, so it never backtracks; finditer resumes after each run.
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])[0-9](?:[ -]?[0-9])*")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _starts_like_a_card(digits: str) -> bool:
    if digits[0] in "34569":
        return True
    return digits[0] == "2" and 222100 <= int(digits[:6]) <= 272099


def is_bank_card_number(digits: str) -> bool:
    """True for 12-19 ASCII digits (no separators) that start like a payment card and pass the Luhn check."""
    return (
        12 <= len(digits) <= 19
        and digits.isascii()
        and digits.isdigit()
        and _starts_like_a_card(digits)
        and luhn_valid(digits)
    )


def _mask_bank_cards(text: str, kinds: set[str]) -> str:
    pieces: list[str] = []
    last = 0
    for match in _DIGIT_RUN.finditer(text):
        end = match.end()
        if end < len(text) and text[end].isascii() and text[end].isalnum():
            continue  # glued to a word: a reference or product code, not a card
        run = match.group()
        digits = run.replace(" ", "").replace("-", "")
        if not is_bank_card_number(digits):
            continue
        kinds.add(BANK_CARD)
        pieces.append(text[last : match.start()])
        pieces.append(_mask_card_run(run, len(digits)))
        last = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def _mask_card_run(run: str, digit_count: int) -> str:
    out = []
    seen = 0
    for char in run:
        if char in " -":
            out.append(char)
            continue
        out.append(char if seen < 6 or seen >= digit_count - 4 else "*")
        seen += 1
    return "".join(out)


# --- secrets named in a phrase ---------------------------------------------------------------------------------

_SECRET_KEYWORD = re.compile(
    r"密码|验证码|校验码|动态码|口令|安全码"
    r"|(?<![A-Za-z])(?:"
    r"one[- ]?time[ -]?(?:password|passcode|code)|password|passwd|passcode|pass code|pwd"
    r"|verification code|security code|sms code|auth(?:entication)? code|otp"
    r"|pin(?: ?(?:code|number)|码)?|cvv2?|cvc2?"
    r")(?![A-Za-z])",
    re.IGNORECASE,
)
_ENGLISH_VERB = re.compile(r"(?:is|was)(?![A-Za-z])", re.IGNORECASE)
_CHINESE_VERBS = "是为為"
_SYMBOLS = ":：=＝"
_HORIZONTAL_SPACE = " \t\u3000\xa0"
_QUOTES = {'"': '"', "'": "'", "`": "`", "“": "”", "‘": "’", "「": "」", "『": "』"}
_MAX_QUOTED = 128
_VALUE_STOPS = frozenset(',;()[]{}<>"')
_TRAILING_PUNCTUATION = ".!?:"


def _is_value_char(char: str) -> bool:
    if char.isspace() or char in _VALUE_STOPS:
        return False
    code = ord(char)
    if 0xFF10 <= code <= 0xFF19 or 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return True  # full-width digits and letters typed with a Chinese input method
    # CJK scripts and punctuation (U+2E80-U+9FFF), compatibility ideographs and forms, full-width punctuation
    return not (
        0x2E80 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0xFE30 <= code <= 0xFE4F or 0xFF00 <= code <= 0xFFEF
    )


def _skip(text: str, index: int, spaces: str | None) -> int:
    """Index of the first character at or after `index` that is not a space (`spaces=None`: any whitespace)."""
    while index < len(text) and (text[index].isspace() if spaces is None else text[index] in spaces):
        index += 1
    return index


class _Runs:
    """Where the value starting at any index would end, and the next digit, computed once per text on first use.

    Many keywords can share one long run of value characters ("pwd_pwd_pwd_..."): rescanning that run (or slicing
    it) for each keyword is quadratic, so the ends are found by one backward pass each and looked up in O(1)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._run_end: list[int] | None = None
        self._next_digit: list[int] | None = None
        self._stripped: dict[int, int] = {}

    def value_end(self, index: int) -> int:
        """End of the value starting at `index`: the next stop character, trailing sentence punctuation left out."""
        if self._run_end is None:
            length = len(self.text)
            ends = [length] * (length + 1)
            for position in range(length - 1, -1, -1):
                ends[position] = ends[position + 1] if _is_value_char(self.text[position]) else position
            self._run_end = ends
        end = self._run_end[index]
        stripped = self._stripped.get(end)
        if stripped is None:
            stripped = end
            while stripped > 0 and self.text[stripped - 1] in _TRAILING_PUNCTUATION:
                stripped -= 1
            self._stripped[end] = stripped
        return max(index, stripped)

    def has_digit(self, start: int, end: int) -> bool:
        if self._next_digit is None:
            length = len(self.text)
            nearest = [length] * (length + 1)
            for position in range(length - 1, -1, -1):
                nearest[position] = position if self.text[position].isdigit() else nearest[position + 1]
            self._next_digit = nearest
        return self._next_digit[start] < end


def _secret_value(text: str, index: int, runs: _Runs) -> tuple[int, int] | None:
    """The span of the secret value that follows a keyword ending at `index`, or None when there is none."""
    length = len(text)
    index = _skip(text, index, _HORIZONTAL_SPACE)
    needs_digit = True
    connected = False
    verb = _ENGLISH_VERB.match(text, index)
    if verb:
        connected = True
        index = _skip(text, verb.end(), _HORIZONTAL_SPACE)
    elif index < length and text[index] in _CHINESE_VERBS:
        connected, needs_digit = True, False
        index = _skip(text, index + 1, _HORIZONTAL_SPACE)
    if index < length and text[index] in _SYMBOLS:
        connected, needs_digit = True, False
        index = _skip(text, index + 1, None)
    if index >= length:
        return None
    closing = _QUOTES.get(text[index]) if connected else None  # without a connector "'" is an apostrophe
    if closing is not None:
        end = text.find(closing, index + 1, min(length, index + 1 + _MAX_QUOTED))
        if end > index + 1:
            return index + 1, end
        return None
    end = runs.value_end(index)
    if end == index:
        return None
    if needs_digit and not runs.has_digit(index, end):
        return None
    return index, end


def _mask_secrets(text: str, kinds: set[str]) -> str:
    pieces: list[str] = []
    last = 0
    position = 0
    runs = _Runs(text)
    while True:
        keyword = _SECRET_KEYWORD.search(text, position)
        if keyword is None:
            break
        span = _secret_value(text, keyword.end(), runs)
        if span is None:
            position = keyword.end()
            continue
        start, end = span
        kinds.add(SECRET)
        pieces.append(text[last:start])
        pieces.append(SECRET_MASK)
        last = position = end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


__all__ = [
    "BANK_CARD",
    "CN_RESIDENT_ID",
    "SECRET",
    "Masked",
    "is_bank_card_number",
    "is_valid_resident_id",
    "luhn_valid",
    "mask_sensitive",
]
