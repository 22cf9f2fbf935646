"""Pydantic's validation errors in our words: one Swedish message per error type.

Pydantic writes English ("Field required", "Value error, ...") that would leak into bodies
people read. Each error type maps to a Swedish template here (English comes from the message
catalogue like every other message); a validator's own `ValueError` text is used without
pydantic's "Value error, " prefix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from equinet.kit.i18n import gettext, mark

# Templates use pydantic's `ctx` keys ({min_length}, {ge}, ...) as placeholders.
MESSAGES: dict[str, str] = {
    "missing": mark("Fältet är obligatoriskt"),
    "missing_argument": mark("Fältet är obligatoriskt"),
    "extra_forbidden": mark("Okänt fält"),
    "unknown_query_parameter": mark("Okänd parameter"),
    "json_invalid": mark("Ogiltig JSON"),
    "json_type": mark("Ogiltig JSON"),
    "model_type": mark("Måste vara ett objekt"),
    "model_attributes_type": mark("Måste vara ett objekt"),
    "dict_type": mark("Måste vara ett objekt"),
    "list_type": mark("Måste vara en lista"),
    "string_type": mark("Måste vara en text"),
    "string_too_short": mark("Måste vara minst {min_length} tecken"),
    "string_too_long": mark("Får vara högst {max_length} tecken"),
    "string_pattern_mismatch": mark("Har fel format"),
    "string_unicode": mark("Måste vara en giltig text"),
    "too_short": mark("Måste ha minst {min_length} värden"),
    "too_long": mark("Får ha högst {max_length} värden"),
    "int_type": mark("Måste vara ett heltal"),
    "int_parsing": mark("Måste vara ett heltal"),
    "int_from_float": mark("Måste vara ett heltal"),
    "int_parsing_size": mark("Talet är för stort"),
    "float_type": mark("Måste vara ett tal"),
    "float_parsing": mark("Måste vara ett tal"),
    "decimal_type": mark("Måste vara ett tal"),
    "decimal_parsing": mark("Måste vara ett tal"),
    "decimal_max_digits": mark("Talet har för många siffror"),
    "decimal_max_places": mark("Talet har för många decimaler"),
    "finite_number": mark("Måste vara ett ändligt tal"),
    "bool_type": mark("Måste vara true eller false"),
    "bool_parsing": mark("Måste vara true eller false"),
    "greater_than": mark("Måste vara större än {gt}"),
    "greater_than_equal": mark("Måste vara minst {ge}"),
    "less_than": mark("Måste vara mindre än {lt}"),
    "less_than_equal": mark("Får vara högst {le}"),
    "multiple_of": mark("Måste vara en multipel av {multiple_of}"),
    "literal_error": mark("Måste vara ett av: {expected}"),
    "enum": mark("Måste vara ett av: {expected}"),
    "uuid_type": mark("Måste vara ett giltigt id (UUID)"),
    "uuid_parsing": mark("Måste vara ett giltigt id (UUID)"),
    "date_type": mark("Måste vara ett datum (ÅÅÅÅ-MM-DD)"),
    "date_parsing": mark("Måste vara ett datum (ÅÅÅÅ-MM-DD)"),
    "date_from_datetime_parsing": mark("Måste vara ett datum (ÅÅÅÅ-MM-DD)"),
    "date_from_datetime_inexact": mark("Måste vara ett datum (ÅÅÅÅ-MM-DD)"),
    "datetime_type": mark("Måste vara en tidpunkt (ISO 8601)"),
    "datetime_parsing": mark("Måste vara en tidpunkt (ISO 8601)"),
    "datetime_from_date_parsing": mark("Måste vara en tidpunkt (ISO 8601)"),
    "time_type": mark("Måste vara ett klockslag (TT:MM)"),
    "time_parsing": mark("Måste vara ett klockslag (TT:MM)"),
    "url_type": mark("Måste vara en giltig webbadress"),
    "url_parsing": mark("Måste vara en giltig webbadress"),
    "url_scheme": mark("Måste vara en giltig webbadress"),
    "url_too_long": mark("Webbadressen är för lång"),
    "value_error": mark("Ogiltigt värde"),
    "assertion_error": mark("Ogiltigt värde"),
}
FALLBACK = mark("Ogiltigt värde")


def _context(ctx: Mapping[str, Any] | None) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in (ctx or {}).items():
        text = str(value)
        if key == "expected":
            # pydantic writes "'a', 'b' or 'c'"; people read a plain list.
            text = text.replace("'", "").replace(" or ", ", ")
        values[key] = text
    return values


def message_for(error: Mapping[str, Any]) -> str:
    """The Swedish (or current language's) message for one pydantic error."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in {"value_error", "assertion_error"} and ctx.get("error") is not None:
        # Our validators raise ValueError with a Swedish message: show it without the prefix.
        own = str(ctx["error"])
        for prefix in ("Value error, ", "Assertion failed, "):
            own = own.removeprefix(prefix)
        return gettext(own)
    template = MESSAGES.get(kind, FALLBACK)
    try:
        return gettext(template, **_context(ctx))
    except (KeyError, IndexError, ValueError):
        return gettext(FALLBACK)


def field_of(location: Sequence[Any]) -> str:
    """`body.businessName` → `businessName`; `query.limit` → `limit`."""
    parts = list(location)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


def validation_details(errors: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """`details` of a 422: one entry per field, in our words."""
    return [
        {"field": field_of(e.get("loc", ())), "message": message_for(e), "type": str(e["type"])}
        for e in errors
    ]
