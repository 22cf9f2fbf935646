"""Booking routes and the provider's customer tools."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from equinet.accounts.dependencies import CurrentUser, Forbidden
from equinet.availability.exceptions import SlotUnavailable
from equinet.bookings import idempotency, repository, service
from equinet.bookings.exceptions import (
    BookingExists,
    BookingNotDeletable,
    BookingNotFound,
    ConcurrentStatusChange,
    CustomerEmailTaken,
    CustomerNotFound,
    HorseAlreadyBooked,
    HorseNotFound,
    IdempotencyKeyReused,
    InactiveProvider,
    InactiveService,
    InvalidIdempotencyKey,
    InvalidRouteOrder,
    InvalidStatusFilter,
    InvalidStatusTransition,
    InvalidTimes,
    PastDate,
    QueryTooShort,
    SelfBooking,
    ServiceProviderMismatch,
)
from equinet.bookings.schemas import (
    BookingDeleted,
    CreateBookingIn,
    CreatedBookingOut,
    CustomerBookingOut,
    CustomerHorseOut,
    CustomerSearchHit,
    ManualBookingIn,
    ProviderBookingOut,
    UpdateBookingIn,
    UpdatedBookingOut,
)
from equinet.db.session import DbSession
from equinet.kit.dates import InvalidDate, parse_date
from equinet.kit.errors import errors
from equinet.kit.pagination import PageRequest, page_headers, paginated
from equinet.kit.rate_limit_routes import limit_route
from equinet.models import Provider
from equinet.providers.exceptions import ProviderNotFound
from equinet.providers.service import provider_of_caller
from equinet.settings import settings_of

router = APIRouter(prefix="/api/bookings", tags=["bookings"])
customers_router = APIRouter(prefix="/api/customers", tags=["customers"])

limit_route("GET", "/api/bookings", "api")
limit_route("POST", "/api/bookings", "booking")
limit_route("POST", "/api/bookings/manual", "booking")
limit_route("GET", "/api/customers/search", "api")
limit_route("GET", "/api/customers/{customer_id}/horses", "api")

_SEARCH_STRIP = re.compile(r"['\";\\%*]")


def _provider_only(message: str) -> Any:
    async def dependency(user: CurrentUser, db: DbSession) -> Provider:
        if user.user_type != "provider":
            raise Forbidden(message)
        provider = await provider_of_caller(db, user)
        assert provider is not None
        return provider

    return dependency


ManualBookingProvider = Annotated[
    Provider, Depends(_provider_only("Bara leverantörer kan skapa manuella bokningar"))
]


def _statuses(raw: list[str] | None) -> list[str]:
    allowed = {"pending", "confirmed", "cancelled", "completed"}
    found = [part.strip() for value in raw or [] for part in value.split(",") if part.strip()]
    unknown = [s for s in found if s not in allowed]
    if unknown:
        raise InvalidStatusFilter(values={"status": unknown[0]})
    return found


# The list's JSON exactly as FastAPI's response_model path writes it (pydantic's dump_json),
# without first validating (copying) every row's dict: the rows are built right here.
_BOOKING_LIST = TypeAdapter(list[dict[str, Any]])


@router.get(
    "",
    response_model=list[ProviderBookingOut] | list[CustomerBookingOut],
    description="A provider gets its bookings (ProviderBookingOut), a customer theirs "
    "(CustomerBookingOut).",
    responses=errors(InvalidStatusFilter, InvalidDate, ProviderNotFound),
)
async def list_bookings(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    page: Annotated[PageRequest, Depends(paginated(default=100, cap=100))],
    status: Annotated[list[str] | None, Query(description="e.g. pending,confirmed")] = None,
    date_from: Annotated[str | None, Query(alias="from", description="YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, Query(alias="to", description="YYYY-MM-DD")] = None,
) -> Response:
    provider = await provider_of_caller(db, user)
    actor = service.Actor(user, provider.id if provider else None)
    first: date | None = parse_date(date_from) if date_from else None
    last: date | None = parse_date(date_to) if date_to else None
    rows, has_more = await service.list_bookings(
        db, actor, statuses=_statuses(status), date_from=first, date_to=last, page=page
    )
    response = Response(_BOOKING_LIST.dump_json(rows, by_alias=True), media_type="application/json")
    page_headers(response, request, page, has_more)
    return response


@router.post(
    "",
    response_model=CreatedBookingOut,
    status_code=201,
    responses=errors(
        PastDate,
        InactiveService,
        ServiceProviderMismatch,
        InactiveProvider,
        SelfBooking,
        InvalidTimes,
        InvalidRouteOrder,
        HorseNotFound,
        HorseAlreadyBooked,
        BookingExists,
        SlotUnavailable,
        IdempotencyKeyReused,
        InvalidIdempotencyKey,
    ),
)
async def create_booking(
    request: Request,
    db: DbSession,
    user: CurrentUser,
    body: CreateBookingIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response:
    if idempotency_key is not None:
        fingerprint = idempotency.request_hash(
            body.model_dump(mode="json", by_alias=True, exclude_unset=True)
        )
        stored = await idempotency.claim(db, user.id, idempotency_key, fingerprint)
        if stored is not None:
            return JSONResponse(
                stored.body,
                status_code=stored.status_code,
                headers={"Idempotent-Replayed": "true"},
            )
    created = await service.create_booking(db, settings_of(request), user, body)
    if idempotency_key is not None:
        await idempotency.remember(db, user.id, idempotency_key, 201, created)
    return JSONResponse(created, status_code=201)


@router.post(
    "/manual",
    response_model=CreatedBookingOut,
    status_code=201,
    responses=errors(
        PastDate,
        InactiveService,
        InvalidTimes,
        HorseNotFound,
        BookingExists,
        SlotUnavailable,
        CustomerNotFound,
        CustomerEmailTaken,
        ProviderNotFound,
    ),
)
async def create_manual_booking(
    request: Request, db: DbSession, provider: ManualBookingProvider, body: ManualBookingIn
) -> dict[str, Any]:
    return await service.create_manual_booking(db, settings_of(request), provider, body)


@router.put(
    "/{booking_id}",
    response_model=UpdatedBookingOut,
    responses=errors(
        BookingNotFound, InvalidStatusTransition, ConcurrentStatusChange, ProviderNotFound
    ),
)
async def update_booking(
    request: Request, db: DbSession, user: CurrentUser, booking_id: str, body: UpdateBookingIn
) -> dict[str, Any]:
    provider = await provider_of_caller(db, user)
    return await service.update_status(db, settings_of(request), user, provider, booking_id, body)


@router.delete(
    "/{booking_id}",
    response_model=BookingDeleted,
    responses=errors(BookingNotFound, BookingNotDeletable, ProviderNotFound),
)
async def delete_booking(db: DbSession, user: CurrentUser, booking_id: str) -> BookingDeleted:
    provider = await provider_of_caller(db, user)
    await service.delete_booking(db, user, provider, booking_id)
    return BookingDeleted(message="Booking deleted")


SearchingProvider = Annotated[
    Provider, Depends(_provider_only("Bara leverantörer kan söka kunder"))
]
HorseViewingProvider = Annotated[
    Provider, Depends(_provider_only("Bara leverantörer kan se kunders hästar"))
]


def sanitize_search_query(value: str) -> str:
    """The original's `sanitizeSearchQuery`."""
    return " ".join(_SEARCH_STRIP.sub("", value.strip())[:100].split())


@customers_router.get(
    "/search",
    response_model=list[CustomerSearchHit],
    responses=errors(QueryTooShort, ProviderNotFound),
)
async def search_customers(
    db: DbSession, provider: SearchingProvider, q: str | None = None
) -> list[dict[str, Any]]:
    query = sanitize_search_query(q or "")
    if len(query) < 2:
        raise QueryTooShort()
    rows = await repository.search_customers(db, provider.id, query)
    return [
        {"id": r.id, "firstName": r.first_name, "lastName": r.last_name, "email": r.email,
         "phone": r.phone}
        for r in rows
    ]  # fmt: skip


@customers_router.get(
    "/{customer_id}/horses",
    response_model=list[CustomerHorseOut],
    responses=errors(CustomerNotFound, ProviderNotFound),
)
async def customer_horses(
    request: Request,
    response: Response,
    db: DbSession,
    provider: HorseViewingProvider,
    customer_id: str,
    page: Annotated[PageRequest, Depends(paginated(default=100, cap=100))],
) -> list[dict[str, Any]]:
    # 404, not the original's 403: whether a stranger exists is not the provider's business.
    if not await repository.is_related(db, provider.id, customer_id):
        raise CustomerNotFound()
    rows, has_more = page.cut(
        await repository.active_horses(db, customer_id, limit=page.fetch, offset=page.offset)
    )
    page_headers(response, request, page, has_more)
    return [
        {"id": r.id, "name": r.name, "breed": r.breed, "birthYear": r.birth_year,
         "gender": r.gender}
        for r in rows
    ]  # fmt: skip
