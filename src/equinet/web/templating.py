"""The Jinja2 environment of the pages: autoescaped, Swedish source text through `_`.

Templates call `{{ _("Svensk text") }}` (translated by the one message catalogue) and format
values with the locale filters: `amount` (12 345,67 kr), `day` (15 februari 2026), `clock`
(09:30) and `moment` (a point in time), all in Europe/Stockholm.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from equinet.kit.i18n import (
    babel_locale,
    current_language,
    format_amount,
    format_clock,
    format_day,
    format_moment,
    gettext,
)

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def _day(value: date | datetime | str, form: str = "long") -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return format_day(value, form=form)


def _weekday(value: date, form: str = "abbreviated") -> str:
    pattern = {"abbreviated": "EEE", "wide": "EEEE"}[form]
    return str(babel_dates.format_date(value, pattern, locale=babel_locale()))


def _moment(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_moment(value)


def _clock(value: Any) -> str:
    if isinstance(value, str):
        return value[:5]
    return format_clock(value)


def _decimal(value: float | int, pattern: str = "0.0") -> str:
    """`4,5` in Swedish, `4.5` in English (ratings, distances)."""
    return str(babel_numbers.format_decimal(value, format=pattern, locale=babel_locale()))


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["_"] = gettext
    env.filters["amount"] = format_amount
    env.filters["day"] = _day
    env.filters["weekday"] = _weekday
    env.filters["clock"] = _clock
    env.filters["decimal"] = _decimal
    env.filters["moment"] = _moment
    return env


templates = build_environment()


def render_text(name: str, **context: Any) -> str:
    """A template rendered in the current language (for error pages outside a request)."""
    context.setdefault("lang", current_language.get())
    return templates.get_template(name).render(**context)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page `name` for this request, with what every page knows (see `context.base`)."""
    from equinet.web.context import base_context

    values = base_context(request)
    values.update(context or {})
    response = HTMLResponse(
        templates.get_template(name).render(**values), status_code=status_code, headers=headers
    )
    response.headers.setdefault("Cache-Control", "no-store")
    if values.get("flash_consumed"):
        response.delete_cookie("flash", path="/")
    return response
