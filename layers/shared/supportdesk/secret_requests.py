"""Agents never ask for secrets: does a staff message ask the customer for a password, a verification code, a full
bank-card number or an ID number?

A legitimate agent never needs these (seed 001: "合法的客服人员不会提出此类问题"), and a customer who sees such a
request from our own desk would learn the wrong lesson. So a staff reply that asks for one is refused before it is
stored or sent, naming the rule it broke. Messages that merely mention these words still pass: warnings ("请不要把
密码告诉任何人", "we will never ask for your code"), instructions for the customer's own use ("请在登录页输入新
密码") and the partial identifiers agents legitimately check ("卡号后四位", "the last 4 digits of your card").

How it decides, per sentence and its comma-separated clauses (traditional characters read as simplified):

1. A clause names a secret of one of the RULES (keyword lists below, zh and en, case-insensitive). A card or ID
   number that the clause limits to a few digits ("后四位", "last 4 digits") does not count.
2. It is not a warning: no negation before the secret in that clause (不要, 别, 切勿, 请勿, 不会, 绝不, 无需, never,
   don't, do not, not, won't, no need), so "请提供订单号,不要提供密码" passes.
3. It is a request addressed to the customer: a request marker (请提供, 告诉我, 发给我, 发一下, 是多少, 报一下,
   send me, tell us, what is your, provide, share, ...) in that clause or an earlier one of the same sentence
   ("请提供订单号,以及支付密码").

This is a guard against honest mistakes and bad habits, not against an agent determined to get around it (who
could spell the word with spaces); the audit log covers that case.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from supportdesk.errors import DomainError

PASSWORD = "password"  # noqa: S105 - the name of a rule, not a credential
VERIFICATION_CODE = "verification_code"
CARD_NUMBER = "card_number"
ID_NUMBER = "id_number"

RULES: dict[str, tuple[str, ...]] = {
    PASSWORD: ("密码", "口令", "password", "passcode", "passwd", "pin码", "pin code", "pin number", "your pin"),
    VERIFICATION_CODE: (
        "验证码",
        "校验码",
        "动态码",
        "短信码",
        "确认码",
        "verification code",
        "otp",
        "one-time code",
        "one time code",
        "sms code",
        "security code",
        "the code we sent",
        "the code you received",
        "code you got",
        "auth code",
        "authentication code",
    ),
    CARD_NUMBER: (
        "银行卡号",
        "信用卡号",
        "储蓄卡号",
        "借记卡号",
        "完整卡号",
        "卡号",
        "卡的号码",
        "安全码",
        "cvv",
        "cvc",
        "有效期",
        "card number",
        "card no",
        "credit card details",
        "bank card details",
        "expiry date",
        "expiration date",
    ),
    ID_NUMBER: (
        "身份证号",
        "身份证号码",
        "证件号",
        "证件号码",
        "身份证全号",
        "id number",
        "id card number",
        "identity card number",
        "passport number",
        "national id",
    ),
}

# Words that make a clause a request to the customer to hand something over.
_REQUEST_ZH = (
    "请提供",
    "提供一下",
    "提供您的",
    "提供你的",
    "请告诉",
    "告诉我",
    "告诉我们",
    "发给我",
    "发我",
    "发给我们",
    "发一下",
    "发过来",
    "发送给我",
    "发送给我们",
    "给我",
    "报一下",
    "报给我",
    "说一下",
    "念一下",
    "读一下",
    "是多少",
    "是什么",
    "回复",
    "需要您的",
    "需要你的",
    "请把",
    "麻烦把",
    "请输入您的",
    "在这里输入",
    "在对话框输入",
    "截图给",
    "拍照给",
    "核对一下您的",
    "确认一下您的",
    "请确认您的",
    "请提交",
    "提交您的",
)
_REQUEST_EN = (
    "send me",
    "send us",
    "send over",
    "send it",
    "send your",
    "tell me",
    "tell us",
    "give me",
    "give us",
    "provide",
    "share your",
    "share the",
    "what is your",
    "what's your",
    "whats your",
    "what was your",
    "read out",
    "read me",
    "type it here",
    "reply with",
    "need your",
    "i need the",
    "we need the",
    "can you send",
    "could you send",
    "please send",
    "let me know your",
    "let us know your",
    "message me",
    "dm me",
    "post your",
)
_NEGATION_ZH = re.compile(
    r"不要|(?<![分特区类识级])别(?![人的处])|勿|不会|绝不|从不|不需要|无需|不用|千万不|永远不|不能|不可|"
    r"禁止|谨防|小心"
)
_NEGATION_EN = (
    "never",
    "don't",
    "dont",
    "do not",
    "not ",
    "won't",
    "wont",
    "will not",
    "no need",
    "no one",
    "nobody",
    "beware",
    "avoid",
    "mustn't",
    "must not",
    "shouldn't",
    "should not",
)
# A card or ID number limited to a few digits is what agents legitimately check.
_PARTIAL = re.compile(r"(后|末|尾)\s*(四|4|六|6)\s*位|last\s+(four|4|six|6)(\s+digits?)?|ending\s+in|final\s+(four|4)")

_SENTENCE_END = re.compile(r"[。!?;！？；\n]+|(?<=[.!?;])\s+")
_COMMA = re.compile(r"[,，、]+")


@dataclass(frozen=True)
class SecretRequest:
    rule: str  # password | verification_code | card_number | id_number
    clause: str  # the clause that asks (for the agent to see what to rewrite; it is their own text)


class UnsafeRequestForSecret(DomainError):
    """422: a staff message asks the customer for a secret; `details.rule` names which."""

    status = 422
    code = "unsafe_request_for_secret"


def refuse_secret_requests(text: str) -> None:
    """Raise UnsafeRequestForSecret when a staff message asks the customer for a secret (see find_secret_request)."""
    found = find_secret_request(text)
    if found is not None:
        raise UnsafeRequestForSecret(rule=found.rule, details={"rule": found.rule})


@lru_cache(maxsize=1)
def _traditional_to_simplified() -> dict[int, str]:
    """OpenCC's character table, shared with the help search (supportdesk/help/chardata.json): 請提供密碼 ->
    请提供密码."""
    data = json.loads((Path(__file__).parent / "help" / "chardata.json").read_text(encoding="utf-8"))["t2s"]
    return str.maketrans(dict(zip(data["traditional"], data["simplified"], strict=True)))


def find_secret_request(text: str) -> SecretRequest | None:
    """The first clause of a staff message that asks the customer for a secret, or None."""
    simplified = unicodedata.normalize("NFKC", text or "").translate(_traditional_to_simplified())
    for sentence in _SENTENCE_END.split(simplified):
        clauses = [" ".join(c.lower().split()) for c in _COMMA.split(sentence)]
        for index, clause in enumerate(clauses):
            found = _named_secret(clause)
            if found is None:
                continue
            rule, position = found
            if _negated_before(clause, position):
                continue
            # "请提供订单号,以及支付密码": the request may sit in an earlier clause of the same sentence
            if _asks(" , ".join(clauses[: index + 1])):
                return SecretRequest(rule, sentence.strip())
    return None


def _named_secret(clause: str) -> tuple[str, int] | None:
    """The secret the clause names first (the longest keyword wins at one place: "ID card number" is an ID)."""
    candidates = []
    for rule, keywords in RULES.items():
        for keyword, position in _matches(clause, keywords):
            if rule in (CARD_NUMBER, ID_NUMBER) and _PARTIAL.search(clause):
                continue
            candidates.append((position, -len(keyword), rule))
    if not candidates:
        return None
    position, _, rule = min(candidates)
    return rule, position


def _matches(text: str, keywords: tuple[str, ...]):
    for keyword in keywords:
        if keyword.isascii():
            match = re.search(rf"(?<![a-z0-9]){re.escape(keyword)}(?![a-z0-9])", text)
            if match:
                yield keyword, match.start()
        else:
            index = text.find(keyword)
            if index >= 0:
                yield keyword, index


def _negated_before(text: str, position: int) -> bool:
    before = text[:position]
    if _NEGATION_ZH.search(before):
        return True
    padded = f" {before}"
    return any(re.search(rf"(?<![a-z']){re.escape(marker.strip())}(?![a-z'])", padded) for marker in _NEGATION_EN)


def _asks(text: str) -> bool:
    if any(marker in text for marker in _REQUEST_ZH):
        return True
    return any(re.search(rf"(?<![a-z]){re.escape(marker)}(?![a-z])", text) for marker in _REQUEST_EN)


__all__ = [
    "CARD_NUMBER",
    "ID_NUMBER",
    "PASSWORD",
    "RULES",
    "SecretRequest",
    "UnsafeRequestForSecret",
    "VERIFICATION_CODE",
    "find_secret_request",
    "refuse_secret_requests",
]
