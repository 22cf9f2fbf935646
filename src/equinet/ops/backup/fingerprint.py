"""Fingerprints of a database's content: per table, its row count and a checksum of its rows.

The checksum is computed in SQL so that no row leaves the server: the md5 of every row's text
form, concatenated in primary-key order, hashed again. Hashing each row first keeps the
aggregated string at 32 bytes a row (a plain `string_agg` of whole rows would hit PostgreSQL's
1 GB value limit on a large table). The same fingerprint taken on a restored copy proves that
the copy holds exactly the rows of the original.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A row's text form depends on these settings; fixing them makes a checksum comparable across
# sessions, servers and PostgreSQL versions. row_security=off makes a role that RLS would
# filter fail loudly instead of fingerprinting an empty table.
_SESSION_SETTINGS = (
    "SET DateStyle = 'ISO, YMD'",
    "SET TimeZone = 'UTC'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
    "SET bytea_output = 'hex'",
    "SET row_security = off",
    "SET statement_timeout = 0",
)

# Ordinary tables of every user schema, with their primary-key columns in key order.
_TABLES = """
SELECT n.nspname AS schema, c.relname AS name,
       coalesce((
           SELECT array_agg(a.attname ORDER BY k.ord)
           FROM pg_index i
           CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE i.indrelid = c.oid AND i.indisprimary
       ), '{}') AS key
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
ORDER BY n.nspname, c.relname
"""


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    checksum: str


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def checksum_sql(schema: str, table: str, key: list[str]) -> str:
    """Count and checksum of one table. Rows are ordered by the primary key's text in the "C"
    collation so that the order does not depend on the database's locale; a table without a
    primary key (none of ours, but adopted databases may have one) is ordered by the whole row.
    """
    if key:
        order = ", ".join(f'(t.{quote_ident(column)})::text COLLATE "C"' for column in key)
    else:
        order = 't::text COLLATE "C"'
    return (
        f"SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY {order}), '')) "
        f"FROM {quote_ident(schema)}.{quote_ident(table)} AS t"
    )


async def prepare_session(connection: Any) -> None:
    """Apply the settings that make row text forms comparable (asyncpg connection)."""
    for statement in _SESSION_SETTINGS:
        await connection.execute(statement)


async def fingerprint(connection: Any) -> dict[str, TableFingerprint]:
    """Every table's row count and checksum, keyed `schema.table`, on an asyncpg connection
    (inside the caller's transaction, so that all tables are read from one snapshot)."""
    result: dict[str, TableFingerprint] = {}
    for row in await connection.fetch(_TABLES):
        schema, name, key = row["schema"], row["name"], list(row["key"])
        count, checksum = await connection.fetchrow(checksum_sql(schema, name, key))
        result[f"{schema}.{name}"] = TableFingerprint(rows=int(count), checksum=str(checksum))
    return result


def compare(
    expected: dict[str, TableFingerprint], actual: dict[str, TableFingerprint]
) -> list[str]:
    """Every difference between two fingerprints, one line each (empty when equal)."""
    problems: list[str] = []
    for table in sorted(expected.keys() - actual.keys()):
        problems.append(f"table {table}: in the manifest but missing from the restored database")
    for table in sorted(actual.keys() - expected.keys()):
        problems.append(f"table {table}: in the restored database but not in the manifest")
    for table in sorted(expected.keys() & actual.keys()):
        want, got = expected[table], actual[table]
        if want.rows != got.rows:
            problems.append(f"table {table}: {got.rows} rows, the manifest says {want.rows}")
        elif want.checksum != got.checksum:
            problems.append(
                f"table {table}: same row count ({got.rows}) but the content differs "
                f"(checksum {got.checksum}, the manifest says {want.checksum})"
            )
    return problems
