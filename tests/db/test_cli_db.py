"""`equinet db seed` and `equinet db reset`: the demo data of the original app (spec §6.1),
idempotent, reseeded from scratch with --force, and a reset that rebuilds the schema."""

from __future__ import annotations

import pytest

from equinet.db import migrations
from equinet.db.urls import DatabaseTarget
from equinet.kit.passwords import verify_password
from equinet.models import BASELINE_TABLES
from equinet.ops.drift import differences, snapshot_of
from tests.db.support import fetch, one_of_everything, public_tables, row_counts, run_cli, sql

pytestmark = pytest.mark.schema

# (business name, service name, price, minutes), spec §6.1.
DEMO_SERVICES = sorted(
    [
        ("Hovslagare Eriksson", "Skoning", 1800, 90),
        ("Hovslagare Eriksson", "Verkning", 800, 45),
        ("Hovslagare Eriksson", "Akutbesök", 2500, 60),
        ("Västkustens Hästvård", "Veterinärbesök", 1500, 60),
        ("Västkustens Hästvård", "Hästmassage", 900, 45),
        ("Västkustens Hästvård", "Tandkontroll", 1200, 40),
        ("Skånes Ridskola", "Ridlektion - Nybörjare", 600, 60),
        ("Skånes Ridskola", "Dressyrträning", 900, 60),
        ("Skånes Ridskola", "Hoppträning", 900, 60),
        ("Alingsås Hovservice", "Skoning", 1700, 90),
        ("Alingsås Hovservice", "Verkning", 750, 45),
        ("Test Stall AB", "Hovslagning", 1900, 90),
        ("Test Stall AB", "Ridlektion", 700, 60),
        ("Test Stall AB", "Stallhyra", 5000, 30),
    ]
)
DEMO_PROVIDERS = {
    # business name: (user e-mail, city, serviceAreaKm)
    "Hovslagare Eriksson": ("erik@hovslagare-uppsala.se", "Uppsala", 50),
    "Västkustens Hästvård": ("anna@hastvard-goteborg.se", "Göteborg", 60),
    "Skånes Ridskola": ("lars@ridskola-malmo.se", "Malmö", 40),
    "Alingsås Hovservice": ("maria@hovservice-alingsas.se", "Alingsås", 45),
    "Test Stall AB": ("karin@test-stall.se", "Stockholm", 30),
}
SEEDED_TABLES = {"User": 6, "Provider": 5, "Service": 14, "Availability": 35}
SEEDED_COUNTS = dict.fromkeys(BASELINE_TABLES, 0) | SEEDED_TABLES


async def _assert_demo_data(target: DatabaseTarget) -> None:
    assert await row_counts(target) == SEEDED_COUNTS
    providers = await fetch(
        target,
        'SELECT p."businessName", u.email, p.city, p."serviceAreaKm", p."isActive", '
        'p.description, u."userType" FROM "Provider" p JOIN "User" u ON u.id = p."userId"',
    )
    assert {
        row["businessName"]: (row["email"], row["city"], row["serviceAreaKm"]) for row in providers
    } == DEMO_PROVIDERS
    assert all(row["isActive"] and row["description"] for row in providers)
    assert {row["userType"] for row in providers} == {"provider"}

    services = await fetch(
        target,
        'SELECT p."businessName", s.name, s.price, s."durationMinutes", s."isActive", '
        's."recommendedIntervalWeeks" FROM "Service" s JOIN "Provider" p ON p.id = s."providerId"',
    )
    assert (
        sorted(
            (row["businessName"], row["name"], row["price"], row["durationMinutes"])
            for row in services
        )
        == DEMO_SERVICES
    )
    assert all(row["isActive"] and row["recommendedIntervalWeeks"] is None for row in services)

    hours = await fetch(
        target,
        'SELECT "providerId", "dayOfWeek", "startTime", "endTime", "isClosed", "isActive" '
        'FROM "Availability"',
    )
    weeks: dict[str, dict[int, tuple[str, str, bool]]] = {}
    for row in hours:
        assert row["isActive"]
        day = (row["startTime"], row["endTime"], row["isClosed"])
        weeks.setdefault(row["providerId"], {})[row["dayOfWeek"]] = day
    open_day, closed_day = ("09:00", "17:00", False), ("00:00", "00:00", True)
    assert len(weeks) == 5
    for week in weeks.values():
        assert week == {0: open_day, 1: open_day, 2: open_day, 3: open_day, 4: open_day} | {
            5: closed_day,
            6: closed_day,
        }

    users = await fetch(target, 'SELECT * FROM "User"')
    assert all(row["emailVerified"] and row["emailVerifiedAt"] for row in users)
    assert not any(row["isAdmin"] for row in users)
    hashes = {row["passwordHash"] for row in users}  # hashing is slow on purpose: once each
    assert all(verify_password(password_hash, "test123") for password_hash in hashes)
    assert not verify_password(users[0]["passwordHash"], "test124")
    customers = [row for row in users if row["userType"] == "customer"]
    assert [(c["email"], c["firstName"], c["lastName"], c["city"]) for c in customers] == [
        ("kund@test.se", "Test", "Kund", "Göteborg")
    ]


async def test_seed_creates_the_demo_data_once(migrated: DatabaseTarget) -> None:
    result = await run_cli(migrated, "db", "seed")
    assert result.exit_code == 0, result.output
    assert "seeded 5 providers, 14 services, 35 weekly hours, 1 customer" in result.stdout
    await _assert_demo_data(migrated)
    ids = {row["id"] for row in await fetch(migrated, 'SELECT id FROM "User"')}

    again = await run_cli(migrated, "db", "seed")

    assert again.exit_code == 0, again.output
    assert "demo data already present" in again.stdout
    assert {row["id"] for row in await fetch(migrated, 'SELECT id FROM "User"')} == ids
    assert await row_counts(migrated) == SEEDED_COUNTS


async def test_seed_force_clears_every_table_and_reseeds(migrated: DatabaseTarget) -> None:
    assert (await run_cli(migrated, "db", "seed")).exit_code == 0
    old_ids = {row["id"] for row in await fetch(migrated, 'SELECT id FROM "Provider"')}
    # A horse, a booking, a notification ... one row in every table, on top of the demo data.
    await one_of_everything(migrated)
    assert all((await row_counts(migrated)).values())

    result = await run_cli(migrated, "db", "seed", "--force")

    assert result.exit_code == 0, result.output
    assert "cleared" in result.stdout
    await _assert_demo_data(migrated)
    new_ids = {row["id"] for row in await fetch(migrated, 'SELECT id FROM "Provider"')}
    assert not new_ids & old_ids
    # The environment stamp and the revision survive a reseed.
    assert (await fetch(migrated, 'SELECT environment FROM "EnvironmentStamp"'))[0][0] == "test"
    version = await fetch(migrated, "SELECT version_num FROM alembic_version")
    assert version[0][0] == migrations.head_revision()


async def test_reset_rebuilds_the_schema_at_head_and_seeds(migrated: DatabaseTarget) -> None:
    at_head = await snapshot_of(migrated)
    await one_of_everything(migrated)
    await sql(migrated, 'CREATE TABLE "HandMade" (id INTEGER); INSERT INTO "HandMade" VALUES (1)')

    result = await run_cli(migrated, "db", "reset", "--yes")

    assert result.exit_code == 0, result.output
    assert f"at revision {migrations.head_revision()}" in result.stdout
    assert "HandMade" not in await public_tables(migrated)
    assert differences(await snapshot_of(migrated), at_head) == []
    await _assert_demo_data(migrated)
    assert (await fetch(migrated, 'SELECT environment FROM "EnvironmentStamp"'))[0][0] == "test"
