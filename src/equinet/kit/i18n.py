"""One message catalogue for pages, API messages and e-mails: Swedish source, English catalogue.

Messages are written in Swedish in the code (the default language), and `gettext` looks them up
in `locale/<lang>/LC_MESSAGES/messages.po` for any other language. The catalogue is read from
the `.po` file with Babel at first use, so there is no compile step. The request's language
comes from `?lang=`, then the `lang` cookie, then `Accept-Language`; it lives in a context
variable set by `LocaleMiddleware`, so deep code (errors, e-mails) reads it without plumbing.
Amounts, dates and times are formatted with Babel for that language in Europe/Stockholm.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.pofile import read_po
from starlette.types import ASGIApp, Receive, Scope, Send

LANGUAGES = ("sv", "en")
DEFAULT_LANGUAGE = "sv"
LANGUAGE_COOKIE = "lang"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
_BABEL_LOCALES = {"sv": "sv_SE", "en": "en_GB"}
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"

current_language: ContextVar[str] = ContextVar("equinet_language", default=DEFAULT_LANGUAGE)


@cache
def _catalogue(language: str) -> dict[str, str]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {
        str(message.id): str(message.string)
        for message in catalog
        if message.id and message.string and not message.fuzzy and isinstance(message.id, str)
    }


def gettext(message: str, language: str | None = None, **values: Any) -> str:
    """`message` (Swedish) in the current language, with `{name}` placeholders filled in."""
    language = language or current_language.get()
    text = message if language == DEFAULT_LANGUAGE else _catalogue(language).get(message, message)
    return text.format(**values) if values else text


_ = gettext


def mark(message: str) -> str:
    """Marks a Swedish message for extraction without translating it yet (class attributes)."""
    return message


@contextmanager
def language(code: str) -> Iterator[None]:
    """Run a block (an e-mail job, a test) in `code`'s language."""
    token = current_language.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        current_language.reset(token)


def negotiate(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    """`?lang=` beats the cookie, the cookie beats `Accept-Language`; Swedish by default."""
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return str(candidate)
    if accept_language:
        weighted: list[tuple[float, str]] = []
        for part in accept_language.split(","):
            tag, _sep, params = part.strip().partition(";")
            quality = 1.0
            if params.strip().startswith("q="):
                try:
                    quality = float(params.strip()[2:])
                except ValueError:
                    quality = 0.0
            weighted.append((quality, tag.strip().lower().split("-")[0]))
        for _quality, tag in sorted(weighted, key=lambda item: -item[0]):
            if tag in LANGUAGES:
                return tag
    return DEFAULT_LANGUAGE


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == name:
            return value
    return None


class LocaleMiddleware:
    """Sets `current_language` for the request from its query, cookie and Accept-Language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        query_lang = None
        for pair in scope.get("query_string", b"").decode("latin-1").split("&"):
            key, _sep, value = pair.partition("=")
            if key == "lang":
                query_lang = value
        cookie_lang = _cookie(headers.get("cookie", ""), LANGUAGE_COOKIE)
        chosen = negotiate(query_lang, cookie_lang, headers.get("accept-language"))
        scope.setdefault("state", {})["language"] = chosen
        token = current_language.set(chosen)
        try:
            await self.app(scope, receive, send)
        finally:
            current_language.reset(token)


def babel_locale(language: str | None = None) -> str:
    return _BABEL_LOCALES[language or current_language.get()]


def format_amount(amount: Decimal | int | str, language: str | None = None) -> str:
    """`12 345,67 kr` in Swedish, `12,345.67 kr` in English; exact (Decimal, never float)."""
    value = amount if isinstance(amount, Decimal) else Decimal(str(amount))
    number = babel_numbers.format_decimal(value, format="#,##0.00", locale=babel_locale(language))
    return f"{number}\xa0kr"


def format_day(day: date, language: str | None = None, form: str = "long") -> str:
    """`15 februari 2026` / `15 February 2026` (`form` is Babel's short/medium/long/full)."""
    return str(babel_dates.format_date(day, format=form, locale=babel_locale(language)))


def format_clock(moment: time | datetime, language: str | None = None) -> str:
    """`09:30` (24-hour in both languages), a datetime shown in Europe/Stockholm."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(STOCKHOLM) if moment.tzinfo else moment
        moment = moment.time()
    return moment.strftime("%H:%M")


def format_moment(moment: datetime, language: str | None = None) -> str:
    """A point in time as people in Sweden read it: `1 dec. 2026 09:30` in Europe/Stockholm."""
    local = moment.astimezone(STOCKHOLM) if moment.tzinfo else moment
    return str(babel_dates.format_datetime(local, format="medium", locale=babel_locale(language)))
