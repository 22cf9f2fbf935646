"""The shared message catalogue and the locale formatting people read."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import httpx

from equinet.kit import email
from equinet.kit.i18n import format_amount, format_day, gettext, language, negotiate
from equinet.web import templating


def test_amounts_are_written_the_swedish_way() -> None:
    assert format_amount(Decimal("12345.67")) == "12\xa0345,67\xa0kr"
    assert format_amount(Decimal("999999.99")) == "999\xa0999,99\xa0kr"
    assert format_amount(Decimal("800")) == "800,00\xa0kr"


def test_english_amounts_and_dates_follow_the_english_locale() -> None:
    assert format_amount(Decimal("12345.67"), "en") == "12,345.67\xa0kr"
    assert format_day(date(2026, 2, 15), "en") == "15 February 2026"
    assert format_day(date(2026, 2, 15)) == "15 februari 2026"


def test_query_beats_cookie_beats_accept_language() -> None:
    assert negotiate("en", "sv", "sv") == "en"
    assert negotiate(None, "en", "sv") == "en"
    assert negotiate(None, None, "de-DE,en;q=0.5,sv;q=0.4") == "en"
    assert negotiate(None, None, "de") == "sv"
    assert negotiate("fr", None, None) == "sv"


def test_a_message_missing_from_the_catalogue_stays_swedish() -> None:
    assert gettext("Hittades inte", "en") == "Not found"
    assert gettext("Något helt nytt", "en") == "Något helt nytt"


async def test_api_errors_follow_accept_language(client: httpx.AsyncClient) -> None:
    swedish = await client.get("/api/no-such-thing")
    english = await client.get("/api/no-such-thing", headers={"Accept-Language": "en"})
    assert swedish.status_code == english.status_code == 404
    assert english.json()["code"] == swedish.json()["code"]
    assert swedish.json()["error"] != english.json()["error"]


def test_pages_and_emails_format_with_the_same_helpers() -> None:
    page, mail = templating.templates, email.templates()
    for name in ("amount", "day", "weekday", "clock", "decimal", "moment"):
        assert page.filters[name] is mail.filters[name], name
    for name in ("_", "gettext", "format_amount", "format_day", "format_clock", "format_moment"):
        assert page.globals[name] is mail.globals[name], name
    source = "{{ when|day }} · {{ format_day(when) }} · {{ 4.5|decimal }} · {{ 800|amount }}"
    with language("en"):
        shown = {env.from_string(source).render(when=date(2026, 2, 15)) for env in (page, mail)}
    assert shown == {"15 February 2026 · 15 February 2026 · 4.5 · 800.00\xa0kr"}
