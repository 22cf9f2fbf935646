"""Property-based requests against the app's own OpenAPI document: no input gives a 5xx.

Schemathesis generates valid and invalid requests (query, path, headers, JSON bodies) for
every operation of the API; each is sent to the real app and database four times: anonymous,
as a customer, as a provider and as an admin (tests/api_routes.py says which of them the route
is for). The admin logs in the way admins must: password, then the authenticator's code.
Every answer must be below 500, and every error must be the JSON `{"error", "code"}` shape.
Half of the cases of a route with an id get a real row's id, so that the fuzzing reaches past
the lookup; deleting operations run last so the others still find those rows. The number of
cases per route is fixed (FUZZ_EXAMPLES, 8 in CI; `make fuzz` runs a long pass) and the
generation derandomized: the same requests run every time.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
import schemathesis
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.accounts import two_factor
from equinet.app import create_app
from equinet.settings import Settings
from tests import factories
from tests.api_routes import NON_JSON, classified_routes
from tests.bookings.support import auth, future_day, make_shop

EXAMPLES_PER_MODE = int(os.environ.get("FUZZ_EXAMPLES", "8"))  # per route, valid and invalid
FUZZED_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}
CALLERS = ("public", "customer", "provider", "admin")
# Logging out with the fuzzer's own token would end the session the other cases use.
ANONYMOUS_ONLY = {("POST", "/api/auth/logout")}
# Multipart bodies: the generated parts (numbers as files) cannot be rendered by httpx itself;
# tests/uploads sends malformed forms, wrong types and oversized files instead.
MULTIPART = {("POST", "/api/upload")}
# Answers that are not the JSON error shape on purpose.
HTML_ERRORS = {"/api/bookings/{booking_id}/receipt"}


@pytest.fixture
async def app(
    settings: Settings, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AsyncIterator[FastAPI]:
    """The test app with e-mails (registration, password reset) going to a throwaway outbox."""
    application = create_app(
        settings.model_copy(
            update={
                "email_outbox_dir": tmp_path,
                # Fortnox configured (an unconfigured integration's 503 is on purpose); the
                # fuzzer's callbacks never match a state cookie, so nothing calls Fortnox.
                "fortnox_client_id": "fuzz",
                "fortnox_client_secret": "fuzz",
            }
        )
    )
    async with LifespanManager(application):
        # The app's sessionmaker, replaced by one bound to the test's transaction.
        application.state.sessionmaker = sessionmaker
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Unhandled errors come back as the 500 a user would see, to be reported per request."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def generate(operation: Any, mode: GenerationMode) -> list[Case]:
    cases: list[Case] = []

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_MODE,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(mode))
    def collect(case: Case) -> None:
        cases.append(case)

    with contextlib.suppress(Unsatisfiable):  # nothing to make invalid: no parameters, no body
        collect()
    return cases


SESSION_COOKIE = "equinet_session"


async def admin_login(
    client: httpx.AsyncClient, db: AsyncSession, settings: Settings
) -> dict[str, str]:
    """An admin with two-factor login set up, logged in through both steps of the API."""
    admin = await factories.customer(db, is_admin=True)
    enrolment, _codes = await two_factor.enrol_confirmed(db, settings, admin)
    first = await client.post(
        "/api/auth/login", json={"email": admin.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert first.status_code == 200 and first.json()["twoFactorRequired"], first.text
    second = await client.post(
        "/api/auth/login/totp",
        json={"challenge": first.json()["challenge"], "code": pyotp.TOTP(enrolment.secret).now()},
    )
    assert second.status_code == 200, second.text
    client.cookies.clear()  # the bearer token authenticates; a cookie would need an Origin
    return {"Authorization": f"Bearer {second.json()['token']}"}


def request_of(case: Case, headers: dict[str, str]) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    kwargs["headers"] = {k: v for k, v in kwargs["headers"].items() if k != "Connection"}
    # The only cookie the schema declares is the session (the cookieAuth scheme); the roles
    # authenticate with their bearer headers, so a generated session cookie is dropped.
    cookies = {k: v for k, v in (kwargs.pop("cookies", None) or {}).items() if k != SESSION_COOKIE}
    if cookies:
        raise AssertionError(
            f"the schema declares no such cookies, yet {case.formatted_path} sent {sorted(cookies)}"
        )
    if "data" in kwargs:  # raw (invalid) bodies: httpx takes bytes as `content`
        data = kwargs.pop("data")
        kwargs["content"] = data.encode() if isinstance(data, str) else data
    return kwargs


@pytest.mark.slow  # about 30 s: the generation, not the requests, takes the time
async def test_no_generated_request_gets_a_server_error(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    booking = await factories.booking(
        db_session, by=customer, at=shop.provider, for_service=shop.service, day=future_day(),
        status="confirmed",
    )  # fmt: skip
    review = await factories.review(
        db_session,
        await factories.booking(
            db_session, by=customer, at=shop.provider, for_service=shop.service,
            day=future_day(12), status="completed",
        ),
    )  # fmt: skip
    notification = await factories.notification(db_session, customer)
    real_ids = {
        "provider_id": shop.provider.id,
        "booking_id": booking.id,
        "customer_id": customer.id,
        "review_id": review.id,
        "notification_id": notification.id,
        "service_id": shop.service.id,
        "verification_id": (await factories.provider_verification(db_session, shop.provider)).id,
    }
    headers = {
        "public": {},
        "user": await auth(db_session, customer, settings),
        "customer": await auth(db_session, customer, settings),
        "provider": await auth(db_session, shop.provider_user, settings),
        "cron": {},  # no CRON_SECRET in tests: the scheduler's route answers 401
        "admin": await admin_login(client, db_session, settings),
    }
    document = app.openapi()
    schema = schemathesis.openapi.from_dict(document)
    roles = classified_routes(app)

    failures: list[str] = []
    sent = 0
    operations = sorted(
        (key for key in roles if key[0] in FUZZED_METHODS and key[1] in document["paths"]),
        key=lambda key: key[0] == "DELETE",  # last: the other operations still find the rows
    )
    for method, path in operations:
        if (method, path) in MULTIPART:
            continue
        operation = schema[path][method]
        callers = ("public",) if (method, path) in ANONYMOUS_ONLY else CALLERS
        params = re.findall(r"{(\w+)}", path)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for index, case in enumerate(generate(operation, mode)):
                if index % 2 and all(p in real_ids for p in params):
                    case.path_parameters = {p: real_ids[p] for p in params}
                for caller in callers:
                    response = await client.request(**request_of(case, headers[caller]))
                    sent += 1
                    failures.extend(problems_of(case, response, method, path, caller))
    assert sent >= 40 * EXAMPLES_PER_MODE * len(CALLERS), sent
    assert not failures, "\n\n".join(failures[:10])


def problems_of(
    case: Case, response: httpx.Response, method: str, path: str, caller: str
) -> list[str]:
    """What is wrong with one answer: a server error, or an error that is not the JSON shape."""
    where = f"{method} {case.formatted_path} as {caller}"
    try:
        case.validate_response(response, checks=[not_a_server_error])
    except FailureGroup as error:
        return [f"{where}: {str(error)[:800]}"]
    if response.status_code >= 400 and path not in NON_JSON | HTML_ERRORS:
        try:
            body = response.json()
        except ValueError:
            body = None
        if not (isinstance(body, dict) and {"error", "code"} <= set(body)):
            return [f"{where}: {response.status_code} is not a JSON error: {response.text[:200]}"]
    return []
