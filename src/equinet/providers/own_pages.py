"""The provider's own pages: dashboard, week calendar, bookings and their actions, manual
booking, services, weekly hours and date exceptions, reviews and replies, and the profile.

Every page calls the service its API route calls (bookings, catalog, availability, reviews,
accounts), with the same models and the same messages; a refused form comes back with the
message beside its field and the input kept. The provider is always the logged-in one
(`PageProvider`), so another provider's booking, service or review is a 404 here as in the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, Response

from equinet.accounts import service as accounts
from equinet.accounts.schemas import ProviderProfileIn
from equinet.availability import service as availability
from equinet.availability.schemas import DayHours, ExceptionIn, ScheduleIn
from equinet.bookings import service as bookings
from equinet.bookings.schemas import ManualBookingIn, UpdateBookingIn
from equinet.catalog import service as catalog
from equinet.catalog.schemas import ServiceIn, ServiceUpdate
from equinet.db.session import DbSession
from equinet.kit.dates import today_local
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import gettext, mark
from equinet.kit.pagination import PageRequest
from equinet.kit.rate_limit_routes import limit_route
from equinet.providers import service as providers
from equinet.reviews import service as reviews
from equinet.reviews.schemas import ReplyIn
from equinet.settings import settings_of
from equinet.web.context import FLASH_MESSAGES, redirect, safe_next
from equinet.web.forms import (
    FORM,
    FormInvalid,
    attempt,
    domain_errors,
    never,
    parse,
    submitted,
    validation_errors,
    values_of,
)
from equinet.web.pages import page_router
from equinet.web.roles import PageProvider
from equinet.web.templating import render

# A provider's own page shows up to this many rows of a list (the API's cap).
PAGE_OF_ROWS = PageRequest(limit=100, offset=0)

router = page_router(prefix="/provider")

# The same limiters as the API routes these forms mirror.
limit_route("POST", "/provider/bookings/new", "booking")
limit_route("POST", "/provider/services", "serviceCreate")
limit_route("POST", "/provider/hours", "profileUpdate")
limit_route("POST", "/provider/hours/exceptions", "profileUpdate")
limit_route("POST", "/provider/hours/exceptions/{day}/delete", "profileUpdate")
limit_route("POST", "/provider/profile", "profileUpdate")

FLASH_MESSAGES.update(
    {
        "booking-confirmed": mark("Bokningen är bekräftad. Kunden har fått besked."),
        "booking-completed": mark("Bokningen är markerad som genomförd."),
        "booking-cancelled": mark("Bokningen är avbokad. Kunden har fått besked."),
        "manual-booked": mark("Bokningen är inlagd och bekräftad."),
        "service-created": mark("Tjänsten är tillagd."),
        "service-saved": mark("Tjänsten är sparad."),
        "service-deactivated": mark("Tjänsten är avaktiverad och går inte längre att boka."),
        "hours-saved": mark("Veckans öppettider är sparade."),
        "exception-saved": mark("Undantaget är sparat."),
        "exception-removed": mark("Undantaget är borttaget."),
        "reply-saved": mark("Ditt svar är publicerat."),
        "provider-profile-saved": mark("Företagsprofilen är sparad."),
    }
)

STATUS_LABELS = {
    "pending": mark("Väntar på bekräftelse"),
    "confirmed": mark("Bekräftad"),
    "cancelled": mark("Avbokad"),
    "completed": mark("Genomförd"),
}
WEEKDAYS = (
    mark("Måndag"), mark("Tisdag"), mark("Onsdag"), mark("Torsdag"), mark("Fredag"),
    mark("Lördag"), mark("Söndag"),
)  # fmt: skip
STATUS_FLASH = {
    "confirmed": "booking-confirmed",
    "completed": "booking-completed",
    "cancelled": "booking-cancelled",
}
ACTIVE = ["pending", "confirmed"]
DEFAULT_OPENS, DEFAULT_CLOSES = "08:00", "17:00"
MANUAL_FIELDS = (
    "serviceId", "bookingDate", "startTime", "customerName", "customerPhone", "customerEmail",
    "horseName", "customerNotes",
)  # fmt: skip
SERVICE_FIELDS = ("name", "description", "price", "durationMinutes", "recommendedIntervalWeeks")
# Where a refusal of the manual booking is shown; times and dates otherwise.
MANUAL_ERROR_FIELDS = {
    "CUSTOMER_EMAIL_TAKEN": "customerEmail",
    "CUSTOMER_NOT_FOUND": "customerName",
    "INACTIVE_SERVICE": "serviceId",
    "SERVICE_PROVIDER_MISMATCH": "serviceId",
    "INACTIVE_PROVIDER": FORM,
    "PAST_DATE": "bookingDate",
    "BOOKING_IN_PAST": "bookingDate",
}
EXCEPTION_FIELDS = ("date", "kind", "startTime", "endTime", "reason", "location")
PROFILE_FIELDS = (
    "businessName", "description", "address", "postalCode", "city", "latitude", "longitude",
    "serviceArea", "serviceAreaKm",
)  # fmt: skip


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _ordered(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["bookingDate"], r["startTime"]))


async def _bookings(
    db: DbSession, account: Any, statuses: list[str], first: date | None, last: date | None
) -> list[dict[str, Any]]:
    actor = bookings.Actor(account.user, account.provider.id)
    rows, _more = await bookings.list_bookings(
        db, actor, statuses=statuses, date_from=first, date_to=last, page=PAGE_OF_ROWS
    )
    return _ordered([dict(row) for row in rows])


def _common(**extra: Any) -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "today": today_local(), **extra}


# --- dashboard ----------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
async def dashboard(request: Request, db: DbSession, account: PageProvider) -> HTMLResponse:
    today = today_local()
    visits = await _bookings(db, account, ["confirmed", "completed", "pending"], today, today)
    waiting = await _bookings(db, account, ["pending"], today, None)
    onboarding = await accounts.onboarding_status(db, account.provider)
    return render(
        request,
        "provider/dashboard.html",
        _common(
            provider=account.provider, visits=visits, waiting=waiting, onboarding=onboarding,
            errors={}, values={},
        ),
    )  # fmt: skip


# --- calendar -----------------------------------------------------------------------------


@dataclass
class CalendarDay:
    day: date
    bookings: list[dict[str, Any]] = field(default_factory=list)
    free: list[tuple[str, str]] = field(default_factory=list)
    closed: bool = True
    hours: tuple[str, str] | None = None


def _free_ranges(slots: list[Any]) -> list[tuple[str, str]]:
    """Consecutive free slots of the engine as one stretch of free time."""
    ranges: list[tuple[str, str]] = []
    for slot in slots:
        if not slot.is_available:
            continue
        if ranges and ranges[-1][1] >= slot.start_time:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], slot.end_time))
        else:
            ranges.append((slot.start_time, slot.end_time))
    return ranges


@router.get("/calendar", response_class=HTMLResponse)
async def calendar(request: Request, db: DbSession, account: PageProvider) -> HTMLResponse:
    wanted = _date(request.query_params.get("from")) or today_local()
    monday = wanted - timedelta(days=wanted.weekday())
    sunday = monday + timedelta(days=6)
    rows = await _bookings(db, account, [*ACTIVE, "completed"], monday, sunday)
    days = [CalendarDay(monday + timedelta(days=n)) for n in range(7)]
    for row in rows:
        days[date.fromisoformat(row["bookingDate"]).weekday()].bookings.append(row)
    for current in days:
        try:
            view = await availability.day_view(
                db, settings_of(request), account.provider.id, day=current.day.isoformat(),
                service_id=None, service_duration=None, latitude=None, longitude=None,
            )  # fmt: skip
        except EquinetError:
            continue  # an inactive provider has no public free time
        current.closed = view.is_closed
        if view.opening_time and view.closing_time:
            current.hours = (view.opening_time, view.closing_time)
        current.free = _free_ranges(view.slots)
    return render(
        request,
        "provider/calendar.html",
        _common(
            days=days, monday=monday,
            previous=(monday - timedelta(days=7)).isoformat(),
            following=(monday + timedelta(days=7)).isoformat(),
            this_week=(today_local() - timedelta(days=today_local().weekday())).isoformat(),
        ),
    )  # fmt: skip


# --- bookings and their actions -----------------------------------------------------------


async def _bookings_page(
    request: Request,
    db: DbSession,
    account: Any,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    today = today_local()
    upcoming = await _bookings(db, account, ACTIVE, today, None)
    earlier = await _bookings(db, account, ["confirmed"], None, today - timedelta(days=1))
    return render(
        request,
        "provider/bookings.html",
        _common(
            upcoming=upcoming, earlier=earlier, booking_errors=errors or {},
            booking_values=values or {},
        ),
        status_code=status_code,
    )  # fmt: skip


@router.get("/bookings", response_class=HTMLResponse)
async def booking_list(request: Request, db: DbSession, account: PageProvider) -> HTMLResponse:
    return await _bookings_page(request, db, account)


@router.post("/bookings/{booking_id}/status", response_class=HTMLResponse)
async def change_status(
    request: Request, booking_id: str, db: DbSession, account: PageProvider
) -> Response:
    form = await request.form()
    values = values_of(form, ("status", "cancellationMessage"))
    try:
        data = parse(UpdateBookingIn, values)
        async with attempt(db):
            await bookings.update_status(
                db, settings_of(request), account.user, account.provider, booking_id, data
            )
    except FormInvalid as invalid:
        errors = invalid.errors
        if "status" in errors:
            errors = {FORM: errors["status"]}
    except EquinetError as error:
        if error.status_code == 404:
            raise
        errors = domain_errors(error)
    else:
        back = safe_next(str(form.get("next") or ""), "/provider/bookings")
        return redirect(back, flash=STATUS_FLASH[data.status])
    return await _bookings_page(
        request, db, account, errors={booking_id: errors}, values={booking_id: values},
        status_code=422,
    )  # fmt: skip


async def _manual_page(
    request: Request,
    db: DbSession,
    account: Any,
    values: dict[str, str],
    errors: dict[str, str],
    status_code: int = 200,
) -> HTMLResponse:
    listed, _more = await catalog.list_services(db, account.provider.id, PAGE_OF_ROWS)
    services = [s for s in listed if s.is_active]
    return render(
        request,
        "provider/manual.html",
        _common(services=services, values=values, errors=errors),
        status_code=status_code,
    )


@router.get("/bookings/new", response_class=HTMLResponse)
async def manual_form(
    request: Request, db: DbSession, account: PageProvider, day: str | None = None
) -> HTMLResponse:
    start = _date(day) or today_local()
    return await _manual_page(request, db, account, {"bookingDate": start.isoformat()}, {})


@router.post("/bookings/new", response_class=HTMLResponse)
async def manual_booking(request: Request, db: DbSession, account: PageProvider) -> Response:
    values = values_of(await request.form(), MANUAL_FIELDS)
    try:
        data = parse(ManualBookingIn, values)
        async with attempt(db):
            created = await bookings.create_manual_booking(
                db, settings_of(request), account.provider, data
            )
    except FormInvalid as invalid:
        errors = invalid.errors
        if FORM in errors and "customerName" not in errors:
            errors["customerName"] = errors.pop(FORM)  # "a customer or a name" belongs there
    except EquinetError as error:
        errors = domain_errors(error, MANUAL_ERROR_FIELDS.get(error.code, "startTime"))
    else:
        return redirect(f"/provider/calendar?from={created['bookingDate']}", flash="manual-booked")
    return await _manual_page(request, db, account, values, errors, status_code=422)


# --- services -----------------------------------------------------------------------------


def _service_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = values_of(form, SERVICE_FIELDS)
    # "850,50" as people write it in Sweden is the API's 850.5.
    if "price" in values:
        values["price"] = values["price"].replace(",", ".").replace(" ", "").replace("\xa0", "")
    return values


async def _services_page(
    request: Request,
    db: DbSession,
    account: Any,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    services, _more = await catalog.list_services(db, account.provider.id, PAGE_OF_ROWS)
    return render(
        request,
        "provider/services.html",
        _common(services=services, service_errors=errors or {}, service_values=values or {}),
        status_code=status_code,
    )


@router.get("/services", response_class=HTMLResponse)
async def services(request: Request, db: DbSession, account: PageProvider) -> HTMLResponse:
    return await _services_page(request, db, account)


@router.post("/services", response_class=HTMLResponse)
async def create_service(request: Request, db: DbSession, account: PageProvider) -> Response:
    values = _service_values(await request.form())

    async def create() -> Response:
        await catalog.create_service(db, account.provider.id, parse(ServiceIn, values))
        return redirect("/provider/services", flash="service-created")

    outcome = await submitted(db, create, raises=never)
    if isinstance(outcome, Response):
        return outcome
    return await _services_page(
        request, db, account, errors={"new": outcome}, values={"new": values}, status_code=422
    )


@router.post("/services/{service_id}", response_class=HTMLResponse)
async def edit_service(
    request: Request, service_id: str, db: DbSession, account: PageProvider
) -> Response:
    form = await request.form()
    values = _service_values(form)

    async def save() -> Response:
        data = parse(ServiceUpdate, {**values, "isActive": form.get("isActive") == "on"})
        await catalog.replace_service(db, account.provider.id, service_id, data)
        return redirect("/provider/services", flash="service-saved")

    outcome = await submitted(db, save)
    if isinstance(outcome, Response):
        return outcome
    return await _services_page(
        request, db, account, errors={service_id: outcome}, values={service_id: values},
        status_code=422,
    )  # fmt: skip


@router.post("/services/{service_id}/deactivate", response_class=HTMLResponse)
async def deactivate_service(service_id: str, db: DbSession, account: PageProvider) -> Response:
    await catalog.deactivate_service(db, account.provider.id, service_id)
    return redirect("/provider/services", flash="service-deactivated")


# --- weekly hours and date exceptions -----------------------------------------------------


def _week_values(rows: Any) -> dict[str, str]:
    values: dict[str, str] = {}
    by_day = {row.day_of_week: row for row in rows}
    for weekday in range(7):
        row = by_day.get(weekday)
        values[f"startTime{weekday}"] = row.start_time if row else DEFAULT_OPENS
        values[f"endTime{weekday}"] = row.end_time if row else DEFAULT_CLOSES
        if row is None or row.is_closed:
            values[f"isClosed{weekday}"] = "on"
    return values


async def _hours_page(
    request: Request,
    db: DbSession,
    account: Any,
    *,
    week_values: dict[str, str] | None = None,
    week_errors: dict[str, str] | None = None,
    exception_values: dict[str, str] | None = None,
    exception_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if week_values is None:
        week_values = _week_values(await availability.weekly_schedule(db, account.provider.id))
    today = today_local()
    exceptions, _more = await availability.exceptions_between(
        db, account.provider.id, today.isoformat(), None, PAGE_OF_ROWS
    )
    return render(
        request,
        "provider/hours.html",
        _common(
            weekdays=WEEKDAYS, week_values=week_values, week_errors=week_errors or {},
            exceptions=exceptions,
            exception_values=exception_values or {"kind": "closed"},
            exception_errors=exception_errors or {},
        ),
        status_code=status_code,
    )  # fmt: skip


@router.get("/hours", response_class=HTMLResponse)
async def hours(request: Request, db: DbSession, account: PageProvider) -> HTMLResponse:
    return await _hours_page(request, db, account)


@router.post("/hours", response_class=HTMLResponse)
async def save_hours(request: Request, db: DbSession, account: PageProvider) -> Response:
    form = await request.form()
    names = [f"{name}{n}" for n in range(7) for name in ("startTime", "endTime", "isClosed")]
    values = values_of(form, names)
    errors: dict[str, str] = {}
    week: list[DayHours] = []
    for weekday in range(7):
        closed = values.get(f"isClosed{weekday}") == "on"
        start = values.get(f"startTime{weekday}", "")
        end = values.get(f"endTime{weekday}", "")
        try:
            week.append(
                parse(
                    DayHours,
                    {
                        "dayOfWeek": weekday,
                        # A closed day keeps whatever hours it had; none is fine too.
                        "startTime": start or (DEFAULT_OPENS if closed else ""),
                        "endTime": end or (DEFAULT_CLOSES if closed else ""),
                        "isClosed": closed,
                    },
                )
            )
        except FormInvalid as invalid:
            for name, text in invalid.errors.items():
                errors.setdefault(f"{name}{weekday}", text)
    if not errors:
        try:
            async with attempt(db):
                await availability.replace_schedule(
                    db, account, account.provider.id, ScheduleIn(schedule=week)
                )
        except EquinetError as error:
            day = error.details.get("dayOfWeek") if isinstance(error.details, dict) else None
            errors = {f"endTime{day}" if day is not None else FORM: gettext(error.message)}
        else:
            return redirect("/provider/hours", flash="hours-saved")
    return await _hours_page(
        request, db, account, week_values=values, week_errors=errors, status_code=422
    )


@router.post("/hours/exceptions", response_class=HTMLResponse)
async def save_exception(request: Request, db: DbSession, account: PageProvider) -> Response:
    values = values_of(await request.form(), EXCEPTION_FIELDS)
    closed = values.get("kind", "closed") != "open"
    body: dict[str, Any] = {
        "date": values.get("date", ""),
        "isClosed": closed,
        "reason": values.get("reason", ""),
        "location": values.get("location", ""),
    }
    if not closed:
        body.update(startTime=values.get("startTime", ""), endTime=values.get("endTime", ""))

    async def save() -> Response:
        data = parse(ExceptionIn, body)
        if not closed and (data.start_time is None or data.end_time is None):
            missing = "startTime" if data.start_time is None else "endTime"
            raise FormInvalid({missing: gettext("Fältet måste fyllas i")})
        await availability.save_exception(db, account, account.provider.id, data)
        return redirect("/provider/hours", flash="exception-saved")

    outcome = await submitted(
        db, save, field=lambda error: "endTime" if "Starttid" in error.message else "date",
        raises=never,
    )  # fmt: skip
    if isinstance(outcome, Response):
        return outcome
    return await _hours_page(
        request, db, account, exception_values=values, exception_errors=outcome, status_code=422
    )


@router.post("/hours/exceptions/{day}/delete", response_class=HTMLResponse)
async def remove_exception(day: str, db: DbSession, account: PageProvider) -> Response:
    await availability.remove_exception(db, account, account.provider.id, day)
    return redirect("/provider/hours", flash="exception-removed")


# --- reviews and replies ------------------------------------------------------------------


async def _reviews_page(
    request: Request,
    db: DbSession,
    account: Any,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    page = max(1, _int(request.query_params.get("page"), 1))
    try:
        found = await _provider_reviews(db, account.provider.id, page)
    except EquinetError:
        found = None  # an inactive provider has no public reviews page
    return render(
        request,
        "provider/reviews.html",
        _common(found=found, page=page, review_errors=errors or {}, review_values=values or {}),
        status_code=status_code,
    )


def _int(value: str | None, default: int) -> int:
    return int(value) if value and value.isdigit() else default


async def _provider_reviews(db: DbSession, provider_id: str, page: int) -> Any:
    return await providers.provider_reviews(
        db, provider_id, page=PageRequest(limit=20, offset=(max(1, page) - 1) * 20)
    )


@router.get("/reviews", response_class=HTMLResponse)
async def review_list(request: Request, db: DbSession, account: PageProvider) -> HTMLResponse:
    return await _reviews_page(request, db, account)


@router.post("/reviews/{review_id}/reply", response_class=HTMLResponse)
async def reply(request: Request, review_id: str, db: DbSession, account: PageProvider) -> Response:
    values = values_of(await request.form(), ("reply",))

    async def save() -> Response:
        data = parse(ReplyIn, {"reply": values.get("reply", "").strip()})
        await reviews.reply(db, account.provider.id, review_id, data)
        return redirect("/provider/reviews", flash="reply-saved")

    outcome = await submitted(db, save, field="reply")
    if isinstance(outcome, Response):
        return outcome
    return await _reviews_page(
        request, db, account, errors={review_id: outcome}, values={review_id: values},
        status_code=422,
    )  # fmt: skip


# --- profile ------------------------------------------------------------------------------


def _profile_values(account: Any) -> dict[str, str]:
    provider = account.provider
    shown = {
        "businessName": provider.business_name, "description": provider.description,
        "address": provider.address, "postalCode": provider.postal_code, "city": provider.city,
        "latitude": provider.latitude, "longitude": provider.longitude,
        "serviceArea": provider.service_area, "serviceAreaKm": provider.service_area_km,
    }  # fmt: skip
    return {name: "" if value is None else str(value)
            for name, value in shown.items()}  # fmt: skip


@router.get("/profile", response_class=HTMLResponse)
async def profile(request: Request, account: PageProvider) -> HTMLResponse:
    return render(
        request,
        "provider/profile.html",
        _common(values=_profile_values(account), errors={}, provider=account.provider),
    )


@router.post("/profile", response_class=HTMLResponse)
async def save_profile(request: Request, db: DbSession, account: PageProvider) -> Response:
    values = values_of(await request.form(), PROFILE_FIELDS)
    body: dict[str, Any] = {
        name: value.replace(",", ".") if name in ("latitude", "longitude", "serviceAreaKm")
        else value
        for name, value in values.items()
    }  # fmt: skip
    # A cleared optional input clears the field, as `null` does in the API.
    for name in PROFILE_FIELDS:
        if name != "businessName" and not body.get(name):
            body[name] = None
    try:
        data = ProviderProfileIn.model_validate(
            {k: v for k, v in body.items() if not (k == "businessName" and v == "")}
        )
        async with attempt(db):
            await accounts.update_provider_profile(
                db, request.app.state.settings, account.user, account.provider, data
            )
    except ValidationError as error:
        errors = validation_errors(error)
    except EquinetError as error:
        errors = domain_errors(error)
    else:
        return redirect("/provider/profile", flash="provider-profile-saved")
    return render(
        request,
        "provider/profile.html",
        _common(values=values, errors=errors, provider=account.provider),
        status_code=422,
    )
