"""Running Alembic from Python: upgrade, downgrade, stamp, status and autogenerate.

Every command runs on a connection we open ourselves (the direct URL), so the CLI, the tests
and `equinet serve` share one code path. PostgreSQL's transactional DDL means a failed upgrade
leaves the database at the revision it had before (M5).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.db.engine import engine_for
from equinet.db.revisions import MIGRATIONS_DIR, MigrationStatus
from equinet.db.urls import DatabaseTarget

# Tables that are not ours and never count as drift: Prisma's own bookkeeping in an adopted
# database.
FOREIGN_TABLES = {"_prisma_migrations"}
# The job queue's tables (revision 0011) belong to procrastinate, not to our models.
QUEUE_TABLE_PREFIX = "procrastinate_"


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table" and (name or "").startswith(QUEUE_TABLE_PREFIX):
        return False
    return not (type_ == "table" and name in FOREIGN_TABLES | {"alembic_version"})


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(rev)s_%%(slug)s")
    return config


def script_directory() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    head = script_directory().get_current_head()
    assert head is not None, "the migrations folder has no revisions"
    return head


def revisions_between(current: str | None, target: str = "head") -> list[str]:
    """Revisions that an upgrade from `current` to `target` would apply, oldest first."""
    scripts = script_directory()
    pending = [rev.revision for rev in scripts.iterate_revisions(target, current)]
    return list(reversed(pending))


def all_revisions() -> list[str]:
    return revisions_between(None)


async def run_on(target: DatabaseTarget, work: Callable[[Connection], Any]) -> Any:
    """Run a synchronous Alembic job on one connection to `target`, in one transaction."""
    engine = engine_for(target)
    try:
        async with engine.begin() as connection:
            return await connection.run_sync(work)
    finally:
        await engine.dispose()


def _with_connection(connection: Connection) -> Config:
    config = alembic_config()
    config.attributes["connection"] = connection
    return config


def upgrade_sync(connection: Connection, revision: str = "head") -> None:
    command.upgrade(_with_connection(connection), revision)


def downgrade_sync(connection: Connection, revision: str) -> None:
    command.downgrade(_with_connection(connection), revision)


def stamp_sync(connection: Connection, revision: str) -> None:
    command.stamp(_with_connection(connection), revision)


def current_revision_sync(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(connection: AsyncConnection) -> str | None:
    return await connection.run_sync(current_revision_sync)


def upgrade_sql(start: str | None = None, revision: str = "head") -> str:
    """The SQL an upgrade would run, without running it (`equinet db migrate --sql`)."""
    buffer = io.StringIO()
    config = alembic_config()
    config.output_buffer = buffer
    config.attributes["offline_url"] = "postgresql://"
    command.upgrade(config, f"{start}:{revision}" if start else revision, sql=True)
    return buffer.getvalue()


def model_differences_sync(connection: Connection) -> list[str]:
    """What the models declare that the connected database does not have (or the reverse)."""
    from equinet.models import Base

    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_object": include_object,
        },
    )
    return [describe_diff(diff) for diff in _flatten(compare_metadata(context, Base.metadata))]


def _flatten(diffs: list[Any]) -> list[Any]:
    flat: list[Any] = []
    for diff in diffs:
        if isinstance(diff, list):
            flat.extend(diff)
        else:
            flat.append(diff)
    return flat


def describe_diff(diff: Any) -> str:
    kind = diff[0]
    if kind in {"add_table", "remove_table"}:
        return f"{kind.replace('_', ' ')} {diff[1].name}"
    if kind in {"add_index", "remove_index"}:
        index = diff[1]
        return f"{kind.replace('_', ' ')} {index.name} on {index.table.name}"
    if kind in {"add_column", "remove_column"}:
        return f"{kind.replace('_', ' ')} {diff[2]}.{diff[3].name}"
    if kind in {"add_fk", "remove_fk"}:
        fk = diff[1]
        return f"{kind.replace('_', ' ')} {fk.name} on {fk.parent.name}"
    if kind in {"add_constraint", "remove_constraint"}:
        return f"{kind.replace('_', ' ')} {diff[1].name}"
    if kind.startswith("modify_"):
        _, _, table, column, _, existing, new = diff
        return f"{kind.replace('_', ' ')} {table}.{column}: database has {existing!r}, models say {new!r}"
    return repr(diff)


async def migration_status(connection: AsyncConnection) -> MigrationStatus:
    current = await current_revision(connection)
    return MigrationStatus(
        current=current, head=head_revision(), pending=revisions_between(current)
    )
