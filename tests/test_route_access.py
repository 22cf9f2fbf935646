"""Who may call what, checked on every route of the app (issue 4 part 2, spec §4.1, §7.25).

Generated from the app's route table (tests/api_routes.py names each route's role): an
anonymous call to a protected route is a 401 JSON error before its body is even read, a call
in the wrong role is a 403 JSON error, a public route answers anonymous callers, and a
malformed JSON body is a JSON client error everywhere. Also: the routes the spec rate-limits
(§2.0, §3.8) carry their limiter.
"""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.rate_limit_routes import LIMITED_ROUTES
from equinet.settings import Settings
from tests import factories
from tests.api_routes import NON_JSON, app_routes, classified_routes, has_json_body
from tests.bookings.support import auth, make_shop


def _url(path: str) -> str:
    """The path with a made-up id (or date) in each parameter."""
    return re.sub(
        r"{(\w+)}",
        lambda m: "2031-01-15" if m.group(1) == "date" else str(uuid.uuid4()),
        path,
    )


def _assert_json_error(response: httpx.Response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, (response.request.url, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.text
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"], body
    assert isinstance(body.get("code"), str) and body["code"], body
    if code is not None:
        assert body["code"] == code, body


async def test_every_protected_route_answers_anonymous_callers_401_json(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    protected = [route for route, role in classified_routes(app).items() if role != "public"]
    assert len(protected) >= 30, protected
    for method, path in protected:
        url = _url(path)
        _assert_json_error(await client.request(method, url), 401, "UNAUTHORIZED")
        # Authentication comes before the body is parsed: garbage still gets a 401.
        garbage = await client.request(
            method, url, content=b"{not json", headers={"Content-Type": "application/json"}
        )
        _assert_json_error(garbage, 401, "UNAUTHORIZED")
        # A token that names no session is anonymous too, body or no body.
        forged = await client.request(
            method,
            url,
            content=b"{not json",
            headers={
                "Authorization": f"Bearer {uuid.uuid4().hex}",
                "Content-Type": "application/json",
            },
        )
        _assert_json_error(forged, 401, "UNAUTHORIZED")


async def test_every_role_gated_route_answers_the_other_role_403_json(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    headers = {
        "customer": await auth(db_session, await factories.customer(db_session), settings),
        "provider": await auth(db_session, shop.provider_user, settings),
    }
    other = {"customer": "provider", "provider": "customer"}
    gated = [(r, role) for r, role in classified_routes(app).items() if role in other]
    assert len(gated) >= 15, gated
    for (method, path), role in gated:
        response = await client.request(method, _url(path), headers=headers[other[role]])
        _assert_json_error(response, 403, "FORBIDDEN")


async def test_every_admin_route_answers_customers_and_providers_403_json(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    callers = [
        await auth(db_session, await factories.customer(db_session), settings),
        await auth(db_session, shop.provider_user, settings),
    ]
    admin_only = [r for r, role in classified_routes(app).items() if role == "admin"]
    assert len(admin_only) >= 6, admin_only
    for method, path in admin_only:
        for headers in callers:
            response = await client.request(method, _url(path), headers=headers, json={})
            _assert_json_error(response, 403, "FORBIDDEN")


async def test_public_routes_answer_anonymous_callers(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    public = [route for route, role in classified_routes(app).items() if role == "public"]
    for method, path in public:
        response = await client.request(method, _url(path), json={} if method != "GET" else None)
        assert response.status_code not in (401, 403), (method, path, response.text)
        assert response.status_code < 500, (method, path, response.text)
        if response.status_code >= 400 and path not in NON_JSON:
            _assert_json_error(response, response.status_code)


async def test_a_malformed_json_body_is_a_json_client_error_on_every_route(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    customer = await auth(db_session, await factories.customer(db_session), settings)
    provider = await auth(db_session, shop.provider_user, settings)
    admin = await auth(db_session, await factories.customer(db_session, is_admin=True), settings)
    as_role = {
        "public": {},
        "user": customer,
        "customer": customer,
        "provider": provider,
        "admin": admin,
    }
    with_body = [
        (route, role)
        for route, role in classified_routes(app).items()
        if has_json_body(app, *route)
    ]
    assert len(with_body) >= 20, with_body
    for (method, path), role in with_body:
        # The body is read before any row is looked up, so made-up ids do not hide it.
        url = _url(path)
        for content in (b"{not json", b"[1, 2", b""):
            response = await client.request(
                method,
                url,
                content=content,
                headers={**as_role[role], "Content-Type": "application/json"},
            )
            # A client error about the body; the caller's own login stands.
            assert 400 <= response.status_code < 500, (method, path, content, response.text)
            assert response.status_code not in (401, 403), (method, path, response.text)
            _assert_json_error(response, response.status_code)


# --- rate limiters on the spec's routes ---------------------------------------------------

# Spec §2.0 (the index's limiter column) and §3.8: route -> limiter. Routes of later issues
# (horses, passport, export, group bookings, geocode, upload, Fortnox, routing) are listed so
# that they are checked the day they appear.
SPEC_LIMITED: dict[tuple[str, str], str] = {
    ("POST", "/api/auth/login"): "login",  # NextAuth authorize
    ("POST", "/api/auth/register"): "registration",
    ("POST", "/api/auth/resend-verification"): "resendVerification",
    ("GET", "/api/providers"): "api",
    ("GET", "/api/providers/{provider_id}/availability"): "api",
    ("POST", "/api/providers/{provider_id}/availability-exceptions"): "profileUpdate",
    ("DELETE", "/api/providers/{provider_id}/availability-exceptions/{date}"): "profileUpdate",
    ("GET", "/api/providers/visiting-area"): "api",
    ("POST", "/api/services"): "serviceCreate",
    ("GET", "/api/bookings"): "api",
    ("POST", "/api/bookings"): "booking",
    ("POST", "/api/bookings/manual"): "booking",
    ("GET", "/api/customers/search"): "api",
    ("GET", "/api/customers/{customer_id}/horses"): "api",
    ("GET", "/api/horses"): "api",
    ("GET", "/api/horses/{horse_id}"): "api",
    ("POST", "/api/horses/{horse_id}/passport"): "api",
    ("GET", "/api/horses/{horse_id}/export"): "api",
    ("GET", "/api/passport/{token}"): "api",
    ("GET", "/api/export/my-data"): "api",
    ("GET", "/api/route-orders/available"): "api",
    ("POST", "/api/routing"): "api",
    ("GET", "/api/geocode"): "geocode",
    ("POST", "/api/group-bookings"): "booking",
    ("GET", "/api/group-bookings"): "api",
    ("GET", "/api/group-bookings/{group_id}"): "api",
    ("GET", "/api/group-bookings/available"): "api",
    ("POST", "/api/group-bookings/join"): "booking",
    ("POST", "/api/group-bookings/{group_id}/match"): "booking",
    ("POST", "/api/upload"): "api",
    ("POST", "/api/auth/login/totp"): "login",
    ("DELETE", "/api/upload/{upload_id}"): "api",
    ("POST", "/api/integrations/fortnox/sync"): "api",
}


def _shape(path: str) -> str:
    return re.sub(r"{\w+}", "{}", path)


def test_every_route_the_spec_rate_limits_has_its_limiter(app: FastAPI) -> None:
    served = {(method, _shape(path)): (method, path) for method, path in classified_routes(app)}
    missing = []
    for (method, path), limiter in SPEC_LIMITED.items():
        route = served.get((method, _shape(path)))
        if route is None:
            continue  # not built yet (a later issue)
        if limiter not in LIMITED_ROUTES.get(route, ()):
            missing.append((method, path, limiter))
    assert not missing, f"routes the spec rate-limits without their limiter: {missing}"


def test_every_limited_route_exists(app: FastAPI) -> None:
    """A typo in a `limit_route` path would silently guard nothing."""
    served = set(classified_routes(app)) | set(app_routes(app, pages=True))
    # tests/accounts/test_rate_limits.py guards throwaway routes of its own test app.
    declared = {r for r in LIMITED_ROUTES if not r[1].startswith("/api/test-limited/")}
    assert not declared - served, sorted(declared - served)


@pytest.mark.parametrize("path", ["/api/health", "/api/no-such-route"])
async def test_unknown_and_plain_routes_answer_json(client: httpx.AsyncClient, path: str) -> None:
    response = await client.delete(path)
    _assert_json_error(response, 405 if path == "/api/health" else 404)


async def test_there_is_no_route_optimisation_or_map_tile_proxy(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Routes are optimised in-process and the map is drawn from coordinates: nothing of the
    # app forwards requests to a third party for a caller.
    paths = [path for pages in (False, True) for _method, path in app_routes(app, pages=pages)]
    assert not [p for p in paths if re.search(r"optimi[sz]e|tiles?\b|proxy", p)], paths
    for path in ("/api/optimize-route", "/api/tiles/10/550/300.png", "/api/tiles"):
        _assert_json_error(await client.post(path, json={}), 404)
        _assert_json_error(await client.get(path), 404)
