"""Schema snapshots from the PostgreSQL catalog and the differences between two of them.

`equinet db check` compares the live database with one built from the migrations (and the
models with that one), `equinet db adopt` compares an existing Equinet database with the
baseline. The catalog is read directly, so every name, type, default, index definition and
foreign-key action counts, not just what an ORM reflects.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.db import migrations
from equinet.db.engine import engine_for
from equinet.db.migrations import FOREIGN_TABLES
from equinet.db.revisions import MigrationStatus
from equinet.db.urls import DatabaseTarget
from equinet.ops.scratch import scratch_database

IGNORED_TABLES = FOREIGN_TABLES | {"alembic_version"}


@dataclass
class Column:
    type: str
    not_null: bool
    default: str | None


@dataclass
class Table:
    rls: bool = False
    columns: dict[str, Column] = field(default_factory=dict)
    indexes: dict[str, str] = field(default_factory=dict)
    constraints: dict[str, str] = field(default_factory=dict)


@dataclass
class SchemaSnapshot:
    tables: dict[str, Table] = field(default_factory=dict)


async def snapshot(connection: AsyncConnection) -> SchemaSnapshot:
    shot = SchemaSnapshot()
    tables = await connection.execute(
        text(
            "SELECT c.relname, c.relrowsecurity FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        )
    )
    for name, rls in tables:
        if name not in IGNORED_TABLES:
            shot.tables[name] = Table(rls=rls)
    columns = await connection.execute(
        text(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
            "pg_get_expr(d.adbin, d.adrelid) "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 "
            "AND NOT a.attisdropped"
        )
    )
    for table, column, type_, not_null, default in columns:
        if table in shot.tables:
            shot.tables[table].columns[column] = Column(type_, not_null, default)
    indexes = await connection.execute(
        text(
            "SELECT t.relname, i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'"
        )
    )
    for table, index, definition in indexes:
        if table in shot.tables:
            shot.tables[table].indexes[index] = definition.replace("public.", "")
    constraints = await connection.execute(
        text(
            "SELECT t.relname, c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
            "WHERE n.nspname = 'public'"
        )
    )
    for table, name, definition in constraints:
        if table in shot.tables:
            shot.tables[table].constraints[name] = definition
    return shot


def differences(
    actual: SchemaSnapshot, expected: SchemaSnapshot, *, compare_rls: bool = True
) -> list[str]:
    """Every way `actual` differs from `expected`, one readable line each."""
    found: list[str] = []
    for name in sorted(expected.tables.keys() - actual.tables.keys()):
        found.append(f'table "{name}" is missing')
    for name in sorted(actual.tables.keys() - expected.tables.keys()):
        found.append(f'table "{name}" is not in the migrations')
    for name in sorted(actual.tables.keys() & expected.tables.keys()):
        have, want = actual.tables[name], expected.tables[name]
        if compare_rls and have.rls != want.rls:
            state = "enabled" if want.rls else "disabled"
            found.append(f'table "{name}": row-level security should be {state}')
        found += _compare_named(f'"{name}"', "column", have.columns, want.columns, _column_diff)
        found += _compare_named(f'"{name}"', "index", have.indexes, want.indexes, _definition_diff)
        found += _compare_named(
            f'"{name}"', "constraint", have.constraints, want.constraints, _definition_diff
        )
    return found


def _compare_named(table, kind, have, want, compare) -> list[str]:  # type: ignore[no-untyped-def]
    found = [f'{table}: {kind} "{n}" is missing' for n in sorted(want.keys() - have.keys())]
    found += [f'{table}: unexpected {kind} "{n}"' for n in sorted(have.keys() - want.keys())]
    for n in sorted(have.keys() & want.keys()):
        problem = compare(have[n], want[n])
        if problem:
            found.append(f'{table}: {kind} "{n}" {problem}')
    return found


def _column_diff(have: Column, want: Column) -> str | None:
    parts = []
    if have.type != want.type:
        parts.append(f"has type {have.type}, expected {want.type}")
    if have.not_null != want.not_null:
        parts.append(
            "is NOT NULL, expected nullable" if have.not_null else "is nullable, expected NOT NULL"
        )
    if have.default != want.default:
        parts.append(f"has default {have.default or 'none'}, expected {want.default or 'none'}")
    return "; ".join(parts) or None


def _definition_diff(have: str, want: str) -> str | None:
    return None if have == want else f"is `{have}`, expected `{want}`"


async def snapshot_of(target: DatabaseTarget) -> SchemaSnapshot:
    engine = engine_for(target, "equinet-drift")
    try:
        async with engine.connect() as connection:
            return await snapshot(connection)
    finally:
        await engine.dispose()


async def migrated_snapshot(
    server: DatabaseTarget, revision: str
) -> tuple[SchemaSnapshot, list[str]]:
    """The schema the migrations produce at `revision`, and how the models differ from it."""
    async with scratch_database(server, "check") as scratch:
        await migrations.run_on(scratch, lambda c: migrations.upgrade_sync(c, revision))
        engine = engine_for(scratch, "equinet-drift")
        try:
            async with engine.connect() as connection:
                shot = await snapshot(connection)
                model_diffs = await connection.run_sync(migrations.model_differences_sync)
        finally:
            await engine.dispose()
    return shot, model_diffs


@dataclass
class DriftReport:
    status: MigrationStatus
    problems: list[str]


async def check_drift(target: DatabaseTarget) -> DriftReport:
    """Models vs migrations vs the live database (M6): every difference, one line each."""
    engine = engine_for(target, "equinet-drift")
    try:
        async with engine.connect() as connection:
            status = await migrations.migration_status(connection)
            live = await snapshot(connection)
    finally:
        await engine.dispose()
    problems: list[str] = []
    if status.current is None:
        problems.append("the database has no migrations applied: run `equinet db migrate`")
    elif status.pending:
        problems.append(
            f"pending migrations: {', '.join(status.pending)} (run `equinet db migrate`)"
        )
    head_shot, model_diffs = await migrated_snapshot(target, "head")
    problems += [f"models vs migrations: {d}" for d in model_diffs]
    if status.current is not None:
        expected = head_shot
        if status.pending:
            expected, _ = await migrated_snapshot(target, status.current)
        problems += [f"database vs migrations: {d}" for d in differences(live, expected)]
    return DriftReport(status=status, problems=problems)
