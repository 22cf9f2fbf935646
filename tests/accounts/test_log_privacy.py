"""Data stays private in logs and error reports: no e-mail address, token or password hash in
the INFO log of a sign-up and a password reset, none in a database error's text outside
development, and none in what goes to Sentry."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from equinet.db.engine import create_engine
from equinet.db.urls import DatabaseTarget
from equinet.kit.log_privacy import RedactingFilter, redact, redact_event
from equinet.settings import Environment
from tests.accounts.conftest import AppFactory, Mailbox, client_for
from tests.accounts.helpers import RESET_LINK, STRONG_PASSWORD
from tests.conftest import make_settings

ADDRESS = "hemlig.person@stall-exempel.se"


async def test_sign_up_and_password_reset_log_no_address_and_no_token(
    app_factory: AppFactory, mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with app_factory() as app, client_for(app) as client:
        registered = await client.post(
            "/api/auth/register",
            json={
                "email": ADDRESS,
                "password": STRONG_PASSWORD,
                "firstName": "Hemlig",
                "lastName": "Person",
                "userType": "customer",
            },
        )
        asked = await client.post("/api/auth/forgot-password", json={"email": ADDRESS})
    assert (registered.status_code, asked.status_code) == (201, 200)
    link = RESET_LINK.search(str(mailbox.last_to(ADDRESS).get_body(("plain",)).get_content()))
    assert link is not None
    token = link.group(1)
    # The app's own loggers (the test's SMTP server and HTTP client log what they like).
    logged = [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.INFO and r.name.split(".")[0] in {"equinet", "sqlalchemy"}
    ]
    assert any("e-mail" in line for line in logged)  # the sends are logged ...
    assert not [line for line in logged if ADDRESS in line or token in line]  # ... privately


async def test_outside_development_a_database_error_hides_its_values(
    test_database: DatabaseTarget,
) -> None:
    engine = create_engine(test_database, make_settings(test_database))
    try:
        async with engine.connect() as connection:
            with pytest.raises(DBAPIError) as failed:
                await connection.execute(text("SELECT CAST(:v AS integer)"), {"v": ADDRESS})
    finally:
        await engine.dispose()
    # The bound values are not printed (the driver may still quote one in its own message,
    # which is why the app's handlers redact what they log).
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(failed.value)


async def test_a_database_error_with_an_address_is_answered_and_logged_without_it(
    app_factory: AppFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="equinet")
    async with app_factory() as app:

        @app.get("/api/test-database-error")
        async def failing() -> None:
            async with app.state.engine.connect() as connection:
                await connection.execute(
                    text("SELECT pg_terminate_backend(pg_backend_pid()), :v"), {"v": ADDRESS}
                )

        async with client_for(app) as client:
            response = await client.get("/api/test-database-error")
    assert response.status_code == 503
    assert ADDRESS not in response.text
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("equinet")]
    assert any("DATABASE_UNAVAILABLE" in line for line in logged)
    assert not [line for line in logged if ADDRESS in line]


def test_development_keeps_the_values_for_the_developer(test_database: DatabaseTarget) -> None:
    settings = make_settings(test_database, equinet_env=Environment.development)
    engine = create_engine(test_database, settings)
    assert engine.sync_engine.hide_parameters is False
    assert create_engine(test_database, make_settings(test_database)).sync_engine.hide_parameters


def test_what_goes_to_sentry_is_redacted() -> None:
    argon = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
    token = "3f" * 32
    event = {
        "message": f"login failed for {ADDRESS}",
        "exception": {"values": [{"value": f"reset {token} hash {argon}"}]},
        "extra": {"n": 3},
    }
    redacted = redact_event(event)
    text_of = str(redacted)
    assert ADDRESS not in text_of and token not in text_of and argon not in text_of
    assert redacted["message"] == "login failed for [e-mail]"
    assert redacted["extra"] == {"n": 3}
    assert redact("Booking 09:00 for Stjärna") == "Booking 09:00 for Stjärna"


def test_the_access_log_prints_paths_without_their_tokens() -> None:
    token = "VEzdn6LftWEtoMLRXtfQSNLQWo0Z6u70sFkzi9UIkjI"
    booking = "5b0c0c9e-6c55-4a3e-9d51-0f3f6a1c2b7d"
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/reset-password?token={token}&email={ADDRESS}", "1.1", 200),
        None,
    )  # fmt: skip
    RedactingFilter().filter(record)
    assert token not in record.getMessage() and ADDRESS not in record.getMessage()
    assert "/reset-password?token=[token]" in record.getMessage()
    assert redact(f"/api/bookings/{booking}") == f"/api/bookings/{booking}"  # ids stay readable
