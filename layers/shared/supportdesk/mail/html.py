"""HTML mail to readable text in one left-to-right pass.

CPython's html.parser is super-linear on crafted input (20 KB of `<a ` took 9 s, 40 KB 36 s: it rescans the
unfinished tag at every feed), which lets one mail outlive the function's timeout and its retries. This extractor
looks at every character a bounded number of times: a tag runs to the next `>`, and when there is none, no later
`<` can close either, so the rest is dropped at once; comments and script/style bodies are skipped with one search
each. It is not a conforming HTML parser (a `>` inside a quoted attribute ends the tag early): the output is text a
person reads in a ticket, and the input is capped at MAX_HTML characters before it gets here.
"""

from __future__ import annotations

import html
import re

MAX_HTML = 512 * 1024  # characters of HTML turned into text; a mail body is cut at 5,000 characters anyway
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "table",
        "ul",
        "ol",
        "hr",
        "pre",
        "section",
        "article",
        "header",
        "footer",
        "dt",
        "dd",
        "address",
        "center",
    }
)
_SKIPPED = ("script", "style", "head", "title", "template")
_TAG_NAME = re.compile(r"/?\s*([a-zA-Z][a-zA-Z0-9:-]*)")
_SKIP_END = {name: re.compile(rf"</\s*{name}\s*>", re.IGNORECASE) for name in _SKIPPED}
_SPACES = re.compile(r"[ \t\r\n\f\u00a0\u200b\u3000]+")


def html_to_text(markup: str) -> str:
    markup = markup[:MAX_HTML]
    parts: list[str] = []
    position, length = 0, len(markup)
    while position < length:
        start = markup.find("<", position)
        if start < 0:
            parts.append(_text(markup[position:]))
            break
        if start > position:
            parts.append(_text(markup[position:start]))
        if markup.startswith("<!--", start):
            end = markup.find("-->", start + 4)
            if end < 0:
                break
            position = end + 3
            continue
        end = markup.find(">", start + 1)
        if end < 0:  # an unfinished tag: nothing after it can be a tag either
            break
        name_match = _TAG_NAME.match(markup, start + 1, end)
        position = end + 1
        if not name_match:
            if markup[start + 1 : start + 2] not in ("!", "?"):
                parts.append(_text(markup[start:position]))  # "a < b > c" is text
            continue
        name = name_match.group(1).lower()
        closing = markup[start + 1 : name_match.start(1)].startswith("/")
        if name in _SKIPPED and not closing and not markup[start:end].endswith("/"):
            skip_end = _SKIP_END[name].search(markup, position)
            if skip_end is None:
                break
            position = skip_end.end()
        elif name in BLOCK_TAGS:
            parts.append("\n")
        elif name == "td" and closing:
            parts.append(" ")
    lines = [line.strip() for line in "".join(parts).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _text(chunk: str) -> str:
    """A run of character data: entities decoded, whitespace collapsed the way a browser shows it."""
    return _SPACES.sub(" ", html.unescape(chunk))
