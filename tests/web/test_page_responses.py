"""The pages over HTTP (no browser): every page answers HTML, protected pages send anonymous
visitors to the login page, errors are pages for browsers and JSON for the API, forms keep
their input and show the message beside the field."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.app import create_app
from equinet.kit.dates import today_local
from equinet.settings import Settings
from equinet.web.context import PageAdmin, PageProvider
from equinet.web.pages import page_router
from tests import factories
from tests.api_routes import app_routes
from tests.bookings.support import auth, make_shop

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def test_home_is_a_swedish_page_with_the_search(client: httpx.AsyncClient) -> None:
    response = await client.get("/", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="sv">' in response.text
    assert "Namn eller tjänst" in response.text
    assert "content-security-policy" in response.headers


async def test_the_language_switch_sets_the_cookie_and_pages_follow_it(
    client: httpx.AsyncClient,
) -> None:
    switched = await client.get("/lang/en?next=/login", headers=BROWSER)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/login"
    assert "lang=en" in switched.headers["set-cookie"]
    page = await client.get("/login", headers=BROWSER)
    assert '<html lang="en">' in page.text
    assert "Log in" in page.text
    # An open redirect is refused: the switch only goes back to our own paths.
    away = await client.get("/lang/sv?next=//evil.example/", headers=BROWSER)
    assert away.headers["location"] == "/"


async def test_unknown_page_is_a_404_page_for_browsers_and_json_for_the_api(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/no-such-page", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Sidan finns inte" in page.text
    english = await client.get("/no-such-page", headers={**BROWSER, "Accept-Language": "en"})
    assert "Page not found" in english.text
    api = await client.get("/api/no-such-route", headers=BROWSER)
    assert api.status_code == 404
    assert api.json()["code"] == "NOT_FOUND"


async def test_protected_pages_send_anonymous_visitors_to_login_and_back(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/my/bookings", "/profile", "/notifications"):
        response = await client.get(path, headers=BROWSER)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/login?next={path.replace('/', '%2F')}"


async def test_a_provider_opening_my_bookings_gets_the_403_page(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    headers = await auth(db_session, shop.provider_user, settings)
    await db_session.commit()
    response = await client.get("/my/bookings", headers={**BROWSER, **headers})
    assert response.status_code == 403
    assert "Åtkomst nekad" in response.text


async def test_register_form_error_keeps_the_input_and_names_the_field(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/register",
        data={"userType": "customer", "firstName": "Sara", "lastName": "", "email": "nope",
              "password": "x"},
        headers=BROWSER,
    )  # fmt: skip
    assert response.status_code == 422
    assert 'value="Sara"' in response.text
    assert re.search(r'id="f-email-error">Ogiltig e-postadress<', response.text)
    assert re.search(r'id="f-lastName-error">Fältet måste fyllas i<', response.text)


async def test_every_page_route_answers_html(app: FastAPI, client: httpx.AsyncClient) -> None:
    pages = sorted(set(app_routes(app, pages=True)))
    assert ("GET", "/") in pages and ("POST", "/login") in pages
    for method, path in pages:
        if method != "GET" or "{" in path:
            continue
        response = await client.get(path, headers=BROWSER)
        expected = (400,) if path in ("/verify-email", "/unsubscribe") else (200, 303)  # no token
        assert response.status_code in expected, (path, response.status_code)
        if response.status_code == 200:
            assert response.headers["content-type"].startswith("text/html"), path


async def test_provider_page_and_booking_flow_show_services_and_free_days(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    shop = await make_shop(db_session)
    await db_session.commit()
    page = await client.get(f"/providers/{shop.provider.id}", headers=BROWSER)
    assert page.status_code == 200
    assert shop.provider.business_name in page.text
    flow = await client.get(
        f"/providers/{shop.provider.id}/book?service={shop.service.id}", headers=BROWSER
    )
    assert flow.status_code == 200
    assert "Välj dag" in flow.text


async def test_search_near_a_place_and_an_unknown_place(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    shop = await make_shop(db_session)  # in Uppsala, serving 50 km around
    await db_session.commit()
    near = await client.get("/?near=uppsala", headers=BROWSER)
    assert "Leverantörer nära Uppsala" in near.text
    assert shop.provider.business_name in near.text
    assert "km bort" in near.text
    far = await client.get("/?near=Kiruna", headers=BROWSER)
    assert shop.provider.business_name not in far.text
    unknown = await client.get("/?near=Atlantis", headers=BROWSER)
    assert re.search(r'id="f-near-error">Vi hittar ingen ort som heter så<', unknown.text)
    assert 'value="Atlantis"' in unknown.text


async def test_the_flow_explains_times_hidden_by_travel_time_and_offers_own_horses(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    shop = await make_shop(db_session)
    day = today_local() + timedelta(days=4)
    await factories.booking(
        db_session, at=shop.provider, for_service=shop.service, day=day,
        start_time="12:00", end_time="13:00", status="confirmed",
    )  # fmt: skip
    customer = await factories.customer(db_session)
    horse = await factories.horse(db_session, customer, name="Stella")
    headers = {**BROWSER, **await auth(db_session, customer, settings)}
    await db_session.commit()
    base = f"/providers/{shop.provider.id}/book?service={shop.service.id}&day={day}"
    flow = await client.get(base, headers=headers)
    times = re.findall(r'class="slots">(.*?)</ul>', flow.text, re.S)[0]
    assert ">10:00<" in times and ">12:00<" not in times and ">11:00<" not in times
    assert "Varför syns inte alla tider?" in flow.text
    assert f"restid och minst {settings.booking_min_buffer_minutes} minuters marginal" in flow.text

    confirm = await client.get(base + "&start=09:00", headers=headers)
    assert f'<option value="{horse.id}">Stella' in confirm.text
    stale = await client.get(base + "&start=12:00", headers=headers)
    assert "Tiden går inte att boka längre" in stale.text
    assert "Bekräfta bokningen" not in stale.text


async def test_a_form_posted_after_the_session_ended_returns_to_its_page_after_login(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/my/bookings/abc/cancel",
        headers={**BROWSER, "Referer": "http://testserver/my/bookings"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fmy%2Fbookings"


async def test_registering_a_provider_needs_the_business_name_beside_its_field(
    client: httpx.AsyncClient,
) -> None:
    form = {
        "userType": "provider", "firstName": "Per", "lastName": "Hov",
        "email": f"per-{uuid.uuid4().hex[:6]}@example.se", "password": "Glittrande-Sadelgjord-4711",
    }  # fmt: skip
    missing = await client.post("/register", data=form, headers=BROWSER)
    assert missing.status_code == 422
    assert re.search(r'id="f-businessName-error">Ange företagets namn<', missing.text)
    assert 'value="provider" checked' in missing.text
    created = await client.post(
        "/register", data={**form, "businessName": "Pers Hovslageri"}, headers=BROWSER
    )
    assert created.status_code == 303 and created.headers["location"] == "/login"
    again = await client.post(
        "/register", data={**form, "businessName": "Pers Hovslageri"}, headers=BROWSER
    )
    assert re.search(
        r'id="f-email-error">En användare med denna e-postadress finns redan<', again.text
    )


async def test_role_dependencies_for_later_areas_answer_the_403_page_to_other_roles(
    settings: Settings, sessionmaker: Any, db_session: AsyncSession
) -> None:
    app = create_app(settings)
    extra = page_router()

    @extra.get("/test-provider-page")
    async def provider_only(account: PageProvider) -> dict[str, str]:
        return {"business": account.provider.business_name}

    @extra.get("/test-admin-page")
    async def admin_only(user: PageAdmin) -> dict[str, str]:
        return {"admin": user.email}

    app.include_router(extra)
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    as_provider = {**BROWSER, **await auth(db_session, shop.provider_user, settings)}
    as_customer = {**BROWSER, **await auth(db_session, customer, settings)}
    await db_session.commit()
    async with LifespanManager(app):
        app.state.sessionmaker = sessionmaker
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            assert (await c.get("/test-provider-page", headers=as_provider)).json() == {
                "business": shop.provider.business_name
            }
            refused = await c.get("/test-provider-page", headers=as_customer)
            assert refused.status_code == 403 and "Åtkomst nekad" in refused.text
            assert (await c.get("/test-admin-page", headers=as_provider)).status_code == 403
            anonymous = await c.get("/test-admin-page", headers=BROWSER)
            assert anonymous.status_code == 303


async def test_provider_page_lists_the_next_announced_visits_in_order(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    shop = await make_shop(db_session)
    today = today_local()
    for days, place in ((9, "Sigtuna"), (3, "Knivsta"), (-2, "Förr")):
        await factories.availability_exception(
            db_session, shop.provider, date=today + timedelta(days),
            is_closed=False, location=place, start_time="08:00", end_time="15:00",
        )  # fmt: skip
    await factories.availability_exception(
        db_session,
        shop.provider,
        date=today + timedelta(5),
        is_closed=True,
        location="Stängt",
    )

    page = (await client.get(f"/providers/{shop.provider.id}")).text

    assert "Kommande besök i området" in page
    assert page.index("Knivsta") < page.index("Sigtuna")  # soonest first
    assert "Förr" not in page and "Stängt" not in page  # past days and closed days are not visits
