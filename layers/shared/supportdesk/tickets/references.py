"""Short human ticket references such as T-8K3Q2.

The alphabet leaves out 0/O, 1/I/L and U (read aloud or copied from a phone screen they get confused, and U avoids
accidental words), so a reference survives being dictated over the phone. Uniqueness is not left to chance: the
ticket is created with a conditional put (attribute_not_exists), and a collision simply draws again, one character
longer after every two collisions, so the space grows with use instead of failing at Double 11 volumes.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "T-"
BASE_LENGTH = 5
MAX_LENGTH = 10
REFERENCE_PATTERN = re.compile(r"\bT-([2-9A-HJKMNP-TV-Z]{5,10})\b", re.IGNORECASE)
_EXACT = re.compile(r"^T-[2-9A-HJKMNP-TV-Z]{5,10}$")


def new_reference(attempt: int = 0) -> str:
    """A random reference; `attempt` is how many collisions came before (length grows by one every two)."""
    length = min(MAX_LENGTH, BASE_LENGTH + attempt // 2)
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalize_reference(raw: str | None) -> str | None:
    """The canonical form of a reference typed by a person (case-insensitive), or None if it cannot be one."""
    if not raw or not isinstance(raw, str):
        return None
    candidate = raw.strip().upper()
    return candidate if _EXACT.match(candidate) else None


def reference_in_subject(subject: str | None) -> str | None:
    """The ticket reference an e-mail subject carries, e.g. "Re: [T-8K3Q2] Where is my parcel?"."""
    if not subject:
        return None
    bracketed = re.search(r"\[\s*(T-[0-9A-Z]{5,10})\s*\]", subject, re.IGNORECASE)
    if bracketed:
        return normalize_reference(bracketed.group(1))
    loose = REFERENCE_PATTERN.search(subject)
    return normalize_reference(loose.group(0)) if loose else None
