"""Database lifecycle operations behind `equinet db ...` and `equinet serve`.

Each one checks the environment stamp first; the destructive ones also refuse to run outside
development and test.
"""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.db import migrations, revisions
from equinet.db.engine import create_sessionmaker, engine_for
from equinet.db.environment_stamp import check_stamp, refuse_unless_disposable, write_stamp
from equinet.db.urls import DatabaseTarget
from equinet.ops.scratch import scratch_database
from equinet.ops.seed import SeedResult, seed_demo
from equinet.settings import Settings

# Concurrent `migrate` runs (two deploys, several workers) queue behind this lock.
_MIGRATION_LOCK = 0x45_51_55_49_4E_45_54  # "EQUINET"


@dataclass
class MigrationRun:
    before: str | None
    after: str | None
    applied: list[str]
    environment: str | None


async def _lock_migrations(connection: AsyncConnection) -> None:
    await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})


async def migrate(
    target: DatabaseTarget, settings: Settings, revision: str = "head"
) -> MigrationRun:
    """Upgrade to `revision` in one transaction and stamp the environment on first run."""
    engine = engine_for(target)
    try:
        async with engine.begin() as connection:
            await _lock_migrations(connection)
            await check_stamp(connection, settings, target.describe())
            before = await migrations.current_revision(connection)
            applied = migrations.revisions_between(before, revision)
            await connection.run_sync(lambda c: migrations.upgrade_sync(c, revision))
            stamp = None
            if await revisions.table_exists(connection, "EnvironmentStamp"):
                stamp = await write_stamp(connection, settings.equinet_env)
            after = await migrations.current_revision(connection)
    finally:
        await engine.dispose()
    return MigrationRun(before, after, applied, stamp)


async def downgrade(target: DatabaseTarget, settings: Settings, revision: str) -> MigrationRun:
    refuse_unless_disposable(settings, f"downgrade to {revision}")
    engine = engine_for(target)
    try:
        async with engine.begin() as connection:
            await _lock_migrations(connection)
            await check_stamp(connection, settings, target.describe())
            before = await migrations.current_revision(connection)
            await connection.run_sync(lambda c: migrations.downgrade_sync(c, revision))
            after = await migrations.current_revision(connection)
    finally:
        await engine.dispose()
    return MigrationRun(before, after, [], None)


async def reset(target: DatabaseTarget, settings: Settings) -> MigrationRun:
    """Drop and recreate the `public` schema, then migrate to head."""
    refuse_unless_disposable(settings, "reset the database")
    engine = engine_for(target)
    try:
        async with engine.begin() as connection:
            await check_stamp(connection, settings, target.describe())
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
    return await migrate(target, settings)


async def seed(target: DatabaseTarget, settings: Settings, *, force: bool = False) -> SeedResult:
    refuse_unless_disposable(settings, "seed the database" + (" with --force" if force else ""))
    engine = engine_for(target, "equinet-seed")
    try:
        async with engine.connect() as connection:
            await check_stamp(connection, settings, target.describe())
        async with create_sessionmaker(engine)() as session, session.begin():
            return await seed_demo(session, force=force)
    finally:
        await engine.dispose()


async def guard(target: DatabaseTarget, settings: Settings) -> str | None:
    """Raise when the database belongs to another environment; return its stamp."""
    engine = engine_for(target)
    try:
        async with engine.connect() as connection:
            return await check_stamp(connection, settings, target.describe())
    finally:
        await engine.dispose()


async def status(target: DatabaseTarget) -> revisions.MigrationStatus:
    engine = engine_for(target)
    try:
        async with engine.connect() as connection:
            return await migrations.migration_status(connection)
    finally:
        await engine.dispose()


def _next_revision_id() -> str:
    numbers = [int(r) for r in migrations.all_revisions() if r.isdigit()]
    return f"{max(numbers, default=0) + 1:04d}"


async def new_revision(server: DatabaseTarget, message: str) -> str:
    """Autogenerate a revision from the models against a scratch database at head (M2)."""
    rev_id = _next_revision_id()
    async with scratch_database(server, "autogen") as scratch:

        def generate(connection: object) -> str:
            migrations.upgrade_sync(connection, "head")  # type: ignore[arg-type]
            config = migrations.alembic_config()
            config.attributes["connection"] = connection
            script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
            assert script is not None and not isinstance(script, list)
            return str(script.path)

        path: str = await migrations.run_on(scratch, generate)
    return path
