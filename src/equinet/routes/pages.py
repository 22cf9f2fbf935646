"""The route pages: a customer's visit requests (route orders), follows and the public
announcements; a provider's available orders, announcements, route planning and the route
page with its stops, ETAs and an SVG map drawn from the coordinates (no tile server).

Every page calls `routes.service` / `routes.planning` exactly as `routes/router.py` does, so
the page and the API accept and refuse the same input with the same messages. A place is
found from the town the address names (bundled place data); without one the services use
the account's stored position.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from equinet.bookings.pages import STATUS_LABELS as BOOKING_STATUS
from equinet.db.session import DbSession
from equinet.kit.dates import today_local
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import STOCKHOLM, format_clock, gettext, mark
from equinet.kit.pagination import PageRequest
from equinet.providers.exceptions import ProviderNotFound
from equinet.routes import planning, service
from equinet.routes.exceptions import InvalidDates
from equinet.routes.schemas import (
    AnnouncementIn,
    CustomerOrderIn,
    FollowIn,
    RouteIn,
    StopUpdateIn,
)
from equinet.settings import settings_of
from equinet.web.context import CurrentVisitor, PageCustomer, PageProvider, redirect
from equinet.web.forms import FORM, FormInvalid, never, parse, submitted, values_of
from equinet.web.forms import _message as field_message
from equinet.web.pages import page_router
from equinet.web.places import ADDRESS_HINT, address_refused, point_of_address
from equinet.web.templating import render

# The pages show the first page of each list, as large as the API's cap allows.
_FIRST_PAGE = PageRequest(limit=100, offset=0)

router = page_router()

ORDER_FIELDS = (
    "serviceType", "address", "numberOfHorses", "dateFrom", "dateTo", "priority",
    "contactPhone", "specialInstructions",
)  # fmt: skip
ANNOUNCEMENT_STOPS = 3
ROUTE_FIELDS = ("routeName", "routeDate", "startTime", "optimise")
ORDER_STATUS = {
    "pending": mark("Väntar på planering"),
    "in_route": mark("Inplanerad"),
    "completed": mark("Genomförd"),
    "cancelled": mark("Avbruten"),
}
STOP_STATUS = {
    "pending": mark("Planerad"),
    "on_the_way": mark("På väg"),
    "in_progress": mark("Framme"),
    "completed": mark("Klar"),
    "problem": mark("Problem"),
}
ROUTE_STATUS = {
    "planned": mark("Planerad"),
    "in_progress": mark("Pågår"),
    "completed": mark("Genomförd"),
}
PRIORITY = {"normal": mark("Normal"), "urgent": mark("Akut (inom 48 timmar)")}


def _number(value: str | None) -> Any:
    if value is None:
        return ""
    return int(value) if value.strip().isdigit() else value


def _located(body: dict[str, Any], address: str) -> dict[str, Any]:
    point = point_of_address(address) if address else None
    if point is not None:
        body["latitude"], body["longitude"] = point
    return body


def _stockholm_clock(value: str | None) -> str | None:
    """An API instant ("2026-12-03T08:40:00Z") as the Stockholm wall clock ("09:40")."""
    if not value:
        return None
    return format_clock(datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(STOCKHOLM))


def _with_clocks(row: dict[str, Any]) -> dict[str, Any]:
    for name in ("actualArrival", "actualDeparture"):
        row[f"{name}Clock"] = _stockholm_clock(row.get(name))
    return row


def _labels() -> dict[str, Any]:
    return {
        "order_status": ORDER_STATUS,
        "stop_status": STOP_STATUS,
        "route_status": ROUTE_STATUS,
        "priority_labels": PRIORITY,
    }


# --- the customer's orders and follows ---------------------------------------------------------


async def _my_orders(
    request: Request,
    db: DbSession,
    user: Any,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    orders, _ = await service.my_orders(db, user, _FIRST_PAGE)
    for order in orders:
        if order["visit"] is not None:
            _with_clocks(order["visit"])
    follows, _ = await service.follows(db, user, _FIRST_PAGE)
    return render(
        request,
        "routes/my_orders.html",
        {"orders": orders, "follows": follows, "order_errors": errors or {}, **_labels()},
        status_code=status_code,
    )


@router.get("/customer/route-orders", response_class=HTMLResponse)
async def my_orders(request: Request, db: DbSession, user: PageCustomer) -> HTMLResponse:
    return await _my_orders(request, db, user)


def _order_form(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "routes/order_form.html",
        {"values": values, "errors": errors, "today": today_local(), **_labels()},
        status_code=status_code,
    )


@router.get("/customer/route-orders/new", response_class=HTMLResponse)
async def new_order(request: Request, user: PageCustomer) -> HTMLResponse:
    start = today_local() + timedelta(days=1)
    values = {
        "numberOfHorses": "1",
        "priority": "normal",
        "dateFrom": start.isoformat(),
        "dateTo": (start + timedelta(days=7)).isoformat(),
        "contactPhone": user.phone or "",
    }
    return _order_form(request, values, {})


@router.post("/customer/route-orders", response_class=HTMLResponse)
async def create_order(request: Request, db: DbSession, user: PageCustomer) -> Response:
    values = values_of(await request.form(), ORDER_FIELDS)
    body: dict[str, Any] = {**values, "numberOfHorses": _number(values.get("numberOfHorses"))}
    _located(body, values.get("address", ""))

    async def create() -> Response:
        with address_refused("address", gettext(ADDRESS_HINT)):
            await service.create_customer_order(db, user, parse(CustomerOrderIn, body))
        return redirect("/customer/route-orders", flash="order-created")

    outcome = await submitted(db, create, field=_dates_field, raises=never)
    if isinstance(outcome, Response):
        return outcome
    return _order_form(request, values, outcome, status_code=422)


def _dates_field(error: EquinetError) -> str:
    return "dateFrom" if isinstance(error, InvalidDates) else FORM


@router.post("/customer/route-orders/{order_id}/cancel", response_class=HTMLResponse)
async def cancel_order(
    request: Request, order_id: str, db: DbSession, user: PageCustomer
) -> Response:
    async def cancel() -> Response:
        await service.cancel_order(db, user, None, order_id)
        return redirect("/customer/route-orders", flash="order-cancelled")

    outcome = await submitted(db, cancel)
    if isinstance(outcome, Response):
        return outcome
    return await _my_orders(request, db, user, errors={order_id: outcome}, status_code=409)


@router.post("/customer/follows", response_class=HTMLResponse)
async def follow(request: Request, db: DbSession, user: PageCustomer) -> Response:
    values = values_of(await request.form(), ("providerId", "radiusKm", "place", "back"))
    body: dict[str, Any] = {
        "providerId": values.get("providerId", ""),
        "radiusKm": values.get("radiusKm", ""),
    }
    _located(body, values.get("place", ""))
    back = values.get("back", "")
    back = back if back.startswith("/announcements") else "/announcements"

    async def follow_provider() -> Response:
        place = gettext("Ange din ort, så vet vi vilket område du vill bevaka.")
        with address_refused("place", place):
            await service.follow(db, user, parse(FollowIn, body))
        return redirect(back, flash="followed")

    outcome = await submitted(
        db, follow_provider, field="place",
        raises=lambda error: isinstance(error, ProviderNotFound),
    )  # fmt: skip
    if isinstance(outcome, Response):
        return outcome
    return await _announcements_page(
        request, db, user, follow_errors={values.get("providerId", ""): outcome},
        follow_values=values, status_code=422,
    )  # fmt: skip


@router.post("/customer/follows/{follow_id}/delete")
async def unfollow(follow_id: str, db: DbSession, user: PageCustomer) -> Response:
    await service.unfollow(db, user, follow_id)
    return redirect("/customer/route-orders", flash="unfollowed")


# --- public announcements --------------------------------------------------------------------


async def _announcements_page(
    request: Request,
    db: DbSession,
    user: Any,
    *,
    follow_errors: dict[str, dict[str, str]] | None = None,
    follow_values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows, _ = await service.public_announcements(
        db, provider_id=None, service_type=None, date_from=None, date_to=None,
        latitude=None, longitude=None, radius_km=None, page=_FIRST_PAGE,
    )  # fmt: skip
    followed: set[str] = set()
    if user is not None and user.user_type == "customer":
        followed = {f["providerId"] for f in (await service.follows(db, user, _FIRST_PAGE))[0]}
    return render(
        request,
        "routes/announcements.html",
        {
            "announcements": rows,
            "followed": followed,
            "follow_errors": follow_errors or {},
            "follow_values": follow_values or {},
        },
        status_code=status_code,
    )


@router.get("/announcements", response_class=HTMLResponse)
async def announcements(request: Request, db: DbSession, visitor: CurrentVisitor) -> HTMLResponse:
    return await _announcements_page(request, db, visitor.user)


@router.get("/announcements/{order_id}", response_class=HTMLResponse)
async def announcement(
    request: Request, order_id: str, db: DbSession, visitor: CurrentVisitor
) -> HTMLResponse:
    shown = await service.public_announcement(db, order_id)
    followed: set[str] = set()
    if visitor.user is not None and visitor.user.user_type == "customer":
        follows, _ = await service.follows(db, visitor.user, _FIRST_PAGE)
        followed = {f["providerId"] for f in follows}
    return render(
        request,
        "routes/announcement.html",
        {"a": shown, "followed": followed, "follow_errors": {}, "follow_values": {}},
    )


# --- the provider's announcements --------------------------------------------------------------


def _stop_inputs(form: FormData) -> dict[str, str]:
    names = [
        f"stop{n}{part}" for n in range(1, ANNOUNCEMENT_STOPS + 1) for part in ("Name", "Address")
    ]
    return values_of(form, names)


STOP_INPUTS = {"locationName": "Name", "address": "Address"}


def _announcement(body: dict[str, Any]) -> AnnouncementIn:
    """The form through the API's model; a stop's message goes beside its own input
    (`stops.0.address` → `stop1Address`)."""
    try:
        return parse(AnnouncementIn, body)
    except FormInvalid as invalid:
        errors, cause = invalid.errors, invalid.__cause__
        if isinstance(cause, ValidationError):
            for item in cause.errors():
                where = [str(part) for part in item.get("loc", ())]
                if len(where) == 3 and where[0] == "stops" and where[2] in STOP_INPUTS:
                    name = f"stop{int(where[1]) + 1}{STOP_INPUTS[where[2]]}"
                    errors.setdefault(name, field_message(dict(item)))
            if any(name.startswith("stop") and name != "stops" for name in errors):
                errors.pop("stops", None)
        raise


def _announcement_form(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "routes/announcement_form.html",
        {"values": values, "errors": errors, "stop_numbers": range(1, ANNOUNCEMENT_STOPS + 1)},
        status_code=status_code,
    )


@router.get("/provider/announcements/new", response_class=HTMLResponse)
async def new_announcement(request: Request, account: PageProvider) -> HTMLResponse:
    start = today_local() + timedelta(days=1)
    values = {"dateFrom": start.isoformat(), "dateTo": (start + timedelta(days=2)).isoformat()}
    return _announcement_form(request, values, {})


@router.post("/provider/announcements", response_class=HTMLResponse)
async def create_announcement(request: Request, db: DbSession, account: PageProvider) -> Response:
    form = await request.form()
    values = values_of(form, ("serviceType", "dateFrom", "dateTo", "specialInstructions"))
    values.update(_stop_inputs(form))
    stops = []
    for n in range(1, ANNOUNCEMENT_STOPS + 1):
        name, address = values.get(f"stop{n}Name", ""), values.get(f"stop{n}Address", "")
        if name or address or n == 1:
            stops.append(_located({"locationName": name, "address": address}, address))
    body = {
        "announcementType": "provider_announced",
        "serviceType": values.get("serviceType", ""),
        "dateFrom": values.get("dateFrom", ""),
        "dateTo": values.get("dateTo", ""),
        "specialInstructions": values.get("specialInstructions", ""),
        "stops": [{k: v for k, v in s.items() if v != ""} for s in stops],
    }

    async def create() -> Response:
        created = await service.create_announcement(
            db, settings_of(request), account.user, account.provider, _announcement(body)
        )
        return redirect(f"/announcements/{created['id']}", flash="announcement-created")

    outcome = await submitted(
        db, create, field=lambda error: "dateFrom" if isinstance(error, InvalidDates) else "stops",
        raises=never,
    )  # fmt: skip
    if isinstance(outcome, Response):
        return outcome
    return _announcement_form(request, values, outcome, status_code=422)


# --- available orders and route planning -------------------------------------------------------


async def _available_page(
    request: Request,
    db: DbSession,
    account: Any,
    *,
    values: dict[str, str] | None = None,
    chosen: list[str] | None = None,
    day: date | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    day = day or today_local() + timedelta(days=1)
    orders: list[dict[str, Any]] = []
    problem = None
    try:
        orders, _ = await service.available_orders(
            db,
            account.provider,
            service_type=None,
            priority=None,
            page=PageRequest(limit=service.AVAILABLE_LIMIT, offset=0),
        )
    except EquinetError as error:
        problem = gettext(error.message)
    own, _ = await service.list_own(
        db, account.user, account.provider, "provider_announced", PageRequest(limit=50, offset=0)
    )
    bookings = await planning.plannable_bookings(db, account, day)
    default = {
        "routeName": gettext("Rutt {day}", day=day.isoformat()),
        "routeDate": day.isoformat(),
        "startTime": "08:00",
        "optimise": "on",
    }
    return render(
        request,
        "routes/available.html",
        {
            "orders": orders,
            "bookings": bookings,
            "day": day.isoformat(),
            "problem": problem,
            "announcements": own,
            "values": values if values is not None else default,
            "chosen": set(chosen or []),
            "errors": errors or {},
            **_labels(),
        },
        status_code=status_code,
    )


def _day(value: str | None) -> date | None:
    """A `YYYY-MM-DD` from the page's day picker; anything else: the default day."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@router.get("/provider/route-orders", response_class=HTMLResponse)
async def available(
    request: Request, db: DbSession, account: PageProvider, day: str | None = None
) -> HTMLResponse:
    """`day`: whose confirmed bookings the route form offers beside the orders."""
    return await _available_page(request, db, account, day=_day(day))


@router.post("/provider/announcements/{order_id}/cancel")
async def cancel_announcement(
    request: Request, order_id: str, db: DbSession, account: PageProvider
) -> Response:
    async def cancel() -> Response:
        await service.cancel_order(db, account.user, account.provider, order_id)
        return redirect("/provider/route-orders", flash="announcement-cancelled")

    outcome = await submitted(db, cancel)
    if isinstance(outcome, Response):
        return outcome
    return await _available_page(request, db, account, errors=outcome, status_code=409)


@router.get("/provider/route-orders/{order_id}/bookings", response_class=HTMLResponse)
async def order_bookings(
    request: Request, order_id: str, db: DbSession, account: PageProvider
) -> HTMLResponse:
    shown = await service.order_bookings(db, account.provider, order_id)
    return render(
        request,
        "routes/order_bookings.html",
        {"shown": shown, "booking_status": BOOKING_STATUS, **_labels()},
    )


@router.post("/provider/routes", response_class=HTMLResponse)
async def create_route(request: Request, db: DbSession, account: PageProvider) -> Response:
    form = await request.form()
    values = values_of(form, ROUTE_FIELDS)
    chosen = [str(v) for v in form.getlist("orderIds")]
    chosen_bookings = [str(v) for v in form.getlist("bookingIds")]
    body = {
        "routeName": values.get("routeName", ""),
        "routeDate": values.get("routeDate", ""),
        "startTime": values.get("startTime", ""),
        "orderIds": chosen,
        "bookingIds": chosen_bookings,
        "optimise": values.get("optimise") == "on",
    }

    async def create() -> Response:
        route = await planning.create_route(db, settings_of(request), account, parse(RouteIn, body))
        return redirect(f"/provider/routes/{route['id']}", flash="route-created")

    errors = await submitted(db, create, raises=never)
    if isinstance(errors, Response):
        return errors
    if FORM in errors and not chosen and not chosen_bookings:
        errors["orderIds"] = errors.pop(FORM)
    return await _available_page(
        request, db, account, values=values, chosen=chosen + chosen_bookings,
        day=_day(values.get("routeDate")), errors=errors, status_code=422,
    )  # fmt: skip


@router.get("/provider/routes", response_class=HTMLResponse)
async def my_routes(request: Request, db: DbSession, account: PageProvider) -> HTMLResponse:
    routes, _ = await planning.my_routes(db, account, _FIRST_PAGE)
    return render(request, "routes/my_routes.html", {"routes": routes, **_labels()})


def duration_text(minutes: int | None) -> str:
    if minutes is None:
        return "–"
    hours, rest = divmod(int(minutes), 60)
    if hours == 0:
        return gettext("{minutes} min", minutes=rest)
    return gettext("{hours} h {minutes} min", hours=hours, minutes=rest)


async def _route_page(
    request: Request,
    db: DbSession,
    account: Any,
    route_id: str,
    *,
    stop_errors: dict[str, dict[str, str]] | None = None,
    stop_values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    route = await planning.route_detail(db, account, route_id)
    for stop in route["stops"]:
        _with_clocks(stop)
    drawn = await planning.route_map(db, account, route_id)
    return render(
        request,
        "routes/route.html",
        {
            "route": route,
            "map": drawn,
            "duration": duration_text(route["totalDurationMinutes"]),
            "stop_errors": stop_errors or {},
            "stop_values": stop_values or {},
            **_labels(),
        },
        status_code=status_code,
    )


@router.get("/provider/routes/{route_id}", response_class=HTMLResponse)
async def route_page(
    request: Request, route_id: str, db: DbSession, account: PageProvider
) -> HTMLResponse:
    return await _route_page(request, db, account, route_id)


@router.post("/provider/routes/{route_id}/stops/{stop_id}", response_class=HTMLResponse)
async def update_stop(
    request: Request, route_id: str, stop_id: str, db: DbSession, account: PageProvider
) -> Response:
    values = values_of(await request.form(), ("status", "problemNote"))

    async def update() -> Response:
        data = parse(StopUpdateIn, values)
        if data.status == "problem" and not (data.problem_note or "").strip():
            raise FormInvalid({"problemNote": gettext("Beskriv problemet")})
        await planning.update_stop(db, settings_of(request), account, route_id, stop_id, data)
        return redirect(f"/provider/routes/{route_id}#stop-{stop_id}", flash="stop-updated")

    outcome = await submitted(db, update)
    if isinstance(outcome, Response):
        return outcome
    return await _route_page(
        request, db, account, route_id, stop_errors={stop_id: outcome},
        stop_values={stop_id: values}, status_code=422,
    )  # fmt: skip
