"""Migrations: every revision goes down and up again to the same schema, a failed upgrade
changes nothing, and the operator can see what would run before it runs (M3, M5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from equinet.db import migrations, revisions
from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from equinet.ops.drift import SchemaSnapshot, differences, snapshot_of
from equinet.ops.scratch import scratch_database
from tests.conftest import make_settings
from tests.db.support import public_tables, run_cli, sql, value

pytestmark = pytest.mark.schema


async def _revision(target: DatabaseTarget) -> str | None:
    if not await value(target, "SELECT to_regclass('public.alembic_version') IS NOT NULL"):
        return None
    return await value(target, "SELECT version_num FROM alembic_version")


async def _move(target: DatabaseTarget, direction: str, revision: str) -> None:
    step = migrations.upgrade_sync if direction == "up" else migrations.downgrade_sync
    await migrations.run_on(target, lambda connection: step(connection, revision))


async def test_every_revision_downgrades_and_upgrades_back_to_a_fresh_build(
    database_server: DatabaseTarget,
) -> None:
    revisions = migrations.all_revisions()
    assert revisions[0] == "0001" and revisions[-1] == migrations.head_revision()
    # The schema a fresh build has at each revision.
    fresh: dict[str | None, SchemaSnapshot] = {}
    async with scratch_database(database_server, "fresh") as built:
        fresh[None] = await snapshot_of(built)
        for revision in revisions:
            await _move(built, "up", revision)
            fresh[revision] = await snapshot_of(built)
    assert fresh[None].tables == {}

    async with scratch_database(database_server, "roundtrip") as target:
        await _move(target, "up", "head")
        assert differences(await snapshot_of(target), fresh[revisions[-1]]) == []
        for below in [*reversed(revisions[:-1]), None]:
            await _move(target, "down", below or "base")
            assert await _revision(target) == below
            assert differences(await snapshot_of(target), fresh[below]) == [], below
        assert await public_tables(target) == {"alembic_version"}
        for revision in revisions:
            await _move(target, "up", revision)
            assert await _revision(target) == revision
            assert differences(await snapshot_of(target), fresh[revision]) == [], revision


async def test_failed_baseline_leaves_no_table_and_no_revision(scratch: DatabaseTarget) -> None:
    # Someone made "Booking" by hand: 0001 creates "User", "Provider", ... then fails on it.
    await sql(scratch, 'CREATE TABLE "Booking" (id TEXT PRIMARY KEY)')
    with pytest.raises(DBAPIError, match="Booking"):
        await database.migrate(scratch, make_settings(scratch))
    assert await public_tables(scratch) == {"Booking"}
    assert await _revision(scratch) is None


async def test_failed_upgrade_keeps_the_database_at_its_previous_revision(
    scratch: DatabaseTarget,
) -> None:
    await database.migrate(scratch, make_settings(scratch), "0002")
    before = await snapshot_of(scratch)
    # 0003 would succeed, 0004 then fails: one transaction, so 0003 is undone too.
    await sql(scratch, 'CREATE TABLE "MaintenanceMode" (id INTEGER PRIMARY KEY)')
    with pytest.raises(DBAPIError, match="MaintenanceMode"):
        await database.migrate(scratch, make_settings(scratch))
    assert await _revision(scratch) == "0002"
    assert "EnvironmentStamp" not in await public_tables(scratch)
    await sql(scratch, 'DROP TABLE "MaintenanceMode"')
    assert differences(await snapshot_of(scratch), before) == []


async def test_migrate_sql_prints_the_upgrade_without_running_it(scratch: DatabaseTarget) -> None:
    result = await run_cli(scratch, "db", "migrate", "--sql")
    assert result.exit_code == 0, result.output
    assert 'CREATE TABLE "Booking"' in result.stdout
    assert 'ALTER TABLE "Review" ENABLE ROW LEVEL SECURITY' in result.stdout
    assert "INSERT INTO alembic_version" in result.stdout
    assert await public_tables(scratch) == set()


async def test_migrate_sql_starts_at_the_current_revision(scratch: DatabaseTarget) -> None:
    await database.migrate(scratch, make_settings(scratch), "0002")
    result = await run_cli(scratch, "db", "migrate", "--sql")
    assert result.exit_code == 0, result.output
    assert 'CREATE TABLE "Booking"' not in result.stdout
    assert 'CREATE TABLE "EnvironmentStamp"' in result.stdout
    assert await _revision(scratch) == "0002"
    assert "EnvironmentStamp" not in await public_tables(scratch)


async def test_status_lists_the_pending_revisions(scratch: DatabaseTarget) -> None:
    await database.migrate(scratch, make_settings(scratch), "0002")
    result = await run_cli(scratch, "db", "status")
    assert result.exit_code == 0, result.output
    pending = migrations.revisions_between("0002")
    assert pending and pending[0] == "0003"
    assert "current:  0002" in result.stdout
    assert f"head:     {migrations.head_revision()}" in result.stdout
    assert f"pending:  {', '.join(pending)}" in result.stdout

    await database.migrate(scratch, make_settings(scratch))
    result = await run_cli(scratch, "db", "status")
    assert "pending:  none" in result.stdout


async def test_migrate_command_upgrades_to_head_and_is_safe_to_repeat(
    scratch: DatabaseTarget,
) -> None:
    first = await run_cli(scratch, "db", "migrate")
    assert first.exit_code == 0, first.output
    assert f"applied {len(migrations.all_revisions())} revision(s)" in first.stdout
    assert f"at revision {migrations.head_revision()} (environment test)" in first.stdout
    again = await run_cli(scratch, "db", "migrate")
    assert again.exit_code == 0, again.output
    assert "applied" not in again.stdout
    assert await _revision(scratch) == migrations.head_revision()


async def test_applied_revision_is_none_before_the_first_migration_and_head_after(
    scratch: DatabaseTarget,
) -> None:
    from equinet.db.engine import create_engine

    engine = create_engine(scratch, make_settings(scratch))
    try:
        async with engine.connect() as connection:
            assert await revisions.applied_revision(connection) is None
            # The connection stays usable after the "undefined table" answer.
            assert await connection.scalar(text("SELECT 1")) == 1
        await database.migrate(scratch, make_settings(scratch))
        async with engine.connect() as connection:
            assert await revisions.applied_revision(connection) == revisions.revision_chain().head
    finally:
        await engine.dispose()


def test_the_web_apps_revision_chain_is_alembics_order() -> None:
    # /api/health reads the chain without Alembic; it must name the same revisions in order.
    assert list(revisions.revision_chain().order) == migrations.all_revisions()
    assert revisions.revision_chain().head == migrations.head_revision()


def _script(folder: Path, name: str, revision: str, down: str | None) -> None:
    (folder / f"{name}.py").write_text(
        f'"""{name}"""\nrevision: str = "{revision}"\ndown_revision: str | None = {down!r}\n'
    )


def test_a_branched_or_broken_chain_is_refused_not_guessed(tmp_path: Path) -> None:
    _script(tmp_path, "a", "0001", None)
    _script(tmp_path, "b", "0002", "0001")
    assert revisions.revision_chain(tmp_path).order == ("0001", "0002")
    _script(tmp_path, "c", "0003", "0001")  # a second child of 0001
    with pytest.raises(ValueError, match="branch"):
        revisions.revision_chain(tmp_path)
    (tmp_path / "c.py").unlink()
    _script(tmp_path, "d", "0004", "0009")  # points at a revision that does not exist
    with pytest.raises(ValueError, match="one chain"):
        revisions.revision_chain(tmp_path)
