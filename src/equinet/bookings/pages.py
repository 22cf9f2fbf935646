"""The booking pages: the booking flow (service → day → time → horse → confirm) and the
customer's own bookings (cancel, pay, receipt, review).

The flow shows only what the slot engine offers (`availability.service.day_view`, the same
call as `GET /api/providers/{id}/availability`) and books through `bookings.service`, so the
page and the API accept and refuse exactly the same times. When a time is taken in between
(another customer was quicker), the page says so and shows the next free times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from equinet.availability import service as availability
from equinet.availability.exceptions import SlotUnavailable
from equinet.availability.schemas import DayAvailabilityOut, SlotOut
from equinet.availability.slots import stable_of
from equinet.bookings import service
from equinet.bookings.exceptions import HorseAlreadyBooked, HorseNotFound
from equinet.bookings.schemas import CreateBookingIn, UpdateBookingIn
from equinet.db.session import DbSession
from equinet.kit.dates import today_local
from equinet.kit.errors import Conflict, EquinetError
from equinet.kit.i18n import gettext, mark
from equinet.kit.pagination import PageRequest
from equinet.kit.rate_limit_routes import limit_route
from equinet.models import User
from equinet.payments import service as payments
from equinet.payments.gateway import gateway_for
from equinet.providers import service as providers
from equinet.providers.schemas import ProviderDetail, ServiceDetail
from equinet.reviews import service as reviews
from equinet.reviews.schemas import CreateReviewIn
from equinet.settings import Settings, settings_of
from equinet.web.context import CurrentVisitor, PageCustomer, redirect
from equinet.web.forms import FORM, FormInvalid, attempt, domain_errors, parse, submitted, values_of
from equinet.web.pages import page_router
from equinet.web.templating import render

router = page_router()

limit_route("POST", "/providers/{provider_id}/book", "booking")

WEEK = 7
NEXT_FREE = 6
SHOWN_INPUTS = ("horseId", "horseName", "horseInfo", "customerNotes")
RACE_CODES = ("OVERLAP", "INSUFFICIENT_TRAVEL_TIME")
TAKEN = mark("Tiden hann bokas av någon annan. Välj en av de lediga tiderna nedan.")
STATUS_LABELS = {
    "pending": mark("Väntar på bekräftelse"),
    "confirmed": mark("Bekräftad"),
    "cancelled": mark("Avbokad"),
    "completed": mark("Genomförd"),
}
BOOKING_FIELDS = (
    "service", "day", "start", "horseId", "horseName", "horseInfo", "customerNotes"
)  # fmt: skip


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass
class Picker:
    """What the booking flow shows: the chosen service, the week strip and the day's times."""

    provider: ProviderDetail
    service: ServiceDetail | None
    week_start: date
    days: list[tuple[date, bool]] = field(default_factory=list)
    day: date | None = None
    view: DayAvailabilityOut | None = None
    start: str | None = None
    next_free: list[tuple[date, SlotOut]] = field(default_factory=list)
    horses: list[Any] = field(default_factory=list)

    @property
    def free_slots(self) -> list[SlotOut]:
        return [slot for slot in self.view.slots if slot.is_available] if self.view else []

    @property
    def hidden_reasons(self) -> set[str]:
        if self.view is None:
            return set()
        return {s.unavailable_reason for s in self.view.slots if s.unavailable_reason} - {"past"}

    def url(self, **changes: Any) -> str:
        params: dict[str, str] = {}
        if self.service:
            params["service"] = self.service.id
        params["from"] = self.week_start.isoformat()
        if self.day:
            params["day"] = self.day.isoformat()
        for key, value in changes.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value.isoformat() if isinstance(value, date) else str(value)
        return f"/providers/{self.provider.id}/book?{urlencode(params)}"


async def _day(
    db: DbSession, settings: Settings, picker: Picker, day: date, customer: User | None
) -> DayAvailabilityOut:
    assert picker.service is not None
    stable = stable_of(customer) if customer is not None else None
    return await availability.day_view(
        db,
        settings,
        picker.provider.id,
        day=day.isoformat(),
        service_id=picker.service.id,
        service_duration=None,
        latitude=str(stable.latitude) if stable else None,
        longitude=str(stable.longitude) if stable else None,
    )


async def _picker(
    db: DbSession,
    settings: Settings,
    provider_id: str,
    customer: User | None,
    *,
    service_id: str | None,
    week_from: str | None,
    day: str | None,
    start: str | None,
) -> Picker:
    provider = await providers.provider_detail(db, provider_id)
    chosen = next((s for s in provider.services if s.id == service_id), None)
    if chosen is None and len(provider.services) == 1:
        chosen = provider.services[0]
    today = today_local()
    wanted_day = _date(day)
    week_start = max(today, _date(week_from) or wanted_day or today)
    if wanted_day and not week_start <= wanted_day < week_start + timedelta(days=WEEK):
        week_start = max(today, wanted_day)
    picker = Picker(provider=provider, service=chosen, week_start=week_start)
    if chosen is None:
        return picker
    views: dict[date, DayAvailabilityOut] = {}
    for offset in range(WEEK):
        current = week_start + timedelta(days=offset)
        views[current] = await _day(db, settings, picker, current, customer)
        picker.days.append((current, any(s.is_available for s in views[current].slots)))
    if wanted_day in views:
        picker.day = wanted_day
    else:
        picker.day = next((d for d, free in picker.days if free), None)
    if picker.day is not None:
        picker.view = views[picker.day]
        if start and any(s.start_time == start for s in picker.free_slots):
            picker.start = start
            if customer is not None:
                picker.horses = await service.own_horses(db, customer.id)
    for current, view in views.items():
        if picker.day and current < picker.day:
            continue
        for slot in view.slots:
            if slot.is_available and len(picker.next_free) < NEXT_FREE:
                picker.next_free.append((current, slot))
    return picker


def _context(picker: Picker, settings: Settings, **extra: Any) -> dict[str, Any]:
    return {
        "buffer_minutes": settings.booking_min_buffer_minutes,
        "notice_minutes": settings.booking_min_notice_minutes,
        "picker": picker,
        "provider": picker.provider,
        "values": {},
        "errors": {},
        "today": today_local(),
        "week": timedelta(days=WEEK),
        **extra,
    }


@router.get("/providers/{provider_id}/book", response_class=HTMLResponse)
async def booking_flow(
    request: Request,
    provider_id: str,
    db: DbSession,
    visitor: CurrentVisitor,
    service: str | None = None,
    day: str | None = None,
    start: str | None = None,
    fragment: str | None = None,
) -> HTMLResponse:
    week_from = request.query_params.get("from")
    picker = await _picker(
        db, settings_of(request), provider_id, visitor.user,
        service_id=service, week_from=week_from, day=day, start=start,
    )  # fmt: skip
    context = _context(picker, settings_of(request))
    if start and picker.start is None and picker.day is not None:
        context["errors"] = {FORM: gettext("Tiden går inte att boka längre. Välj en annan tid.")}
    name = "bookings/_picker.html" if fragment == "picker" else "bookings/book.html"
    return render(request, name, context)


@router.post("/providers/{provider_id}/book", response_class=HTMLResponse)
async def book(
    request: Request, provider_id: str, db: DbSession, visitor: CurrentVisitor
) -> Response:
    values = values_of(await request.form(), BOOKING_FIELDS)
    back = f"/providers/{provider_id}/book?" + urlencode(
        {k: values[k] for k in ("service", "day", "start") if values.get(k)}
    )
    if visitor.user is None:
        return RedirectResponse(f"/login?{urlencode({'next': back})}", status_code=303)
    settings = settings_of(request)
    body = {
        "providerId": provider_id,
        "serviceId": values.get("service", ""),
        "bookingDate": values.get("day", ""),
        "startTime": values.get("start", ""),
        "horseId": values.get("horseId", ""),
        "horseName": values.get("horseName", ""),
        "horseInfo": values.get("horseInfo", ""),
        "customerNotes": values.get("customerNotes", ""),
    }
    errors: dict[str, str]
    taken = False
    try:
        data = parse(CreateBookingIn, body)
        async with attempt(db):
            await service.create_booking(db, settings, visitor.user, data)
    except FormInvalid as invalid:
        errors = invalid.errors
    except (HorseAlreadyBooked, HorseNotFound) as error:
        errors = domain_errors(error, "horseId")
    except (Conflict, SlotUnavailable) as error:
        # Someone was quicker (or the time fell inside the notice meanwhile): say so and
        # offer the times that are free now.
        taken = True
        lost_race = isinstance(error, Conflict) or error.code in RACE_CODES
        errors = {FORM: gettext(TAKEN) if lost_race else gettext(error.message)}
    except EquinetError as error:
        errors = domain_errors(error)
    else:
        return redirect("/my/bookings", flash="booked")
    # A message about an input the confirm step does not show (a date, a time) goes on top.
    errors = {name if name in SHOWN_INPUTS else FORM: text for name, text in errors.items()}
    picker = await _picker(
        db, settings, provider_id, visitor.user,
        service_id=values.get("service"), week_from=None, day=values.get("day"),
        start=None if taken else values.get("start"),
    )  # fmt: skip
    kept = {name: values.get(name, "") for name in SHOWN_INPUTS}
    context = _context(picker, settings, values=kept, errors=errors, taken=taken)
    return render(request, "bookings/book.html", context, status_code=409 if taken else 422)


# --- my bookings ------------------------------------------------------------------------------


def _split(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    today = today_local().isoformat()
    upcoming = [
        r for r in rows if r["bookingDate"] >= today and r["status"] in ("pending", "confirmed")
    ]
    past = [r for r in rows if r not in upcoming]
    upcoming.sort(key=lambda r: (r["bookingDate"], r["startTime"]))
    past.sort(key=lambda r: (r["bookingDate"], r["startTime"]), reverse=True)
    return upcoming, past


async def _my_bookings(
    request: Request,
    db: DbSession,
    user: User,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows, _more = await service.list_bookings(
        db,
        service.Actor(user, None),
        statuses=[],
        date_from=None,
        date_to=None,
        page=PageRequest(limit=100, offset=0),
    )
    upcoming, past = _split([dict(row) for row in rows])
    return render(
        request,
        "bookings/mine.html",
        {
            "upcoming": upcoming,
            "past": past,
            "booking_errors": errors or {},
            "booking_values": values or {},
            "status_labels": STATUS_LABELS,
        },
        status_code=status_code,
    )


@router.get("/my/bookings", response_class=HTMLResponse)
async def my_bookings(request: Request, db: DbSession, user: PageCustomer) -> HTMLResponse:
    return await _my_bookings(request, db, user)


@router.post("/my/bookings/{booking_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, booking_id: str, db: DbSession, user: PageCustomer) -> Response:
    values = values_of(await request.form(), ("cancellationMessage",))

    async def cancel_booking() -> Response:
        data = parse(UpdateBookingIn, {"status": "cancelled", **values})
        await service.update_status(db, settings_of(request), user, None, booking_id, data)
        return redirect("/my/bookings", flash="cancelled")

    outcome = await submitted(db, cancel_booking)
    if isinstance(outcome, Response):
        return outcome
    return await _my_bookings(
        request, db, user, errors={booking_id: outcome}, values={booking_id: values},
        status_code=422,
    )  # fmt: skip


@router.post("/my/bookings/{booking_id}/pay", response_class=HTMLResponse)
async def pay(request: Request, booking_id: str, db: DbSession, user: PageCustomer) -> Response:
    settings = settings_of(request)
    try:
        # Not in a savepoint: the payment commits its pending record before the gateway call.
        await payments.pay(db, settings, gateway_for(settings), user.id, booking_id)
    except EquinetError as error:
        if error.status_code == 404:
            raise
        return await _my_bookings(
            request, db, user, errors={booking_id: domain_errors(error)}, status_code=422
        )
    return redirect("/my/bookings", flash="paid")


@router.post("/my/bookings/{booking_id}/review", response_class=HTMLResponse)
async def review(request: Request, booking_id: str, db: DbSession, user: PageCustomer) -> Response:
    values = values_of(await request.form(), ("rating", "comment"))
    rating: Any = values.get("rating", "")
    body = {
        "bookingId": booking_id,
        **values,
        "rating": int(rating) if rating.isdigit() else rating,
    }

    async def review_booking() -> Response:
        await reviews.create(db, user, parse(CreateReviewIn, body))
        return redirect("/my/bookings", flash="reviewed")

    outcome = await submitted(db, review_booking)
    if isinstance(outcome, Response):
        return outcome
    return await _my_bookings(
        request, db, user, errors={booking_id: outcome}, values={booking_id: values},
        status_code=422,
    )  # fmt: skip
