"""Render a named template in a language. Files live in templates/<name>/<language>.<part>, where part is
subject.txt, txt and html for e-mail, sms.txt for SMS. HTML is autoescaped; an undefined variable is an error."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from supportdesk.i18n import LANGUAGES
from supportdesk.text import single_line

TEMPLATES_DIR = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _environment():
    import jinja2  # deferred: only functions that send mail pay for it, and only on first send

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
    )


def _language(language: str) -> str:
    return language if language in LANGUAGES else "zh-CN"


def render_email(template: str, language: str, context: dict) -> RenderedEmail:
    env = _environment()
    lang = _language(language)
    ctx = {**context, "language": lang}
    return RenderedEmail(
        # A header: whatever a variable holds (a ticket subject...), no CR/LF or other control character gets in.
        subject=single_line(env.get_template(f"{template}/{lang}.subject.txt").render(ctx)),
        text=env.get_template(f"{template}/{lang}.txt").render(ctx),
        html=env.get_template(f"{template}/{lang}.html").render(ctx),
    )


def render_sms(template: str, language: str, context: dict) -> str:
    lang = _language(language)
    return _environment().get_template(f"{template}/{lang}.sms.txt").render({**context, "language": lang}).strip()
