"""The job queue's schema (procrastinate): jobs, their events, periodic defers, workers.

Procrastinate's own schema script of the installed version, run as one script. Its tables are
internal to the worker: row-level security is on with no policy (deny-all for API roles, as
revision 0002 does for ours); the app and the worker connect as the owner. Upgrading
procrastinate to a version that changes its schema needs a new revision that runs the
package's migration scripts (`procrastinate/sql/migrations/`) for the versions in between.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import context, op
from procrastinate.schema import SchemaManager
from sqlalchemy import text
from sqlalchemy.util import await_

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUEUE_TABLES = (
    "procrastinate_jobs",
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_workers",
)


def _run_script(script: str) -> None:
    """Several statements at once: asyncpg's simple-query `execute`, on Alembic's connection."""
    if context.is_offline_mode():
        op.execute(text(script.replace(":", r"\:")))
        return
    raw = op.get_bind().connection.dbapi_connection
    assert raw is not None
    await_(raw.driver_connection.execute(script))


def upgrade() -> None:
    _run_script(SchemaManager.get_schema())
    for table in QUEUE_TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')


def downgrade() -> None:
    # Everything procrastinate created is named procrastinate_*: tables (and their triggers and
    # sequences), then functions, then types.
    _run_script(
        """
        DO $$
        DECLARE item record;
        BEGIN
            FOR item IN SELECT c.relname FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = current_schema() AND c.relkind = 'r'
                    AND c.relname LIKE 'procrastinate\\_%' LOOP
                EXECUTE format('DROP TABLE IF EXISTS %I CASCADE', item.relname);
            END LOOP;
            FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                    JOIN pg_namespace n ON n.oid = p.pronamespace
                    WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
                EXECUTE format('DROP FUNCTION IF EXISTS %s CASCADE', item.signature);
            END LOOP;
            FOR item IN SELECT t.typname FROM pg_type t
                    JOIN pg_namespace n ON n.oid = t.typnamespace
                    WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%'
                    AND (t.typtype = 'e' OR (t.typtype = 'c' AND EXISTS (
                        SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'
                    ))) LOOP
                EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', item.typname);
            END LOOP;
        END $$;
        """
    )
