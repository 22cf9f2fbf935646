"""The baseline schema is Equinet's to the letter, and the models write it the way the app did.

The expectation is the original app's own DDL (`tests/fixtures/prisma_0_init.sql`) applied to a
database of its own; both databases are read back from the PostgreSQL catalog, so names, types,
defaults, index definitions and foreign-key actions all count. Literal spot checks from
schema.md pin the fixture itself.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db import migrations
from equinet.db.urls import DatabaseTarget
from equinet.models import (
    BASELINE_TABLES,
    Base,
    Booking,
    FortnoxConnection,
    Horse,
    HorsePassportToken,
    Provider,
    Service,
    Upload,
    User,
)
from equinet.ops.drift import SchemaSnapshot, differences, snapshot_of
from equinet.ops.scratch import scratch_database
from tests.db.support import create_prisma_database, rls_statements, sql

pytestmark = pytest.mark.schema

CUID = re.compile(r"^c[0-9a-z]{24}$")


@pytest.fixture(scope="module")
async def schemas(database_server: DatabaseTarget) -> AsyncIterator[dict[str, SchemaSnapshot]]:
    """Catalog snapshots: Prisma's DDL before/after its RLS migration, our 0001 and 0002."""
    shots: dict[str, SchemaSnapshot] = {}
    async with scratch_database(database_server, "prisma") as prisma:
        await create_prisma_database(prisma, rls=False, demo=False)
        shots["prisma"] = await snapshot_of(prisma)
        await sql(prisma, rls_statements())
        shots["prisma+rls"] = await snapshot_of(prisma)
    async with scratch_database(database_server, "baseline") as ours:
        for revision in ("0001", "0002"):
            await migrations.run_on(ours, lambda c, r=revision: migrations.upgrade_sync(c, r))
            shots[revision] = await snapshot_of(ours)
    yield shots


async def test_baseline_revision_creates_exactly_the_original_schema(
    schemas: dict[str, SchemaSnapshot],
) -> None:
    assert sorted(schemas["0001"].tables) == sorted(BASELINE_TABLES)
    assert len(BASELINE_TABLES) == 21
    assert differences(schemas["0001"], schemas["prisma"]) == []


async def test_rls_revision_matches_the_original_rls_migration(
    schemas: dict[str, SchemaSnapshot],
) -> None:
    assert differences(schemas["0002"], schemas["prisma+rls"]) == []
    assert all(table.rls for table in schemas["0002"].tables.values())
    assert not any(table.rls for table in schemas["0001"].tables.values())


async def test_foreign_keys_carry_the_original_names_and_actions(
    schemas: dict[str, SchemaSnapshot],
) -> None:
    tables = schemas["0001"].tables
    assert tables["Booking"].constraints["Booking_customerId_fkey"] == (
        'FOREIGN KEY ("customerId") REFERENCES "User"(id) ON UPDATE CASCADE ON DELETE RESTRICT'
    )
    assert tables["Booking"].constraints["Booking_horseId_fkey"] == (
        'FOREIGN KEY ("horseId") REFERENCES "Horse"(id) ON UPDATE CASCADE ON DELETE SET NULL'
    )
    assert tables["Provider"].constraints["Provider_userId_fkey"] == (
        'FOREIGN KEY ("userId") REFERENCES "User"(id) ON UPDATE CASCADE ON DELETE CASCADE'
    )
    assert tables["Upload"].constraints["Upload_verificationId_fkey"] == (
        'FOREIGN KEY ("verificationId") REFERENCES "ProviderVerification"(id) '
        "ON UPDATE CASCADE ON DELETE SET NULL"
    )
    foreign_keys = [
        definition
        for table in tables.values()
        for definition in table.constraints.values()
        if definition.startswith("FOREIGN KEY")
    ]
    assert len(foreign_keys) == 35
    assert all("ON UPDATE CASCADE" in definition for definition in foreign_keys)


async def test_columns_have_the_original_types_defaults_and_nullability(
    schemas: dict[str, SchemaSnapshot],
) -> None:
    tables = schemas["0001"].tables
    area = tables["Provider"].columns["serviceAreaKm"]
    assert (area.type, area.not_null, area.default) == ("double precision", False, "50")
    assert tables["AvailabilityException"].columns["date"].type == "date"
    assert tables["Booking"].columns["timezone"].default == "'Europe/Stockholm'::text"
    assert tables["Booking"].columns["status"].default == "'pending'::text"
    assert tables["User"].columns["isAdmin"].default == "false"
    assert tables["Service"].columns["price"].type == "double precision"
    for name, table in tables.items():
        assert table.columns["id"].type == "text", name
        assert table.columns["id"].not_null and table.columns["id"].default is None, name
        assert table.constraints[f"{name}_pkey"] == "PRIMARY KEY (id)"
        for column_name in ("createdAt", "updatedAt", "joinedAt"):
            column = table.columns.get(column_name)
            if column is None:
                continue
            assert column.type == "timestamp(3) without time zone", (name, column_name)
            assert column.not_null, (name, column_name)
            # updatedAt has no database default: the application sets it.
            expected = None if column_name == "updatedAt" else "CURRENT_TIMESTAMP"
            assert column.default == expected, (name, column_name)


async def test_indexes_have_the_original_names_kinds_and_columns(
    schemas: dict[str, SchemaSnapshot],
) -> None:
    tables = schemas["0001"].tables
    assert tables["User"].indexes["User_email_key"] == (
        'CREATE UNIQUE INDEX "User_email_key" ON "User" USING btree (email)'
    )
    assert tables["Booking"].indexes["Booking_providerId_bookingDate_startTime_endTime_key"] == (
        'CREATE UNIQUE INDEX "Booking_providerId_bookingDate_startTime_endTime_key" ON "Booking" '
        'USING btree ("providerId", "bookingDate", "startTime", "endTime")'
    )
    assert tables["HorsePassportToken"].indexes["HorsePassportToken_token_idx"] == (
        'CREATE INDEX "HorsePassportToken_token_idx" ON "HorsePassportToken" USING btree (token)'
    )
    unique = {
        name
        for table in tables.values()
        for name, definition in table.indexes.items()
        if definition.startswith("CREATE UNIQUE") and not name.endswith("_pkey")
    }
    # The 14 unique indexes of the original 0_init migration (original-equinet.md §6.2).
    assert unique == {
        "User_email_key",
        "Provider_userId_key",
        "Availability_providerId_dayOfWeek_key",
        "AvailabilityException_providerId_date_key",
        "Booking_providerId_bookingDate_startTime_endTime_key",
        "HorsePassportToken_token_key",
        "FortnoxConnection_providerId_key",
        "Payment_bookingId_key",
        "Payment_invoiceNumber_key",
        "EmailVerificationToken_token_key",
        "Review_bookingId_key",
        "GroupBookingRequest_inviteCode_key",
        "GroupBookingParticipant_bookingId_key",
        "GroupBookingParticipant_groupBookingRequestId_userId_key",
    }


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_python_attributes_are_snake_case_names_of_the_camel_case_columns() -> None:
    # `metadata` is reserved by SQLAlchemy's declarative base, hence the one exception.
    exceptions = {("Notification", "metadata"): "metadata_json"}
    for mapper in Base.registry.mappers:
        table = mapper.local_table.name
        for attribute in mapper.column_attrs:
            column = attribute.columns[0].name
            expected = exceptions.get((table, column), _snake(column))
            assert attribute.key == expected, (table, column)
    assert Booking.__table__.c["bookingDate"] is Booking.booking_date.property.columns[0]


async def _customer(session: AsyncSession, email: str = "ida@example.se") -> User:
    user = User(
        email=email,
        password_hash="x",
        user_type="customer",
        first_name="Ida",
        last_name="Ek",
    )
    session.add(user)
    await session.flush()
    return user


async def test_ids_are_uuid4_strings_made_by_the_application(db_session: AsyncSession) -> None:
    user = await _customer(db_session)
    provider = Provider(user_id=user.id, business_name="Eks Hovslageri")
    db_session.add(provider)
    await db_session.flush()
    horse = Horse(owner_id=user.id, name="Stjärna")
    service = Service(provider_id=provider.id, name="Verkning", price=800, duration_minutes=45)
    db_session.add_all([horse, service])
    await db_session.flush()
    for row in (user, provider, horse, service):
        assert uuid.UUID(row.id).version == 4
        assert str(uuid.UUID(row.id)) == row.id
    stored = await db_session.scalar(text("SELECT id FROM \"Horse\" WHERE name = 'Stjärna'"))
    assert stored == horse.id


async def test_passport_tokens_uploads_and_fortnox_connections_get_cuids(
    db_session: AsyncSession,
) -> None:
    user = await _customer(db_session)
    provider = Provider(user_id=user.id, business_name="Eks Hovslageri")
    horse = Horse(owner_id=user.id, name="Stjärna")
    db_session.add_all([provider, horse])
    await db_session.flush()
    now = await db_session.scalar(text("SELECT localtimestamp"))
    rows = [
        HorsePassportToken(horse_id=horse.id, token="t-1", expires_at=now),
        Upload(
            user_id=user.id,
            bucket="avatars",
            path="a.png",
            url="/a.png",
            mime_type="image/png",
            size_bytes=10,
        ),
        FortnoxConnection(
            provider_id=provider.id, access_token="a", refresh_token="r", expires_at=now
        ),
    ]
    db_session.add_all(rows)
    await db_session.flush()
    ids = {row.id for row in rows}
    assert len(ids) == 3
    assert all(CUID.match(row_id) for row_id in ids), ids


async def test_updated_at_is_set_on_insert_and_moves_on_update(db_session: AsyncSession) -> None:
    user = await _customer(db_session)
    inserted = await db_session.scalar(
        text('SELECT "updatedAt" FROM "User" WHERE id = :id'), {"id": user.id}
    )
    assert inserted is not None
    assert user.created_at is not None
    await asyncio.sleep(0.01)  # updatedAt keeps milliseconds
    user.city = "Uppsala"
    await db_session.flush()
    updated = await db_session.scalar(
        text('SELECT "updatedAt" FROM "User" WHERE id = :id'), {"id": user.id}
    )
    assert updated > inserted
    assert await db_session.scalar(select(User.city).where(User.id == user.id)) == "Uppsala"
