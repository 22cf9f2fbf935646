"""The index advisor behind `equinet db explain` (design document P1).

Runs each registered hot query with EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) on the current data
and reports its plan, time, rows and buffers, and every sequential scan of a large table
(`pg_class.reltuples` at least EXPLAIN_LARGE_TABLE_ROWS) with the index that would serve it.
EXPLAIN ANALYZE executes the statement, so each query runs in its own READ ONLY transaction
that is rolled back, under the app's statement timeout.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

import equinet.ops.hot_queries_catalog  # noqa: F401  (registers the app's hot queries)
from equinet.db.engine import engine_for
from equinet.db.environment_stamp import check_stamp
from equinet.db.urls import DatabaseTarget
from equinet.kit.hot_queries import HotQuery, registered
from equinet.ops.index_advice import (
    IndexSuggestion,
    filter_columns,
    suggest_index,
    table_columns,
    table_distinct,
    table_indexes,
)
from equinet.settings import Settings

# An estimate this many times off the actual row count is worth a look (stale statistics).
MISESTIMATE_FACTOR = 10
JOIN_NODES = {"Hash Join", "Merge Join", "Nested Loop"}


@dataclass
class PlanNode:
    """One node of a plan, reduced to what a reader needs."""

    node_type: str
    relation: str | None = None
    alias: str | None = None
    index: str | None = None
    estimated_rows: float = 0.0
    actual_rows: float = 0.0  # per loop, as EXPLAIN reports it
    loops: int = 1
    detail: str | None = None  # join type, strategy, sub-plan role
    condition: str | None = None  # Index Cond / Hash Cond / Join Filter
    filter: str | None = None
    rows_removed_by_filter: float = 0.0
    children: list[PlanNode] = field(default_factory=list)

    @property
    def misestimated(self) -> bool:
        estimated, actual = max(self.estimated_rows, 1.0), max(self.actual_rows, 1.0)
        return max(estimated / actual, actual / estimated) >= MISESTIMATE_FACTOR

    def walk(self) -> list[PlanNode]:
        nodes = [self]
        for child in self.children:
            nodes += child.walk()
        return nodes

    def scans_with_join_condition(
        self, join_condition: str | None = None
    ) -> list[tuple[PlanNode, str | None]]:
        """Every Seq Scan with the condition of the nearest join above it (None if none)."""
        if self.node_type in JOIN_NODES and self.condition:
            join_condition = self.condition
        found = [(self, join_condition)] if self.node_type == "Seq Scan" and self.relation else []
        for child in self.children:
            found += child.scans_with_join_condition(join_condition)
        return found


@dataclass
class SeqScanFinding:
    """A sequential scan of a large table, and what would avoid it."""

    table: str
    alias: str | None
    table_rows: int  # pg_class.reltuples
    rows_returned: int
    rows_removed: int
    filter: str | None
    suggestion: IndexSuggestion | None
    # Where the suggestion's columns come from: the scan's Filter, or (a scan that reads the
    # whole table to feed a join) the join condition.
    condition_source: str | None = None


@dataclass
class QueryReport:
    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)
    plan: PlanNode | None = None
    execution_ms: float = 0.0
    planning_ms: float = 0.0
    rows: int = 0
    shared_hit: int = 0
    shared_read: int = 0
    seq_scans: list[SeqScanFinding] = field(default_factory=list)
    error: str | None = None


@dataclass
class ExplainReport:
    database: str
    large_table_rows: int
    queries: list[QueryReport]

    @property
    def seq_scans(self) -> list[SeqScanFinding]:
        return [finding for query in self.queries for finding in query.seq_scans]

    @property
    def failed(self) -> list[QueryReport]:
        return [query for query in self.queries if query.error]

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=_jsonable, ensure_ascii=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return str(value)


def parse_plan(node: dict[str, Any]) -> PlanNode:
    """EXPLAIN's JSON node (and its children) as a PlanNode tree."""
    details = [
        node.get("Join Type"),
        node.get("Strategy"),
        node.get("Parent Relationship") if node.get("Subplan Name") else None,
        node.get("Subplan Name"),
        "parallel" if node.get("Parallel Aware") else None,
    ]
    condition = next(
        (node[k] for k in ("Index Cond", "Recheck Cond", "Hash Cond", "Merge Cond") if k in node),
        node.get("Join Filter"),
    )
    return PlanNode(
        node_type=node["Node Type"],
        relation=node.get("Relation Name"),
        alias=node.get("Alias"),
        index=node.get("Index Name"),
        estimated_rows=float(node.get("Plan Rows", 0)),
        actual_rows=float(node.get("Actual Rows", 0)),
        loops=int(node.get("Actual Loops", 1)),
        detail=", ".join(d for d in details if d) or None,
        condition=condition,
        filter=node.get("Filter"),
        rows_removed_by_filter=float(node.get("Rows Removed by Filter", 0)),
        children=[parse_plan(child) for child in node.get("Plans", [])],
    )


async def _table_rows(connection: AsyncConnection, tables: set[str]) -> dict[str, float]:
    rows = await connection.execute(
        text(
            "SELECT c.relname, c.reltuples FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relname = ANY(:tables)"
        ),
        {"tables": sorted(tables)},
    )
    return {str(r[0]): float(r[1]) for r in rows}


async def find_seq_scans(
    connection: AsyncConnection, plan: PlanNode, large_table_rows: int
) -> list[SeqScanFinding]:
    """Every Seq Scan in `plan` on a table of at least `large_table_rows` rows, with advice."""
    scans = plan.scans_with_join_condition()
    if not scans:
        return []
    sizes = await _table_rows(connection, {n.relation for n, _ in scans if n.relation})
    findings: list[SeqScanFinding] = []
    for scan, join_condition in scans:
        assert scan.relation is not None
        read = (scan.actual_rows + scan.rows_removed_by_filter) * scan.loops
        # reltuples is -1 until the first ANALYZE: then trust what the scan itself read.
        size = sizes.get(scan.relation, -1.0)
        table_rows = int(size if size >= 0 else read / max(scan.loops, 1))
        if table_rows < large_table_rows:
            continue
        condition, source = (
            (scan.filter, "filter") if scan.filter else (join_condition, "join condition")
        )
        suggestion = None
        if condition:
            uses = filter_columns(
                condition, scan.alias, await table_columns(connection, scan.relation)
            )
            suggestion = suggest_index(
                scan.relation,
                uses,
                await table_indexes(connection, scan.relation),
                condition,
                await table_distinct(connection, scan.relation),
            )
        findings.append(
            SeqScanFinding(
                table=scan.relation,
                alias=scan.alias,
                table_rows=table_rows,
                rows_returned=int(scan.actual_rows * scan.loops),
                rows_removed=int(scan.rows_removed_by_filter * scan.loops),
                filter=scan.filter,
                suggestion=suggestion,
                condition_source=source if condition else None,
            )
        )
    return findings


async def explain_query(
    connection: AsyncConnection,
    query: HotQuery,
    *,
    large_table_rows: int,
    statement_timeout_ms: int,
) -> QueryReport:
    """EXPLAIN ANALYZE one query in a READ ONLY transaction that is always rolled back."""
    report = QueryReport(query.name, query.description)
    transaction = await connection.begin()
    try:
        await connection.execute(text("SET TRANSACTION READ ONLY"))
        await connection.execute(text(f"SET LOCAL statement_timeout = {int(statement_timeout_ms)}"))
        report.parameters = await query.parameters(connection)
        raw = (
            await connection.execute(
                text("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + query.sql), report.parameters
            )
        ).scalar_one()
        document = (json.loads(raw) if isinstance(raw, str) else raw)[0]
        top = document["Plan"]
        report.plan = parse_plan(top)
        report.execution_ms = float(document.get("Execution Time", 0.0))
        report.planning_ms = float(document.get("Planning Time", 0.0))
        report.rows = int(top.get("Actual Rows", 0))
        report.shared_hit = int(top.get("Shared Hit Blocks", 0))
        report.shared_read = int(top.get("Shared Read Blocks", 0))
        report.seq_scans = await find_seq_scans(connection, report.plan, large_table_rows)
    except DBAPIError as error:
        report.error = str(error.orig or error).strip().splitlines()[0]
    finally:
        await transaction.rollback()
    return report


def select_queries(names: list[str] | None = None) -> list[HotQuery]:
    """The registered queries, or those named (exact names, or a `domain.` prefix)."""
    queries = registered()
    if not names:
        return queries
    chosen = [q for q in queries if any(q.name == n or q.name.startswith(n + ".") for n in names)]
    unknown = [
        n for n in names if not any(q.name == n or q.name.startswith(n + ".") for q in queries)
    ]
    if unknown:
        known = ", ".join(q.name for q in queries)
        raise ValueError(f"unknown hot query {', '.join(unknown)}; registered: {known}")
    return chosen


async def explain_on(
    connection: AsyncConnection,
    queries: list[HotQuery],
    *,
    large_table_rows: int,
    statement_timeout_ms: int,
) -> list[QueryReport]:
    return [
        await explain_query(
            connection,
            query,
            large_table_rows=large_table_rows,
            statement_timeout_ms=statement_timeout_ms,
        )
        for query in queries
    ]


async def explain(
    target: DatabaseTarget,
    settings: Settings,
    *,
    queries: list[HotQuery] | None = None,
    large_table_rows: int | None = None,
) -> ExplainReport:
    """Explain `queries` (default: every registered one) on `target`'s current data."""
    threshold = settings.explain_large_table_rows if large_table_rows is None else large_table_rows
    engine = engine_for(target, "equinet-explain")
    try:
        async with engine.connect() as connection:
            await check_stamp(connection, settings, target.describe())
            await connection.rollback()
            reports = await explain_on(
                connection,
                registered() if queries is None else queries,
                large_table_rows=threshold,
                statement_timeout_ms=settings.db_statement_timeout_ms,
            )
    finally:
        await engine.dispose()
    return ExplainReport(target.describe(), threshold, reports)
