"""All SQL of bookings: one joined Core select for reads (no N+1), owner-scoped writes, and
the store of `Idempotency-Key`s."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from equinet.bookings.status_machine import ACTIVE_STATUSES
from equinet.db.base import new_uuid, utcnow
from equinet.kit.dates import booking_date_column
from equinet.models import (
    Booking,
    Horse,
    IdempotencyKey,
    Payment,
    Provider,
    Review,
    RouteOrder,
    Service,
    User,
)

Customer = aliased(User, name="customer")
ProviderUser = aliased(User, name="provider_user")

_BOOKING_COLUMNS = (
    Booking.id.label("id"),
    Booking.customer_id.label("customer_id"),
    Booking.provider_id.label("provider_id"),
    Booking.service_id.label("service_id"),
    Booking.booking_date.label("booking_date"),
    Booking.start_time.label("start_time"),
    Booking.end_time.label("end_time"),
    Booking.status.label("status"),
    Booking.horse_id.label("horse_id"),
    Booking.horse_name.label("horse_name"),
    Booking.horse_info.label("horse_info"),
    Booking.customer_notes.label("customer_notes"),
    Booking.cancellation_message.label("cancellation_message"),
    Booking.is_manual_booking.label("is_manual_booking"),
    Booking.created_by_provider_id.label("created_by_provider_id"),
    Booking.route_order_id.label("route_order_id"),
    Booking.travel_time_minutes.label("travel_time_minutes"),
    Booking.price_at_booking.label("price_at_booking"),
    Booking.created_at.label("created_at"),
    Booking.updated_at.label("updated_at"),
    Customer.first_name.label("customer_first_name"),
    Customer.last_name.label("customer_last_name"),
    Customer.email.label("customer_email"),
    Customer.phone.label("customer_phone"),
    Customer.is_manual_customer.label("customer_is_manual"),
    Service.name.label("service_name"),
    Service.description.label("service_description"),
    Service.price.label("service_price"),
    Service.duration_minutes.label("service_duration_minutes"),
    Provider.business_name.label("provider_business_name"),
    Provider.user_id.label("provider_user_id"),
    ProviderUser.first_name.label("provider_first_name"),
    ProviderUser.last_name.label("provider_last_name"),
    Horse.name.label("horse_rel_name"),
    Horse.breed.label("horse_breed"),
    Horse.gender.label("horse_gender"),
    Payment.id.label("payment_id"),
    Payment.status.label("payment_status"),
    Payment.amount.label("payment_amount"),
    Payment.currency.label("payment_currency"),
    Payment.paid_at.label("payment_paid_at"),
    Payment.invoice_number.label("payment_invoice_number"),
    Payment.invoice_url.label("payment_invoice_url"),
    Review.id.label("review_id"),
    Review.rating.label("review_rating"),
    Review.comment.label("review_comment"),
    Review.reply.label("review_reply"),
    Review.replied_at.label("review_replied_at"),
)


def booking_with_parties(*columns: Any) -> Any:
    """`columns` of a booking joined to its customer, service, provider (and provider user),
    horse and payment: the one FROM clause that bookings and payments read through."""
    return (
        select(*columns)
        .select_from(Booking)
        .join(Customer, Customer.id == Booking.customer_id)
        .join(Service, Service.id == Booking.service_id)
        .join(Provider, Provider.id == Booking.provider_id)
        .join(ProviderUser, ProviderUser.id == Provider.user_id)
        .outerjoin(Horse, Horse.id == Booking.horse_id)
        .outerjoin(Payment, Payment.booking_id == Booking.id)
    )


def _detail_select() -> Any:
    return booking_with_parties(*_BOOKING_COLUMNS).outerjoin(
        Review, Review.booking_id == Booking.id
    )


async def booking_detail(db: AsyncSession, booking_id: str) -> Any:
    return (await db.execute(_detail_select().where(Booking.id == booking_id))).first()


def _build_list_statement(
    provider_id: Any,
    customer_id: Any,
    statuses: Any,
    date_from: Any,
    date_to: Any,
    limit: Any,
    offset: Any,
) -> Select[Any]:
    """The booking list's statement; each filter is a value, a bind parameter or None (off)."""
    statement = _detail_select()
    if provider_id is not None:
        statement = statement.where(Booking.provider_id == provider_id)
    if customer_id is not None:
        statement = statement.where(Booking.customer_id == customer_id)
    if statuses is not None:
        statement = statement.where(Booking.status.in_(statuses))
    if date_from is not None:
        statement = statement.where(Booking.booking_date >= date_from)
    if date_to is not None:
        statement = statement.where(Booking.booking_date <= date_to)
    statement = statement.order_by(
        Booking.booking_date.desc(), Booking.start_time.desc(), Booking.id
    ).offset(offset)
    if limit is not None:
        statement = statement.limit(limit)
    return statement  # type: ignore[no-any-return]


@functools.cache
def list_bookings_shape(
    provider: bool, customer: bool, statuses: bool, date_from: bool, date_to: bool, limit: bool
) -> Select[Any]:
    """The booking list's statement for one combination of filters, built once per process;
    every value is a bound parameter (`_list_shape_and_parameters`)."""

    def param(on: bool, name: str, **kw: Any) -> Any:
        return bindparam(name, **kw) if on else None

    return _build_list_statement(
        param(provider, "provider_id"),
        param(customer, "customer_id"),
        param(statuses, "statuses", expanding=True),
        param(date_from, "date_from"),
        param(date_to, "date_to"),
        param(limit, "limit", type_=Integer()),
        bindparam("offset", type_=Integer()),
    )


def _list_shape_and_parameters(
    *,
    provider_id: str | None,
    customer_id: str | None,
    statuses: Sequence[str],
    date_from: date | None,
    date_to: date | None,
    limit: int | None,
    offset: int,
) -> tuple[Select[Any], dict[str, Any]]:
    values: dict[str, Any] = {"offset": offset}
    if provider_id is not None:
        values["provider_id"] = provider_id
    if customer_id is not None:
        values["customer_id"] = customer_id
    if statuses:
        values["statuses"] = list(statuses)
    if date_from is not None:
        values["date_from"] = booking_date_column(date_from)
    if date_to is not None:
        values["date_to"] = booking_date_column(date_to)
    if limit is not None:
        values["limit"] = limit
    shape = list_bookings_shape(
        provider_id is not None,
        customer_id is not None,
        bool(statuses),
        date_from is not None,
        date_to is not None,
        limit is not None,
    )
    return shape, values


def list_bookings_statement(
    *,
    provider_id: str | None = None,
    customer_id: str | None = None,
    statuses: Sequence[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Any:
    """The booking list's statement with these values in it: the SQL `list_bookings` sends
    (what `equinet db explain` plans as bookings.*)."""
    return _build_list_statement(
        provider_id,
        customer_id,
        list(statuses) if statuses else None,
        booking_date_column(date_from) if date_from is not None else None,
        booking_date_column(date_to) if date_to is not None else None,
        limit,
        offset,
    )


async def list_bookings(
    db: AsyncSession,
    *,
    provider_id: str | None = None,
    customer_id: str | None = None,
    statuses: Sequence[str] = (),
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Sequence[Any]:
    shape, values = _list_shape_and_parameters(
        provider_id=provider_id,
        customer_id=customer_id,
        statuses=statuses,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    # Core on the session's connection: the rows are plain tuples, so the ORM's result
    # machinery (per-row loading) is skipped for what can be hundreds of rows.
    connection = await db.connection()
    rows: Sequence[Any] = (await connection.execute(shape, values)).all()
    return rows


async def service_with_provider(db: AsyncSession, service_id: str) -> Any:
    statement = select(
        Service.id,
        Service.provider_id,
        Service.is_active,
        Service.duration_minutes,
        Service.name,
        Service.price,
    ).where(Service.id == service_id)
    return (await db.execute(statement)).first()


_SERVICE_AND_ITS_PROVIDER = (
    select(
        Service.id,
        Service.provider_id,
        Service.is_active,
        Service.duration_minutes,
        Service.name,
        Service.price,
        Provider,
        ProviderUser.first_name.label("provider_first_name"),
        ProviderUser.last_name.label("provider_last_name"),
    )
    .join(Provider, Provider.id == Service.provider_id)
    .join(ProviderUser, ProviderUser.id == Provider.user_id)
    .where(Service.id == bindparam("service_id"))
)


async def service_and_its_provider(db: AsyncSession, service_id: str) -> Any:
    """`service_with_provider`'s columns plus the service's Provider entity and its user's
    name, in one statement (built once per process)."""
    return (await db.execute(_SERVICE_AND_ITS_PROVIDER, {"service_id": service_id})).first()


async def provider(db: AsyncSession, provider_id: str) -> Provider | None:
    return await db.get(Provider, provider_id)


async def route_order(db: AsyncSession, route_order_id: str) -> RouteOrder | None:
    # Only announcements (a RouteOrder with a provider) can carry bookings, as in the original.
    return await db.scalar(
        select(RouteOrder).where(
            RouteOrder.id == route_order_id, RouteOrder.provider_id.is_not(None)
        )
    )


async def owns_active_horse(db: AsyncSession, horse_id: str, owner_id: str) -> bool:
    statement = select(
        exists().where(Horse.id == horse_id, Horse.owner_id == owner_id, Horse.is_active)
    )
    return bool(await db.scalar(statement))


async def horse_busy(
    db: AsyncSession, horse_id: str, day: date, start: str, end: str, exclude_id: str | None
) -> bool:
    condition = and_(
        Booking.horse_id == horse_id,
        Booking.booking_date == booking_date_column(day),
        Booking.status.in_(ACTIVE_STATUSES),
        Booking.start_time < end,
        Booking.end_time > start,
    )
    if exclude_id is not None:
        condition = and_(condition, Booking.id != exclude_id)
    return bool(await db.scalar(select(exists().where(condition))))


# The booking's own columns of `_BOOKING_COLUMNS`, as stored (RETURNING of the insert).
_INSERTED_COLUMNS = tuple(c for c in _BOOKING_COLUMNS if c.element.table is Booking.__table__)


async def insert_booking(db: AsyncSession, values: dict[str, Any]) -> Any:
    """Insert; returns the stored booking's columns (under `_BOOKING_COLUMNS`' names)."""
    now = utcnow()
    statement = (
        insert(Booking)
        .values(id=new_uuid(), created_at=now, updated_at=now, **values)
        .returning(*_INSERTED_COLUMNS)
    )
    return (await db.execute(statement)).one()


async def active_horse(db: AsyncSession, horse_id: str, owner_id: str) -> Any:
    """(name, breed, gender) of the owner's active horse, or None."""
    statement = select(Horse.name, Horse.breed, Horse.gender).where(
        Horse.id == horse_id, Horse.owner_id == owner_id, Horse.is_active
    )
    return (await db.execute(statement)).first()


def _owner_condition(*, provider_id: str | None, customer_id: str | None) -> Any:
    if provider_id is not None:
        return Booking.provider_id == provider_id
    if customer_id is not None:
        return Booking.customer_id == customer_id
    raise ValueError("an owner is required")


async def owned_status(
    db: AsyncSession, booking_id: str, *, provider_id: str | None, customer_id: str | None
) -> str | None:
    statement = select(Booking.status).where(
        Booking.id == booking_id,
        _owner_condition(provider_id=provider_id, customer_id=customer_id),
    )
    status: str | None = await db.scalar(statement)
    return status


async def compare_and_set_status(
    db: AsyncSession,
    booking_id: str,
    *,
    provider_id: str | None,
    customer_id: str | None,
    expected: str,
    target: str,
    cancellation_message: str | None,
) -> bool:
    """Move the booking from `expected` to `target`; False if someone changed it meanwhile."""
    now = utcnow()
    values: dict[str, Any] = {"status": target, "updated_at": now}
    if target == "completed":
        values["completed_at"] = now  # rebooking reminders count from here
    if target == "cancelled":
        values["cancellation_message"] = cancellation_message
    statement = (
        update(Booking)
        .where(
            Booking.id == booking_id,
            _owner_condition(provider_id=provider_id, customer_id=customer_id),
            Booking.status == expected,
        )
        .values(**values)
        .returning(Booking.id)
    )
    return (await db.execute(statement)).first() is not None


async def refund_payment(db: AsyncSession, booking_id: str) -> bool:
    statement = (
        update(Payment)
        .where(Payment.booking_id == booking_id, Payment.status == "succeeded")
        .values(status="refunded", updated_at=utcnow())
        .returning(Payment.id)
    )
    return (await db.execute(statement)).first() is not None


async def delete_unpaid_booking(
    db: AsyncSession, booking_id: str, *, provider_id: str | None, customer_id: str | None
) -> bool:
    """Hard-delete only a pending or cancelled booking that has never been paid."""
    statement = (
        delete(Booking)
        .where(
            Booking.id == booking_id,
            _owner_condition(provider_id=provider_id, customer_id=customer_id),
            Booking.status.in_(("pending", "cancelled")),
            ~exists().where(Payment.booking_id == Booking.id),
        )
        .returning(Booking.id)
    )
    return (await db.execute(statement)).first() is not None


def _has_booked(provider_id: str) -> Any:
    return exists().where(Booking.customer_id == User.id, Booking.provider_id == provider_id)


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_customers(db: AsyncSession, provider_id: str, query: str) -> Sequence[Any]:
    pattern = _like_pattern(query)
    statement = (
        select(User.id, User.first_name, User.last_name, User.email, User.phone)
        .where(
            User.user_type == "customer",
            User.is_manual_customer.is_(False),
            or_(
                User.first_name.ilike(pattern, escape="\\"),
                User.last_name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
            ),
            _has_booked(provider_id),
        )
        .order_by(User.first_name, User.last_name, User.id)
        .limit(10)
    )
    return (await db.execute(statement)).all()


async def related_customer(db: AsyncSession, provider_id: str, customer_id: str) -> User | None:
    """The customer, if they have at least one booking with this provider."""
    statement = select(User).where(
        User.id == customer_id, User.user_type == "customer", _has_booked(provider_id)
    )
    return await db.scalar(statement)


async def user_by_email(db: AsyncSession, email: str) -> User | None:
    return await db.scalar(select(User).where(func.lower(User.email) == email.lower()))


async def is_related(db: AsyncSession, provider_id: str, user_id: str) -> bool:
    statement = select(
        exists().where(Booking.customer_id == user_id, Booking.provider_id == provider_id)
    )
    return bool(await db.scalar(statement))


async def active_horses(
    db: AsyncSession, owner_id: str, *, limit: int | None = None, offset: int = 0
) -> Sequence[Any]:
    statement = (
        select(Horse.id, Horse.name, Horse.breed, Horse.birth_year, Horse.gender)
        .where(Horse.owner_id == owner_id, Horse.is_active)
        .order_by(Horse.name, Horse.id)
        .limit(limit)
        .offset(offset)
    )
    return (await db.execute(statement)).all()


# --- Idempotency-Key store ----------------------------------------------------------------


async def purge_expired_idempotency_keys(db: AsyncSession, now: datetime, batch: int) -> int:
    """Delete up to `batch` keys that expired before `now` (skipping rows a booking holds)."""
    expired = (
        select(IdempotencyKey.id)
        .where(IdempotencyKey.expires_at < now)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    result = await db.execute(
        delete(IdempotencyKey).where(IdempotencyKey.id.in_(expired.scalar_subquery()))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def forget_expired_idempotency_key(
    db: AsyncSession, user_id: str, key: str, now: datetime
) -> None:
    await db.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.expires_at < now,
        )
    )


async def insert_idempotency_key(
    db: AsyncSession,
    *,
    user_id: str,
    key: str,
    request_hash: str,
    created_at: datetime,
    expires_at: datetime,
) -> bool:
    """Claim `key` for `user_id`; False if it is already claimed (waits for its transaction)."""
    inserted = await db.execute(
        pg_insert(IdempotencyKey)
        .values(
            id=new_uuid(),
            user_id=user_id,
            key=key,
            request_hash=request_hash,
            created_at=created_at,
            expires_at=expires_at,
        )
        .on_conflict_do_nothing(index_elements=["userId", "key"])
        .returning(IdempotencyKey.id)
    )
    return inserted.first() is not None


async def idempotency_key(db: AsyncSession, user_id: str, key: str) -> Any:
    """(request_hash, response_status, response_body) of a claimed key, or None."""
    statement = select(
        IdempotencyKey.request_hash,
        IdempotencyKey.response_status,
        IdempotencyKey.response_body,
    ).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
    return (await db.execute(statement)).first()


async def store_idempotent_response(
    db: AsyncSession, user_id: str, key: str, status_code: int, body: str
) -> None:
    await db.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .values(response_status=status_code, response_body=body)
    )
