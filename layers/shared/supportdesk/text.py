"""Text hygiene shared by the HTTP edge, the inbound-mail path and the notifier.

A single-line field (a ticket subject, a display name, an order id) must never carry a line break or another
control character: the subject of a ticket becomes the Subject header of the e-mail that carries an agent's reply,
and a CR/LF there would let a customer add headers (Bcc, a second body...). Such fields are collapsed on input, and
the notifier collapses every rendered subject again before it reaches SES.
"""

from __future__ import annotations

import re

# C0 and C1 control characters (CR, LF, TAB, NUL, ESC, NEL...), Unicode line/paragraph separators and any other
# whitespace: one character class repeated, so matching is linear in the text.
_CONTROL_OR_SPACE_RUN = re.compile("[\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\s]+")


def single_line(value: str) -> str:
    """`value` with every run of control characters and whitespace replaced by one space, trimmed."""
    return _CONTROL_OR_SPACE_RUN.sub(" ", value).strip()


__all__ = ["single_line"]
