"""`equinet db migrate` when a revision fails: one line naming the revision, the database's
error and the revision the database is still at; exit 1; nothing of the run stays applied."""

from __future__ import annotations

import pytest

from equinet.db import migrations
from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from tests.conftest import make_settings
from tests.db.support import public_tables, run_cli, sql, value

pytestmark = pytest.mark.schema

# Tables created by revisions 0004-0007, none of which may survive a failed run from 0003.
LATER_TABLES = {"MaintenanceMode", "Session", "PasswordResetToken", "IdempotencyKey"}
# Every revision after 0003 up to head: a new revision joins the run without editing these tests.
AFTER_0003 = migrations.revisions_between("0003")


@pytest.fixture
async def at_0003(scratch: DatabaseTarget) -> DatabaseTarget:
    await database.migrate(scratch, make_settings(scratch), "0003")
    return scratch


async def test_failed_revision_is_one_line_naming_it_and_the_revision_kept(
    at_0003: DatabaseTarget,
) -> None:
    # Someone created 0004's table by hand: its CREATE TABLE fails.
    await sql(at_0003, 'CREATE TABLE "MaintenanceMode" (id integer)')

    result = await run_cli(at_0003, "db", "migrate")

    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: migration 0004 (20261125_0004_maintenance_mode.py) failed")
    assert 'relation "MaintenanceMode" already exists (DuplicateTableError)' in lines[0]
    assert "the database is still at revision 0003" in lines[0]
    assert "Traceback" not in result.output and "CREATE TABLE" not in result.output
    assert await value(at_0003, "SELECT version_num FROM alembic_version") == "0003"

    status = await run_cli(at_0003, "db", "status")
    assert "current:  0003" in status.stdout
    assert f"pending:  {', '.join(AFTER_0003)}" in status.stdout


async def test_failure_in_a_later_revision_rolls_back_the_earlier_ones_of_the_same_run(
    at_0003: DatabaseTarget,
) -> None:
    await sql(at_0003, 'CREATE TABLE "InvoiceCounter" (x integer)')  # 0007 creates it

    result = await run_cli(at_0003, "db", "migrate")

    assert result.exit_code == 1, result.output
    assert "migration 0007 (20261125_0007_idempotency_and_invoices.py) failed" in result.stderr
    assert "the database is still at revision 0003" in result.stderr
    assert not (LATER_TABLES & await public_tables(at_0003))

    # Fix the cause and run it again: every pending revision applies.
    await sql(at_0003, 'DROP TABLE "InvoiceCounter"')
    again = await run_cli(at_0003, "db", "migrate")
    assert again.exit_code == 0, again.output
    assert AFTER_0003[:4] == ["0004", "0005", "0006", "0007"]
    assert f"applied {len(AFTER_0003)} revision(s): {', '.join(AFTER_0003)}" in again.stdout
    assert await public_tables(at_0003) >= LATER_TABLES
