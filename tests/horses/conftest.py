"""Fixtures: the test app with its own e-mail outbox (tests/bookings/support.py)."""

from tests.bookings.support import app, outbox

__all__ = ["app", "outbox"]
