"""One account per e-mail address whatever its case (revision 0010): the upgrade refuses an
adopted database holding case duplicates and lists them; the index then serves the lookups of
login, registration and password reset (an index scan, never a scan of the User table)."""

from __future__ import annotations

import pytest
from asyncpg.exceptions import UniqueViolationError
from sqlalchemy import text
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.accounts.repository import user_by_email_statement
from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from tests.conftest import make_settings
from tests.db.support import sql, value

pytestmark = pytest.mark.schema

INSERT_USER = (
    'INSERT INTO "User" (id, email, "passwordHash", "userType", "firstName", "lastName", '
    "\"updatedAt\") VALUES ('{id}', '{email}', 'x', 'customer', 'A', 'B', now())"
)


async def test_case_duplicates_stop_the_upgrade_with_their_list(scratch: DatabaseTarget) -> None:
    settings = make_settings(scratch)
    await database.migrate(scratch, settings, "0009")
    for user_id, email in [("u1", "Anna@Stall.se"), ("u2", "anna@stall.se"), ("u3", "bo@x.se")]:
        await sql(scratch, INSERT_USER.format(id=user_id, email=email))
    with pytest.raises(Exception, match=r"anna@stall\.se") as refused:
        await database.migrate(scratch, settings)
    assert "u1 (Anna@Stall.se), u2 (anna@stall.se)" in str(refused.value)
    assert "bo@x.se" not in str(refused.value)
    assert await value(scratch, "SELECT version_num FROM alembic_version") == "0009"

    await sql(scratch, "UPDATE \"User\" SET email = 'anna.2@stall.se' WHERE id = 'u2'")
    await database.migrate(scratch, settings)
    assert await value(scratch, "SELECT to_regclass('\"User_email_lower_key\"') IS NOT NULL")
    with pytest.raises(UniqueViolationError, match="User_email_lower_key"):
        await sql(scratch, INSERT_USER.format(id="u4", email="BO@X.SE"))

    await database.downgrade(scratch, settings, "0009")
    assert not await value(scratch, "SELECT to_regclass('\"User_email_lower_key\"') IS NOT NULL")
    await sql(scratch, INSERT_USER.format(id="u4", email="BO@X.SE"))  # allowed again below 0010


async def test_lookup_by_email_is_an_index_scan_on_a_large_user_table(
    connection: AsyncConnection,
) -> None:
    await connection.execute(
        text(
            'INSERT INTO "User" (id, email, "passwordHash", "userType", "firstName", '
            "\"lastName\", \"updatedAt\") SELECT 'bulk-' || n, 'kund' || n || '@example.se', "
            "'x', 'customer', 'A', 'B', now() FROM generate_series(1, 20000) AS n"
        )
    )
    await connection.execute(text('ANALYZE "User"'))
    statement = user_by_email_statement("  Ingen.Alls@Example.se ")
    compiled = statement.compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    plan = "\n".join((await connection.execute(text(f"EXPLAIN {compiled}"))).scalars().all())
    assert "User_email_lower_key" in plan, plan
    assert 'Seq Scan on "User"' not in plan, plan
