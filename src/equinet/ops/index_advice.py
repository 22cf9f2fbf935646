"""Index advice for one sequential scan: which columns its Filter tests, and the index to add.

The columns are parsed out of the Filter text EXPLAIN prints (`(("customerId" = '…'::text) AND
(status = ANY ('{…}'::text[])))`) and kept only when they are real columns of the scanned table
under the scan's own alias (a column of an outer query is not this table's). A B-tree serves
equality first, then one range: the suggestion orders them that way. Pattern matches (LIKE,
ILIKE, contains) cannot use a B-tree; they get a trigram index instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

Use = Literal["equality", "boolean", "range", "pattern", "other"]

_LITERAL = re.compile(r"'(?:[^']|'')*'")
_CAST = re.compile(
    r"::(?:\"[^\"]+\"|[A-Za-z_]\w*)"
    r"(?:\s+(?:without|with)\s+time\s+zone|\s+precision|\s+varying)?(?:\[\])*"
)
_IDENTIFIER = re.compile(
    r'(?:(?P<qualifier>"[^"]+"|[A-Za-z_]\w*)\.)?(?P<column>"[^"]+"|[A-Za-z_][\w$]*)'
)
_AFTER = (
    ("equality", re.compile(r"^\s*(?:=|IS\s+(?:TRUE|FALSE|NULL)\b)", re.IGNORECASE)),
    ("other", re.compile(r"^\s*(?:<>|!=|IS\s+NOT\b)", re.IGNORECASE)),
    ("range", re.compile(r"^\s*(?:<=|>=|<|>)")),
    ("pattern", re.compile(r"^\s*!?~~?\*?")),
    ("boolean", re.compile(r"^\s*(?:\)|AND\b|OR\b|$)", re.IGNORECASE)),
)
_BEFORE = (
    ("equality", re.compile(r"(?<![<>!])=\s*$")),
    ("range", re.compile(r"(?:<=|>=|<|>)\s*$")),
)
_MAX_NAME = 63  # PostgreSQL's identifier limit


@dataclass(frozen=True)
class ColumnUse:
    column: str
    use: Use


@dataclass(frozen=True)
class ExistingIndex:
    name: str
    columns: tuple[str | None, ...]  # None for an expression
    method: str
    partial: bool


@dataclass
class IndexSuggestion:
    """What would serve the scan: a statement, and what already exists but was not chosen."""

    table: str
    columns: list[str]
    statement: str | None
    covered_by: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _unquote(token: str) -> str:
    return token[1:-1].replace('""', '"') if token.startswith('"') else token


def filter_columns(filter_text: str, alias: str | None, columns: set[str]) -> list[ColumnUse]:
    """The table's columns a Filter tests, in order of appearance, each with how it is tested."""
    cleaned = _CAST.sub("", _LITERAL.sub("?", filter_text))
    found: list[ColumnUse] = []
    seen: set[tuple[str, str]] = set()
    for match in _IDENTIFIER.finditer(cleaned):
        qualifier = match.group("qualifier")
        column = _unquote(match.group("column"))
        if column not in columns:
            continue
        if qualifier is not None and alias is not None and _unquote(qualifier) != alias:
            continue  # another relation's column (an outer reference)
        after, before = cleaned[match.end() :], cleaned[: match.start()]
        if after.lstrip().startswith("("):
            continue  # a function of that name, not the column
        use = _classify(after, before)
        if (column, use) not in seen:
            seen.add((column, use))
            found.append(ColumnUse(column, use))
    return found


def _classify(after: str, before: str) -> Use:
    for use, pattern in _AFTER:
        if pattern.search(after):
            if use == "boolean" and not re.search(r"(?:\(|\bNOT|\bAND|\bOR)\s*$", before, re.I):
                break  # `… = col)`: the column is the right-hand side of a comparison
            return use  # type: ignore[return-value]
    for use, pattern in _BEFORE:
        if pattern.search(before):
            return use  # type: ignore[return-value]
    return "other"


def index_name(table: str, columns: list[str], suffix: str = "idx") -> str:
    """Prisma's naming convention, as the baseline schema uses: Table_col1_col2_idx."""
    name = "_".join([table, *columns, suffix])
    return name if len(name) <= _MAX_NAME else name[: _MAX_NAME - len(suffix) - 1] + "_" + suffix


def suggest_index(
    table: str,
    uses: list[ColumnUse],
    existing: list[ExistingIndex],
    filter_text: str,
    distinct: dict[str, float] | None = None,
) -> IndexSuggestion:
    """The index for a scan whose Filter tests `uses`, and the existing indexes that match.

    Equality columns come first, the most distinct one leading (`distinct`: distinct values
    per column, from pg_stats), then one range column. Booleans stay filters: with two values
    they narrow a B-tree little and would push the selective columns back.
    """
    distinct = distinct or {}
    equal: list[str] = []
    for use in uses:
        if use.use == "equality" and use.column not in equal:
            equal.append(use.column)
    equal.sort(key=lambda column: -distinct.get(column, 0.0))  # stable: ties keep filter order
    ranges = [u.column for u in uses if u.use == "range" and u.column not in equal]
    patterns = [u.column for u in uses if u.use == "pattern"]
    booleans = [u.column for u in uses if u.use == "boolean"]
    notes: list[str] = []
    if equal or ranges:
        key = equal + ranges[:1]
        suggestion = IndexSuggestion(
            table,
            key,
            f"CREATE INDEX {quote(index_name(table, key))} ON {quote(table)} "
            f"({', '.join(quote(c) for c in key)})",
        )
        suggestion.covered_by = [
            index.name
            for index in existing
            if index.method == "btree" and set(index.columns[: len(key)]) == set(key)
        ]
        if patterns:
            notes.append(
                f"pattern match on {', '.join(patterns)} stays a filter (a B-tree cannot "
                "serve LIKE/ILIKE with a leading wildcard)"
            )
    elif patterns:
        unique = list(dict.fromkeys(patterns))
        suggestion = IndexSuggestion(
            table,
            unique,
            f"CREATE INDEX {quote(index_name(table, unique, 'trgm_idx'))} ON {quote(table)} "
            f"USING gin ({', '.join(quote(c) + ' gin_trgm_ops' for c in unique)})",
        )
        suggestion.covered_by = [
            index.name
            for index in existing
            if index.method == "gin" and set(unique) <= set(index.columns)
        ]
        btrees = [
            index.name
            for index in existing
            if index.method == "btree" and index.columns and index.columns[0] in unique
        ]
        notes.append(
            f"LIKE/ILIKE on {', '.join(unique)} needs a trigram index (CREATE EXTENSION "
            "pg_trgm)" + (f"; the B-tree {', '.join(btrees)} cannot serve it" if btrees else "")
        )
    else:
        suggestion = IndexSuggestion(table, [], None)
        if booleans:
            notes.append(
                f"only boolean conditions ({', '.join(booleans)}): an index pays off only as a "
                "partial index on a rare value"
            )
        else:
            notes.append("no indexable condition in the filter")
    if suggestion.covered_by:
        suggestion.statement = None  # nothing to create: the planner needs a reason to use it
        notes.append(
            f"existing index {', '.join(suggestion.covered_by)} already covers these columns "
            "but was not chosen: the planner found reading the whole table cheaper (a small "
            "table, a condition matching much of it, or stale statistics: run ANALYZE)"
        )
    if re.search(r"\bOR\b", filter_text):
        notes.append("conditions joined by OR need an index on each side (BitmapOr)")
    suggestion.notes = notes
    return suggestion


async def table_columns(connection: AsyncConnection, table: str) -> set[str]:
    rows = await connection.execute(
        text(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(:table) "
            "AND attnum > 0 AND NOT attisdropped"
        ),
        {"table": quote(table)},
    )
    return {str(row[0]) for row in rows}


async def table_distinct(connection: AsyncConnection, table: str) -> dict[str, float]:
    """Distinct values per column from pg_stats (negative n_distinct is a fraction of rows)."""
    rows = await connection.execute(
        text(
            "SELECT s.attname, CASE WHEN s.n_distinct < 0 THEN -s.n_distinct * "
            "greatest(c.reltuples, 1) ELSE s.n_distinct END "
            "FROM pg_stats s JOIN pg_class c ON c.oid = to_regclass(:quoted) "
            "WHERE s.schemaname = current_schema() AND s.tablename = :table"
        ),
        {"quoted": quote(table), "table": table},
    )
    return {str(r[0]): float(r[1]) for r in rows}


async def table_indexes(connection: AsyncConnection, table: str) -> list[ExistingIndex]:
    rows = await connection.execute(
        text(
            """
            SELECT i.relname, am.amname, x.indpred IS NOT NULL,
                   array(SELECT a.attname FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(n, o)
                         LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n
                         ORDER BY k.o)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_am am ON am.oid = i.relam
            WHERE x.indrelid = to_regclass(:table) AND x.indisvalid
            ORDER BY i.relname
            """
        ),
        {"table": quote(table)},
    )
    return [
        ExistingIndex(name=str(r[0]), method=str(r[1]), partial=bool(r[2]), columns=tuple(r[3]))
        for r in rows
    ]
