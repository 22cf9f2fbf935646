"""Revision 0009 turns an existing database's money exact without losing a krona, gives every
existing booking the price of its service, and goes back down to double precision."""

from __future__ import annotations

from decimal import Decimal

import pytest

from equinet.db import migrations
from equinet.db.urls import DatabaseTarget
from tests.db.support import fetch, sql, value

pytestmark = pytest.mark.schema


async def _move(target: DatabaseTarget, direction: str, revision: str) -> None:
    step = migrations.upgrade_sync if direction == "up" else migrations.downgrade_sync
    await migrations.run_on(target, lambda connection: step(connection, revision))


async def _column_type(target: DatabaseTarget, table: str, column: str) -> str:
    return str(
        await value(
            target,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = format('%I', $1::text)::regclass AND attname = $2",
            table,
            column,
        )
    )


async def test_revision_0009_makes_money_exact_and_goes_back(scratch: DatabaseTarget) -> None:
    await _move(scratch, "up", "0008")
    await sql(
        scratch,
        """
        INSERT INTO "User" (id, email, "passwordHash", "userType", "firstName", "lastName",
                            "updatedAt")
        VALUES ('u1', 'p@x.se', 'h', 'provider', 'P', 'P', now()),
               ('u2', 'c@x.se', 'h', 'customer', 'C', 'C', now());
        INSERT INTO "Provider" (id, "userId", "businessName", "updatedAt")
        VALUES ('p1', 'u1', 'Hovslageri', now());
        INSERT INTO "Service" (id, "providerId", name, price, "durationMinutes")
        VALUES ('s1', 'p1', 'Skoning', 12345.67, 60),
               ('s2', 'p1', 'Verkning', 999999.99, 45),
               ('s3', 'p1', 'Koll', 0.1::float8 + 0.2::float8, 15);
        INSERT INTO "Booking" (id, "customerId", "providerId", "serviceId", "bookingDate",
                               "startTime", "endTime", "updatedAt")
        VALUES ('b1', 'u2', 'p1', 's1', '2027-01-04', '09:00', '10:00', now()),
               ('b2', 'u2', 'p1', 's2', '2027-01-05', '09:00', '09:45', now());
        INSERT INTO "Payment" (id, "bookingId", amount, status, "updatedAt")
        VALUES ('pay1', 'b1', 12345.67, 'succeeded', now());
        """,
    )

    await _move(scratch, "up", "0009")

    assert await _column_type(scratch, "Service", "price") == "numeric(12,2)"
    assert await _column_type(scratch, "Payment", "amount") == "numeric(12,2)"
    prices = dict(await fetch(scratch, 'SELECT id, price FROM "Service" ORDER BY id'))
    # 0.1 + 0.2 was 0.30000000000000004 as a double: now the 30 öre it meant.
    assert prices == {
        "s1": Decimal("12345.67"), "s2": Decimal("999999.99"), "s3": Decimal("0.30"),
    }  # fmt: skip
    booked = dict(await fetch(scratch, 'SELECT id, "priceAtBooking" FROM "Booking" ORDER BY id'))
    assert booked == {"b1": Decimal("12345.67"), "b2": Decimal("999999.99")}
    assert await value(scratch, 'SELECT amount FROM "Payment"') == Decimal("12345.67")
    assert await value(scratch, 'SELECT "idempotencyKey" FROM "Payment"') is None
    with pytest.raises(Exception, match="priceAtBooking"):
        await sql(
            scratch,
            'INSERT INTO "Booking" (id, "customerId", "providerId", "serviceId", "bookingDate", '
            '"startTime", "endTime", "updatedAt") '
            "VALUES ('b3', 'u2', 'p1', 's1', '2027-01-06', '09:00', '10:00', now())",
        )

    await _move(scratch, "down", "0008")

    assert await _column_type(scratch, "Service", "price") == "double precision"
    assert await _column_type(scratch, "Payment", "amount") == "double precision"
    assert await value(scratch, "SELECT price FROM \"Service\" WHERE id = 's1'") == 12345.67
    assert await value(scratch, 'SELECT amount FROM "Payment"') == 12345.67
    columns = {
        row[0]
        for row in await fetch(
            scratch,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name IN ('Booking', 'Payment')",
        )
    }
    assert not {"priceAtBooking", "idempotencyKey"} & columns
