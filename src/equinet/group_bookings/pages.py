"""The group visit pages: a customer opens a group visit at a stable and shares its invite
code, others join by the code (any letter case), members leave and the organiser removes a
participant; a provider sees the open requests in its area and matches one into bookings.

Every page calls `group_bookings.service` exactly as `group_bookings/router.py` does; a
refused match (one participant cannot be booked) books nobody and shows the reason.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from equinet.db.session import DbSession
from equinet.group_bookings import service
from equinet.group_bookings.exceptions import InvalidGroupDates
from equinet.group_bookings.schemas import GroupRequestIn, JoinIn, MatchIn
from equinet.kit.dates import today_local
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import gettext, mark
from equinet.kit.pagination import PageRequest
from equinet.providers import service as providers
from equinet.settings import settings_of
from equinet.web.context import PageCustomer, PageProvider, redirect
from equinet.web.forms import FORM, never, parse, submitted, values_of
from equinet.web.pages import page_router
from equinet.web.places import ADDRESS_HINT, address_refused, point_of_address
from equinet.web.templating import render

# The pages show the first page of each list, as large as the API's cap allows.
_FIRST_PAGE = PageRequest(limit=100, offset=0)

router = page_router()

GROUP_FIELDS = (
    "serviceType", "locationName", "address", "dateFrom", "dateTo", "maxParticipants",
    "numberOfHorses", "horseName", "notes",
)  # fmt: skip
JOIN_FIELDS = ("inviteCode", "numberOfHorses", "horseName", "notes")
MATCH_FIELDS = ("serviceId", "bookingDate", "startTime")
GROUP_STATUS = {
    "open": mark("Öppen"),
    "matched": mark("Bokad"),
    "cancelled": mark("Avbruten"),
    "completed": mark("Genomförd"),
}
PARTICIPANT_STATUS = {
    "joined": mark("Med"),
    "booked": mark("Bokad"),
    "cancelled": mark("Lämnat"),
}


def _number(value: str | None) -> Any:
    if value is None:
        return ""
    return int(value) if value.strip().isdigit() else value


def _labels() -> dict[str, Any]:
    return {"group_status": GROUP_STATUS, "participant_status": PARTICIPANT_STATUS}


# --- the customer's groups ---------------------------------------------------------------------


async def _my_groups(
    request: Request,
    db: DbSession,
    user: Any,
    *,
    join_values: dict[str, str] | None = None,
    join_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    groups, _ = await service.my_groups(db, user, _FIRST_PAGE)
    return render(
        request,
        "group_bookings/mine.html",
        {
            "groups": groups,
            "values": join_values or {"numberOfHorses": "1"},
            "errors": join_errors or {},
            **_labels(),
        },
        status_code=status_code,
    )


@router.get("/customer/group-bookings", response_class=HTMLResponse)
async def my_groups(request: Request, db: DbSession, user: PageCustomer) -> HTMLResponse:
    return await _my_groups(request, db, user)


def _group_form(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "group_bookings/new.html",
        {"values": values, "errors": errors},
        status_code=status_code,
    )


@router.get("/customer/group-bookings/new", response_class=HTMLResponse)
async def new_group(request: Request, user: PageCustomer) -> HTMLResponse:
    start = today_local() + timedelta(days=3)
    values = {
        "dateFrom": start.isoformat(),
        "dateTo": (start + timedelta(days=7)).isoformat(),
        "maxParticipants": "6",
        "numberOfHorses": "1",
    }
    return _group_form(request, values, {})


@router.post("/customer/group-bookings", response_class=HTMLResponse)
async def create_group(request: Request, db: DbSession, user: PageCustomer) -> Response:
    values = values_of(await request.form(), GROUP_FIELDS)
    body: dict[str, Any] = {
        **values,
        "maxParticipants": _number(values.get("maxParticipants")),
        "numberOfHorses": _number(values.get("numberOfHorses")),
    }
    point = point_of_address(values.get("address", ""))
    if point is not None:
        body["latitude"], body["longitude"] = point

    async def create() -> Response:
        with address_refused("address", gettext(ADDRESS_HINT)):
            group = await service.create_group(db, user, parse(GroupRequestIn, body))
        return redirect(f"/customer/group-bookings/{group['id']}", flash="group-created")

    outcome = await submitted(
        db, create, field=lambda error: "dateFrom" if isinstance(error, InvalidGroupDates) else FORM,
        raises=never,
    )  # fmt: skip
    if isinstance(outcome, Response):
        return outcome
    return _group_form(request, values, outcome, status_code=422)


@router.post("/customer/group-bookings/join", response_class=HTMLResponse)
async def join(request: Request, db: DbSession, user: PageCustomer) -> Response:
    values = values_of(await request.form(), JOIN_FIELDS)
    body = {**values, "numberOfHorses": _number(values.get("numberOfHorses"))}

    async def join_group() -> Response:
        joined = await service.join(db, user, parse(JoinIn, body))
        target = f"/customer/group-bookings/{joined['groupBookingRequestId']}"
        return redirect(target, flash="group-joined")

    # An unknown invite code is a 404 from the service, and a message beside the code here.
    outcome = await submitted(db, join_group, field="inviteCode", raises=never)
    if isinstance(outcome, Response):
        return outcome
    return await _my_groups(request, db, user, join_values=values, join_errors=outcome,
                            status_code=422)  # fmt: skip


@router.get("/customer/group-bookings/{group_id}", response_class=HTMLResponse)
async def group_page(
    request: Request, group_id: str, db: DbSession, user: PageCustomer
) -> HTMLResponse:
    group = await service.group_detail(db, user, None, group_id)
    return render(request, "group_bookings/group.html", {"group": group, **_labels()})


@router.post("/customer/group-bookings/{group_id}/participants/{participant_id}/remove")
async def remove_participant(
    group_id: str, participant_id: str, db: DbSession, user: PageCustomer
) -> Response:
    group = await service.group_detail(db, user, None, group_id)
    leaving = any(
        p["id"] == participant_id and p["userId"] == user.id for p in group["participants"]
    )
    await service.remove_participant(db, user, group_id, participant_id)
    if leaving:
        return redirect("/customer/group-bookings", flash="group-left")
    return redirect(f"/customer/group-bookings/{group_id}", flash="participant-removed")


@router.get("/customer/bookings")
async def customer_bookings(user: PageCustomer) -> Response:
    """Where the "matched" notification (and the reminders) link: the customer's bookings."""
    return redirect("/my/bookings")


# --- the provider's side -----------------------------------------------------------------------


@router.get("/provider/group-bookings", response_class=HTMLResponse)
async def available(request: Request, db: DbSession, account: PageProvider) -> HTMLResponse:
    groups: list[dict[str, Any]] = []
    problem = None
    try:
        groups, _ = await service.available_groups(db, account.provider, _FIRST_PAGE)
    except EquinetError as error:
        problem = gettext(error.message)
    return render(request, "group_bookings/available.html", {"groups": groups, "problem": problem})


async def _match_page(
    request: Request,
    db: DbSession,
    account: Any,
    group_id: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    group = await service.group_detail(db, account.user, account.provider, group_id)
    detail = await providers.provider_detail(db, account.provider.id)
    default = {"bookingDate": group["dateFrom"], "startTime": "09:00"}
    if detail.services:
        default["serviceId"] = next(
            (s.id for s in detail.services if s.name.lower() == group["serviceType"].lower()),
            detail.services[0].id,
        )
    return render(
        request,
        "group_bookings/match.html",
        {
            "group": group,
            "services": detail.services,
            "values": values or default,
            "errors": errors or {},
            **_labels(),
        },
        status_code=status_code,
    )


@router.get("/provider/group-bookings/{group_id}", response_class=HTMLResponse)
async def match_page(
    request: Request, group_id: str, db: DbSession, account: PageProvider
) -> HTMLResponse:
    return await _match_page(request, db, account, group_id)


@router.post("/provider/group-bookings/{group_id}/match", response_class=HTMLResponse)
async def match(request: Request, group_id: str, db: DbSession, account: PageProvider) -> Response:
    values = values_of(await request.form(), MATCH_FIELDS)

    async def match_group() -> Response:
        await service.match(db, settings_of(request), account, group_id, parse(MatchIn, values))
        return redirect("/provider/group-bookings", flash="group-matched")

    outcome = await submitted(
        db, match_group,
        raises=lambda error: error.code in ("GROUP_NOT_OPEN", "GROUP_BOOKING_NOT_FOUND"),
    )  # fmt: skip
    if isinstance(outcome, Response):
        return outcome
    return await _match_page(request, db, account, group_id, values, outcome, status_code=422)
