"""Signed survey links. A link names a ticket, the resolution it asks about, a score and when it stops working, and
carries an HMAC-SHA256 of those under a key from Secrets Manager: it cannot be forged or edited (another ticket,
another score, a later expiry), and the raw ticket id alone never rates anything.

Single use comes from the data, not from a list of spent tokens: a score is stored only while the ticket's
`rated_resolution` is below the link's resolution (the rating rule of the ticket API), so the first of the five
links recorded wins and every other (or the same one again) finds the resolution rated. The comment form posts
with the same token and is accepted once, while the rating it belongs to has no comment yet.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

VERSION = "s1"
SCORES = (1, 2, 3, 4, 5)
PICK = 0  # a link without a score (SMS): the page offers the five scores, each a signed link of its own


class InvalidSurveyToken(Exception):
    """Malformed, tampered with, or signed with another key."""


class ExpiredSurveyToken(Exception):
    pass


@dataclass(frozen=True)
class SurveyClaim:
    ticket_id: str
    resolution: int
    score: int
    expires: int  # epoch seconds


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SurveyTokens:
    def __init__(self, key: Callable[[], str]) -> None:
        self._key = key

    def _mac(self, payload: str) -> str:
        digest = hmac.new(self._key().encode("utf-8"), f"{VERSION}.{payload}".encode("utf-8"), hashlib.sha256)
        return _b64(digest.digest())

    def sign(self, claim: SurveyClaim) -> str:
        if claim.score not in SCORES and claim.score != PICK:
            raise ValueError("score must be 0 (pick on the page) or 1-5")
        payload = _b64(f"{claim.ticket_id}|{claim.resolution}|{claim.score}|{claim.expires}".encode("utf-8"))
        return f"{VERSION}.{payload}.{self._mac(payload)}"

    def verify(self, token: str, now: datetime) -> SurveyClaim:
        """The claim of a genuine, unexpired token; InvalidSurveyToken / ExpiredSurveyToken otherwise."""
        parts = token.split(".") if isinstance(token, str) and len(token) <= 512 else []
        if len(parts) != 3 or parts[0] != VERSION:
            raise InvalidSurveyToken()
        payload, mac = parts[1], parts[2]
        if not hmac.compare_digest(mac, self._mac(payload)):
            raise InvalidSurveyToken()
        try:
            ticket_id, resolution, score, expires = _unb64(payload).decode("utf-8").split("|")
            claim = SurveyClaim(ticket_id, int(resolution), int(score), int(expires))
        except (ValueError, UnicodeDecodeError):
            raise InvalidSurveyToken() from None
        if claim.score not in SCORES and claim.score != PICK:
            raise InvalidSurveyToken()
        if now.astimezone(timezone.utc).timestamp() >= claim.expires:
            raise ExpiredSurveyToken()
        return claim
