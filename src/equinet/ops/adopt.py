"""Adopting an existing Equinet database (M1): verify it equals the baseline, then take it over.

A database made by the original application's Prisma migrations has every baseline table but
no Alembic history. We build the baseline in a scratch database, compare the two catalogs and
only when they agree stamp revision 0001 and upgrade from there. Revision 0002 (RLS) is
idempotent, so a database that already has RLS enabled is simply confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.db import migrations, revisions
from equinet.db.engine import engine_for
from equinet.db.environment_stamp import write_stamp
from equinet.db.migrations import FOREIGN_TABLES
from equinet.db.urls import DatabaseTarget
from equinet.ops.drift import differences, migrated_snapshot, snapshot
from equinet.settings import Settings

BASELINE = "0001"


class AdoptionRefused(RuntimeError):
    def __init__(self, reason: str, differences: list[str] | None = None) -> None:
        self.differences = differences or []
        super().__init__(reason)


@dataclass
class Adoption:
    applied: list[str]
    environment: str


async def _deny_api_roles_on_foreign_tables(connection: AsyncConnection) -> None:
    """Prisma's `_prisma_migrations` stays in `public`, readable by API roles such as `anon`
    unless it gets row-level security too (A7 covers every table, not only ours)."""
    for table in sorted(FOREIGN_TABLES):
        if await revisions.table_exists(connection, table):
            await connection.execute(text(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY'))


async def adopt(target: DatabaseTarget, settings: Settings) -> Adoption:
    engine = engine_for(target, "equinet-adopt")
    try:
        async with engine.connect() as connection:
            current = await migrations.current_revision(connection)
            live = await snapshot(connection)
    finally:
        await engine.dispose()
    if current is not None:
        raise AdoptionRefused(
            f"this database is already managed by Alembic (revision {current}); "
            "use `equinet db migrate` instead"
        )
    baseline, _ = await migrated_snapshot(target, BASELINE)
    found = differences(live, baseline, compare_rls=False)
    if found:
        raise AdoptionRefused(
            f"the database differs from the Equinet baseline in {len(found)} place(s); "
            "nothing was changed",
            found,
        )
    applied = migrations.revisions_between(BASELINE)
    engine = engine_for(target, "equinet-adopt")
    try:
        async with engine.begin() as connection:
            await connection.run_sync(lambda c: migrations.stamp_sync(c, BASELINE))
            await connection.run_sync(lambda c: migrations.upgrade_sync(c, "head"))
            await _deny_api_roles_on_foreign_tables(connection)
            stamp = await write_stamp(connection, settings.equinet_env)
    finally:
        await engine.dispose()
    return Adoption(applied=applied, environment=stamp)
