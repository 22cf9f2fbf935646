"""The hand-built e-mails of reminders, routes and verification escape every value a user
typed in their HTML part (the original interpolated user data raw: stored XSS in mail)."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from equinet.kit.email import Email
from equinet.reminders import emails as reminder_emails
from equinet.routes import emails as route_emails
from equinet.verification import emails as verification_emails
from tests.conftest import make_settings

EVIL = '<img src=x onerror="alert(1)">'


def _inert(email: Email | None) -> None:
    assert email is not None and email.html is not None
    assert "<img" not in email.html and 'onerror="' not in email.html, email.html
    assert "&lt;img src=x onerror=" in email.html
    assert EVIL in email.text  # the plain part is plain text: shown as typed


def _reminder_row(**overrides: object) -> SimpleNamespace:
    values: dict[str, object] = {
        "customer_first_name": EVIL, "customer_last_name": EVIL, "customer_email": "k@x.se",
        "customer_phone": EVIL, "recipient_first_name": EVIL, "recipient_email": "k@x.se",
        "service_name": EVIL, "provider_business_name": EVIL, "horse_name": EVIL,
        "horse_rel_name": None, "interval_weeks": 6, "booking_date": datetime(2031, 1, 15),
        "start_time": "09:00", "end_time": "10:00", "location": EVIL, "to_provider": True,
        "id": "b1", "customer_notes": EVIL, "provider_notes": None, "status": "confirmed",
        "updated_at": datetime(2031, 1, 1), "created_at": datetime(2031, 1, 1),
        "cancelled": False, "as_provider": True, "address": EVIL, "city": EVIL,
    }  # fmt: skip
    values.update(overrides)
    return SimpleNamespace(**values)


def test_reminder_emails_escape_user_values() -> None:
    row = _reminder_row()
    _inert(
        reminder_emails.rebooking_email(row, book_url="http://x/p", unsubscribe_url="http://x/u")
    )
    for to_provider in (True, False):
        _inert(
            reminder_emails.day_before_email(
                _reminder_row(to_provider=to_provider), unsubscribe_url="http://x/u"
            )
        )


def test_route_emails_escape_user_values() -> None:
    people = {"to": "k@x.se", "is_manual": False, "first_name": EVIL, "business_name": EVIL}
    _inert(
        route_emails.announcement_for_follower(
            **people,
            service_type=EVIL,
            date_from=date(2031, 1, 15),
            date_to=date(2031, 1, 16),
            places=[EVIL],
        )
    )
    _inert(
        route_emails.visit_planned(
            **people, service_type=EVIL, day=date(2031, 1, 15), arrival="09:00"
        )
    )
    _inert(route_emails.provider_on_the_way(**people, arrival="09:00"))


def test_verification_emails_escape_user_values() -> None:
    settings = make_settings()
    _inert(
        verification_emails.verification_approved(
            settings, to="p@x.se", first_name=EVIL, title=EVIL
        )
    )
    _inert(
        verification_emails.verification_rejected(
            settings, to="p@x.se", first_name=EVIL, title=EVIL, reason=EVIL
        )
    )
