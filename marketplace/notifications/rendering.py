"""Messages from Jinja templates, one file per language and event: `templates/<language>/<event>.txt` with a
`subject` block (e-mails) and a `body` block. E-mails also get an HTML part, right-to-left in Arabic.

Amounts and dates are formatted for the reader through Babel: `{{ total|money }}`, `{{ day|day }}`; translated
texts are picked in the reader's language: `{{ product|text }}`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape

from marketplace.i18n import pick
from marketplace.money import READER_LOCALES, Money

TEMPLATES = Path(__file__).parent / "templates"
RIGHT_TO_LEFT = {"ar"}


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


@pass_context
def _money(context, value: Money) -> str:
    return value.format(context["language"])


@pass_context
def _day(context, value: date | datetime) -> str:
    day = value.date() if isinstance(value, datetime) else value
    return format_date(day, format="long", locale=READER_LOCALES[context["language"]])


@pass_context
def _text(context, value: dict | str) -> str:
    """A translated text ({"fr", "ar", "en"}) in the reader's language, else the first there is."""
    return pick(value, context["language"]) if isinstance(value, dict) else value


@cache
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), keep_trailing_newline=False)
    env.filters.update(money=_money, day=_day, text=_text)
    return env


def render(event: str, language: str, context: dict) -> Rendered:
    """The subject (None for an SMS template) and the plain-text body of `event` in `language`."""
    template = environment().get_template(f"{language}/{event}.txt")
    values = template.new_context({**context, "language": language})
    subject = "".join(template.blocks["subject"](values)).strip() if "subject" in template.blocks else None
    body = "".join(template.blocks["body"](values)).strip()
    return Rendered(" ".join(subject.split()) if subject else subject, body)


def html(body: str, language: str) -> str:
    """The HTML part of an e-mail: its paragraphs, right-to-left for Arabic."""
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    direction = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    return environment().get_template("email.html").render(language=language, direction=direction,
                                                           paragraphs=paragraphs)
