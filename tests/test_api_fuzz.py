"""Property-based requests against the app's own OpenAPI document: no input gives a 5xx.

Schemathesis generates valid and invalid requests (query, path, headers, JSON bodies) for
every public and authenticated GET and POST route; each is sent to the real app and database,
anonymous or as a user of the route's role (tests/api_routes.py). Every answer must be below
500, and every error must be the JSON `{"error", "code"}` shape. Half of the cases of a route
with an id get a real row's id, so that the fuzzing reaches past the lookup. The number of
cases per route is fixed and the generation derandomized: the same requests run every time.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
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

from equinet.app import create_app
from equinet.db.session import get_sessionmaker
from equinet.settings import Settings
from tests import factories
from tests.api_routes import NON_JSON, classified_routes
from tests.bookings.support import auth, future_day, make_shop

EXAMPLES_PER_MODE = 8  # valid and invalid: 12 requests per route, about 40 routes
FUZZED_METHODS = {"GET", "POST"}
# Logging out with the fuzzer's own token would end the session the other cases use.
ANONYMOUS_ONLY = {("POST", "/api/auth/logout")}
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
    application.dependency_overrides[get_sessionmaker] = lambda: sessionmaker
    async with LifespanManager(application):
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


def request_of(case: Case, headers: dict[str, str]) -> dict[str, Any]:
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=headers)
    kwargs["headers"] = {k: v for k, v in kwargs["headers"].items() if k != "Connection"}
    if kwargs.get("cookies"):
        raise AssertionError(f"the schema declares no cookies, yet {case.formatted_path} sent some")
    kwargs.pop("cookies", None)
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
    }
    headers = {
        "public": {},
        "user": await auth(db_session, customer, settings),
        "customer": await auth(db_session, customer, settings),
        "provider": await auth(db_session, shop.provider_user, settings),
    }
    document = app.openapi()
    schema = schemathesis.openapi.from_dict(document)
    roles = classified_routes(app)

    failures: list[str] = []
    sent = 0
    for (method, path), role in roles.items():
        if method not in FUZZED_METHODS or path not in document["paths"]:
            continue
        operation = schema[path][method]
        as_role = {} if (method, path) in ANONYMOUS_ONLY else headers[role]
        params = re.findall(r"{(\w+)}", path)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for index, case in enumerate(generate(operation, mode)):
                if index % 2 and all(p in real_ids for p in params):
                    case.path_parameters = {p: real_ids[p] for p in params}
                response = await client.request(**request_of(case, as_role))
                sent += 1
                try:
                    case.validate_response(response, checks=[not_a_server_error])
                except FailureGroup as error:
                    failures.append(f"{method} {case.formatted_path}: {str(error)[:800]}")
                    continue
                if response.status_code >= 400 and path not in NON_JSON | HTML_ERRORS:
                    try:
                        body = response.json()
                    except ValueError:
                        body = None
                    if not (isinstance(body, dict) and {"error", "code"} <= set(body)):
                        failures.append(
                            f"{method} {case.formatted_path}: {response.status_code} is not "
                            f"a JSON error: {response.text[:200]}"
                        )
    assert sent >= 350, sent
    assert not failures, "\n\n".join(failures[:10])
