"""Scratch databases: short-lived databases on the same server, dropped after use."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from equinet.db.targets import asyncpg_connect, drop_database
from equinet.db.urls import DatabaseTarget


@asynccontextmanager
async def scratch_database(
    server: DatabaseTarget, purpose: str = "scratch", *, template: str | None = None
) -> AsyncIterator[DatabaseTarget]:
    """A new database next to `server`'s, empty or a copy of `template`, dropped on exit
    whatever happens."""
    name = f"equinet_{purpose}_{secrets.token_hex(4)}"
    copy_of = f' TEMPLATE "{template}"' if template else ""
    connection = await asyncpg_connect(server, database="postgres")
    try:
        await connection.execute(f'CREATE DATABASE "{name}"{copy_of}')
    finally:
        await connection.close()
    try:
        yield server.with_database(name)
    finally:
        await drop_database(server, name)
