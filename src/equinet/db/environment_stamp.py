"""Environment stamps (E1-E3, design.md rule 8): a database belongs to one environment.

The first migration writes `EQUINET_ENV` into the `EnvironmentStamp` row; from then on the
app, migrations and every destructive command refuse to run when the two disagree.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.db.revisions import table_exists
from equinet.settings import Environment, Settings


class EnvironmentMismatch(RuntimeError):
    """The database was stamped by another environment than the one running now."""

    def __init__(self, stamped: str, running: str, database: str) -> None:
        self.stamped = stamped
        self.running = running
        super().__init__(
            f"Refusing to run: database {database} is stamped '{stamped}' but EQUINET_ENV is "
            f"'{running}'. Point the database URL at the {running} database, or run with "
            f"EQUINET_ENV={stamped} if you really mean that database."
        )


class DestructiveCommandRefused(RuntimeError):
    """A command that deletes data was asked to run outside development and test."""


async def read_stamp(connection: AsyncConnection) -> str | None:
    if not await table_exists(connection, "EnvironmentStamp"):
        return None
    value = await connection.scalar(text('SELECT environment FROM "EnvironmentStamp" WHERE id = 1'))
    return str(value) if value is not None else None


async def write_stamp(connection: AsyncConnection, environment: Environment) -> str:
    """Stamp the database unless it already is; returns the stamp it carries."""
    await connection.execute(
        text(
            'INSERT INTO "EnvironmentStamp" (id, environment) VALUES (1, :environment) '
            "ON CONFLICT (id) DO NOTHING"
        ),
        {"environment": environment.value},
    )
    stamp = await read_stamp(connection)
    assert stamp is not None
    return stamp


async def check_stamp(connection: AsyncConnection, settings: Settings, database: str) -> str | None:
    """Raise EnvironmentMismatch when the database belongs to another environment."""
    stamp = await read_stamp(connection)
    if stamp is not None and stamp != settings.equinet_env.value:
        raise EnvironmentMismatch(stamp, settings.equinet_env.value, database)
    return stamp


def refuse_unless_disposable(settings: Settings, action: str) -> None:
    """`db reset`, forced seeding and downgrades never run on staging or production data."""
    if not settings.allows_destructive_commands:
        raise DestructiveCommandRefused(
            f"Refusing to {action}: EQUINET_ENV is '{settings.equinet_env}'. This command deletes "
            "data and only runs in development and test."
        )
