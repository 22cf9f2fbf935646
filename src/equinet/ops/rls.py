"""Row-level security check (A7): every table in `public`, alembic_version included."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection


async def tables_without_rls(connection: AsyncConnection) -> list[str]:
    rows = await connection.execute(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relrowsecurity "
            "ORDER BY c.relname"
        )
    )
    return [name for (name,) in rows]
