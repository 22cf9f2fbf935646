"""The locale helpers every Jinja2 environment of Equinet has (the pages' and the e-mails'):
`_`/`gettext` through the one message catalogue, and the Europe/Stockholm formatters both as
filters (`amount`, `day`, `weekday`, `clock`, `decimal`, `moment`) and as functions
(`format_amount`, `format_day`, `format_clock`, `format_moment`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from jinja2 import Environment

from equinet.kit.i18n import (
    babel_locale,
    format_amount,
    format_clock,
    format_day,
    format_moment,
    gettext,
)


def day(value: date | datetime | str, form: str = "long") -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return format_day(value, form=form)


def weekday(value: date, form: str = "abbreviated") -> str:
    pattern = {"abbreviated": "EEE", "wide": "EEEE"}[form]
    return str(babel_dates.format_date(value, pattern, locale=babel_locale()))


def moment(value: datetime | str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return format_moment(value)


def clock(value: Any) -> str:
    if isinstance(value, str):
        return value[:5]
    return format_clock(value)


def decimal(value: float | int, pattern: str = "0.0") -> str:
    """`4,5` in Swedish, `4.5` in English (ratings, distances)."""
    return str(babel_numbers.format_decimal(value, format=pattern, locale=babel_locale()))


FILTERS = {
    "amount": format_amount,
    "day": day,
    "weekday": weekday,
    "clock": clock,
    "decimal": decimal,
    "moment": moment,
}
GLOBALS = {
    "_": gettext,
    "gettext": gettext,
    "format_amount": format_amount,
    "format_day": format_day,
    "format_clock": format_clock,
    "format_moment": format_moment,
}


def install_locale_helpers(environment: Environment) -> Environment:
    """Register the translation and formatting helpers on `environment` (returned)."""
    environment.globals.update(GLOBALS)
    environment.filters.update(FILTERS)
    return environment
