"""`equinet db explain`: every hot query runs with EXPLAIN ANALYZE on realistic data, and a
sequential scan of a large table is flagged with the index that would serve it."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from equinet.availability import repository as availability_repository
from equinet.bookings import repository as bookings_repository
from equinet.db.engine import engine_for
from equinet.db.urls import DatabaseTarget
from equinet.kit.hot_queries import HotQuery, register, registered
from equinet.ops.explain import ExplainReport, explain, explain_on, select_queries
from equinet.ops.scale_seed import seed_scale
from tests.conftest import copy_of_template, make_settings
from tests.db.support import fetch, run_cli, sql

# 40 providers give about 4,000 bookings and 1,600 payments: "large" starts at 2,000 rows
# here, so Booking is the one large table.
PROVIDERS = 40
LARGE = 2000
CUSTOMER_INDEXES = ("Booking_customerId_bookingDate_idx", "Booking_customerId_status_idx")


@pytest.fixture(scope="module")
async def seeded(migrated_template: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    """A database at head (a copy of the migrated template) filled by `equinet db seed --scale 40`."""
    async with copy_of_template(migrated_template, "explain") as target:
        settings = make_settings(target)
        await seed_scale(target, settings, providers=PROVIDERS, console=Console(quiet=True))
        yield target


@pytest.fixture
async def without_customer_indexes(seeded: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    """The seeded database with every index on Booking."customerId" dropped (restored after)."""
    definitions = [
        row["indexdef"]
        for row in await fetch(
            seeded,
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'Booking' "
            "AND indexname = ANY($1::text[])",
            list(CUSTOMER_INDEXES),
        )
    ]
    assert len(definitions) == len(CUSTOMER_INDEXES)
    await sql(seeded, "".join(f'DROP INDEX "{name}";' for name in CUSTOMER_INDEXES))
    await sql(seeded, 'ANALYZE "Booking"')
    try:
        yield seeded
    finally:
        await sql(seeded, ";".join(definitions) + ';ANALYZE "Booking"')


async def _explain(target: DatabaseTarget, *names: str) -> ExplainReport:
    return await explain(
        target, make_settings(target), queries=select_queries(list(names)), large_table_rows=LARGE
    )


async def test_every_registered_hot_query_runs_and_reports_plan_time_rows_and_buffers(
    seeded: DatabaseTarget,
) -> None:
    report = await _explain(seeded)

    names = [query.name for query in report.queries]
    assert names == [query.name for query in registered()]
    assert len(names) >= 10
    for query in report.queries:
        assert query.error is None, f"{query.name}: {query.error}"
        assert query.plan is not None and query.plan.node_type
        assert query.execution_ms > 0
        assert query.shared_hit + query.shared_read > 0, query.name
        assert query.parameters, query.name
    # The parameters come from the data: the busiest provider's calendar is not empty.
    by_name = {query.name: query for query in report.queries}
    assert by_name["bookings.for_provider"].rows > 0
    assert by_name["bookings.for_customer"].rows > 0
    assert by_name["notifications.unread_count"].rows == 1


async def test_with_the_schema_indexes_no_hot_query_scans_a_large_table(
    seeded: DatabaseTarget,
) -> None:
    report = await _explain(seeded)

    assert report.seq_scans == []
    customer = next(q for q in report.queries if q.name == "bookings.for_customer")
    assert customer.plan is not None
    used = {node.index for node in customer.plan.walk() if node.index}
    assert used & set(CUSTOMER_INDEXES)


async def test_seq_scan_of_a_large_table_is_flagged_with_an_index_on_its_filter_columns(
    without_customer_indexes: DatabaseTarget,
) -> None:
    report = await _explain(without_customer_indexes, "bookings.for_customer")

    [finding] = report.seq_scans
    assert finding.table == "Booking"
    assert finding.table_rows >= LARGE
    assert finding.rows_removed > finding.rows_returned > 0
    assert finding.suggestion is not None
    assert finding.suggestion.columns == ["customerId"]
    assert finding.suggestion.statement == (
        'CREATE INDEX "Booking_customerId_idx" ON "Booking" ("customerId")'
    )
    assert finding.suggestion.covered_by == []


async def test_an_existing_index_the_planner_did_not_choose_is_named(
    seeded: DatabaseTarget,
) -> None:
    engine = engine_for(seeded, "equinet-explain-test")
    try:
        async with engine.connect() as connection:
            # Session settings outlive each query's rolled-back transaction.
            for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                await connection.execute(text(f"SET {setting} = off"))
            await connection.commit()
            [report] = await explain_on(
                connection,
                select_queries(["bookings.for_provider"]),
                large_table_rows=LARGE,
                statement_timeout_ms=10_000,
            )
    finally:
        await engine.dispose()

    [finding] = report.seq_scans
    assert finding.suggestion is not None
    # The app's calendar filter: providerId (most distinct) and status (IN, a set of
    # equalities) first, bookingDate the range.
    assert finding.suggestion.columns == ["providerId", "status", "bookingDate"]
    assert "Booking_providerId_bookingDate_status_idx" in finding.suggestion.covered_by
    assert any("was not chosen" in note for note in finding.suggestion.notes)


def _shape(sql: str) -> str:
    """A statement with its placeholders (`:name`, or asyncpg's `$1::VARCHAR`) and spacing
    made uniform, to compare what the app sends with what the advisor plans."""
    sql = re.sub(r"\$\d+(::[A-Z]+(\(\d+\))?( WITHOUT TIME ZONE)?)?", "?", sql)
    sql = re.sub(r"(?<![:\w]):\w+", "?", sql)
    return " ".join(sql.split())


async def test_the_bookings_and_availability_entries_are_the_statements_the_app_sends(
    engine: AsyncEngine, db_session: AsyncSession
) -> None:
    sent: list[str] = []

    def capture(*args: Any) -> None:
        sent.append(args[2])  # (conn, cursor, statement, parameters, context, executemany)

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        someone = str(uuid.uuid4())
        await availability_repository.day_plan(db_session, someone, date(2027, 3, 28))
        await bookings_repository.list_bookings(db_session, customer_id=someone, limit=101)
        await bookings_repository.list_bookings(
            db_session, provider_id=someone, statuses=["pending", "confirmed", "completed"],
            date_from=date(2027, 3, 1), date_to=date(2027, 3, 28), limit=101,
        )  # fmt: skip
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    catalogue = {query.name: query.sql for query in registered()}
    names = ["availability.slots_for_day", "bookings.for_customer", "bookings.for_provider"]
    assert [_shape(sql) for sql in sent[-3:]] == [_shape(catalogue[name]) for name in names]


FAIL_ON_SCAN = ("db", "explain", "--fail-on-seq-scan", "--query", "bookings.for_customer")


async def test_cli_passes_fail_on_seq_scan_when_indexes_serve_the_query(
    seeded: DatabaseTarget,
) -> None:
    result = await run_cli(seeded, *FAIL_ON_SCAN, explain_large_table_rows=str(LARGE))

    assert result.exit_code == 0, result.output
    assert "no sequential scans of large tables" in result.output


async def test_cli_exits_1_with_fail_on_seq_scan_when_a_large_table_is_scanned(
    without_customer_indexes: DatabaseTarget,
) -> None:
    target = without_customer_indexes
    flagged = await run_cli(target, *FAIL_ON_SCAN, explain_large_table_rows=str(LARGE))
    as_json = await run_cli(target, *FAIL_ON_SCAN, "--json", explain_large_table_rows=str(LARGE))

    assert flagged.exit_code == 1, flagged.output
    assert 'CREATE INDEX "Booking_customerId_idx" ON "Booking" ("customerId")' in flagged.output
    assert as_json.exit_code == 1
    [query] = json.loads(as_json.stdout)["queries"]
    assert query["seq_scans"][0]["table"] == "Booking"
    assert query["seq_scans"][0]["suggestion"]["columns"] == ["customerId"]


async def test_a_query_that_writes_fails_in_its_read_only_transaction(
    seeded: DatabaseTarget,
) -> None:
    async def no_parameters(_: object) -> dict[str, object]:
        return {}

    # Not registrable (see below), but explain_on must still refuse to let it write.
    sneaky = HotQuery(
        "test.sneaky",
        "a data-modifying CTE",
        'WITH gone AS (DELETE FROM "Notification" RETURNING id) SELECT count(*) FROM gone',
        no_parameters,  # type: ignore[arg-type]
    )
    before = await fetch(seeded, 'SELECT count(*) AS n FROM "Notification"')
    engine = engine_for(seeded, "equinet-explain-test")
    try:
        async with engine.connect() as connection:
            [report] = await explain_on(
                connection, [sneaky], large_table_rows=LARGE, statement_timeout_ms=10_000
            )
    finally:
        await engine.dispose()

    assert report.error is not None and "read-only transaction" in report.error
    assert await fetch(seeded, 'SELECT count(*) AS n FROM "Notification"') == before
    assert before[0]["n"] > 0


def test_a_statement_that_writes_cannot_be_registered() -> None:
    async def no_parameters(_: object) -> dict[str, object]:
        return {}

    for statement in ('DELETE FROM "Booking"', 'SELECT id FROM "Booking" FOR UPDATE'):
        with pytest.raises(ValueError, match="read-only"):
            register(HotQuery("test.writes", "writes", statement, no_parameters))  # type: ignore[arg-type]
    assert "test.writes" not in {query.name for query in registered()}
