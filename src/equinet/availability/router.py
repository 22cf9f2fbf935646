"""`/api/providers/{id}/availability…`: the public day view, the week and date exceptions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from equinet.accounts.dependencies import CurrentProvider, get_active_session
from equinet.availability import service
from equinet.availability.schemas import (
    DayAvailabilityOut,
    ExceptionDeleted,
    ExceptionIn,
    ExceptionOut,
    ScheduleIn,
    WeeklyHoursOut,
)
from equinet.availability.service import (
    ExceptionNotFound,
    InvalidAvailabilityQuery,
    InvalidException,
    InvalidSchedule,
    ServiceNotFound,
)
from equinet.availability.slots import stable_of
from equinet.db.session import DbSession
from equinet.kit.dates import InvalidDate
from equinet.kit.errors import errors
from equinet.kit.pagination import PageRequest, page_headers, paginated
from equinet.kit.rate_limit_routes import limit_route
from equinet.providers.exceptions import ProviderNotFound

router = APIRouter(prefix="/api/providers/{provider_id}", tags=["availability"])

limit_route("GET", "/api/providers/{provider_id}/availability", "api")
limit_route("POST", "/api/providers/{provider_id}/availability-exceptions", "profileUpdate")
limit_route(
    "DELETE", "/api/providers/{provider_id}/availability-exceptions/{date}", "profileUpdate"
)

OptionalText = Annotated[str | None, Query()]


@router.get(
    "/availability",
    summary="Bookable slots of one date (public)",
    responses=errors(ProviderNotFound, ServiceNotFound, InvalidAvailabilityQuery, InvalidDate),
)
async def day_availability(
    provider_id: str,
    request: Request,
    db: DbSession,
    date: OptionalText = None,
    service_id: Annotated[str | None, Query(alias="serviceId")] = None,
    service_duration: Annotated[str | None, Query(alias="serviceDuration")] = None,
    lat: OptionalText = None,
    lng: OptionalText = None,
) -> DayAvailabilityOut:
    if lat is None and lng is None:
        # A signed-in customer is offered only slots their booking would pass: travel time
        # from their own stable, as POST /api/bookings measures it. Anonymous: no session read.
        active = await get_active_session(request, db)
        customer = active.user if active is not None else None
        stable = stable_of(customer) if customer and customer.user_type == "customer" else None
        if stable is not None:
            lat, lng = str(stable.latitude), str(stable.longitude)
    return await service.day_view(
        db,
        request.app.state.settings,
        provider_id,
        day=date,
        service_id=service_id,
        service_duration=service_duration,
        latitude=lat,
        longitude=lng,
    )


@router.get(
    "/availability-schedule",
    summary="The provider's weekly hours (public)",
    responses=errors(ProviderNotFound),
)
async def weekly_schedule(provider_id: str, db: DbSession) -> list[WeeklyHoursOut]:
    rows = await service.weekly_schedule(db, provider_id)
    return [WeeklyHoursOut.model_validate(row) for row in rows]


@router.put(
    "/availability-schedule",
    summary="Replace my whole week at once",
    responses=errors(ProviderNotFound, InvalidSchedule),
)
async def replace_schedule(
    provider_id: str, account: CurrentProvider, db: DbSession, body: ScheduleIn
) -> list[WeeklyHoursOut]:
    rows = await service.replace_schedule(db, account, provider_id, body)
    return [WeeklyHoursOut.model_validate(row) for row in rows]


@router.get(
    "/availability-exceptions",
    summary="Date exceptions in a range (public)",
    responses=errors(ProviderNotFound, InvalidAvailabilityQuery),
)
async def list_exceptions(
    provider_id: str,
    request: Request,
    response: Response,
    db: DbSession,
    page: Annotated[PageRequest, Depends(paginated(default=100, cap=366))],
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: OptionalText = None,
) -> list[ExceptionOut]:
    rows, has_more = await service.exceptions_between(db, provider_id, from_, to, page)
    page_headers(response, request, page, has_more)
    return [ExceptionOut.model_validate(row) for row in rows]


@router.post(
    "/availability-exceptions",
    status_code=status.HTTP_201_CREATED,
    summary="Close a date or set other hours for it (an upsert: 201 whether new or replaced)",
    responses=errors(ProviderNotFound, InvalidException, InvalidDate),
)
async def save_exception(
    provider_id: str, account: CurrentProvider, db: DbSession, body: ExceptionIn
) -> ExceptionOut:
    # 201 for a replaced exception too, as the original answers, so that its
    # clients see the status they expect.
    saved, _created = await service.save_exception(db, account, provider_id, body)
    return ExceptionOut.model_validate(saved)


@router.get(
    "/availability-exceptions/{date}",
    summary="The exception of one date (public)",
    responses=errors(ExceptionNotFound, InvalidDate),
)
async def exception_on(provider_id: str, date: str, db: DbSession) -> ExceptionOut:
    return ExceptionOut.model_validate(await service.exception_on(db, provider_id, date))


@router.delete(
    "/availability-exceptions/{date}",
    summary="Remove the exception of a date",
    responses=errors(ProviderNotFound, ExceptionNotFound, InvalidDate),
)
async def delete_exception(
    provider_id: str, date: str, account: CurrentProvider, db: DbSession
) -> ExceptionDeleted:
    removed = await service.remove_exception(db, account, provider_id, date)
    return ExceptionDeleted(date=removed)
