"""Scale seed (issue E3): how long `equinet db seed --scale N` takes and what it leaves behind.

Creates the database when it is missing (with `--fresh`: drops and recreates it first),
migrates it as a development database, runs the scale seed for N providers and reports the
seconds, rows per second, rows and size per table and the database size. With `--write` the
"Scale seed" section of docs/benchmarks.md is replaced by the figures (other sections stay).

    .venv/bin/python bench/scale_seed.py --providers 10000 --fresh --write docs/benchmarks.md

The database stays afterwards: the index advisor and the pool benchmark run on it. Loopback
only, and never on a database stamped for staging or production (the seed refuses anyway).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import re
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from equinet.db.targets import asyncpg_connect, drop_database, ensure_database_exists
from equinet.db.urls import DatabaseTarget, is_local_host, parse_database_url
from equinet.ops import database
from equinet.ops.scale_seed import SEEDED_TABLES, ScaleSeedResult, seed_scale
from equinet.settings import Environment, Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/equinet_scale"
SECTION = "## Scale seed"
HEADER = """# Benchmarks

Figures measured on the development machine by the scripts under `bench/`; each section says
how to reproduce it. Every script writes only its own section.
"""


@dataclass
class TableFigures:
    name: str
    rows: int
    bytes: int


async def table_figures(target: DatabaseTarget) -> tuple[list[TableFigures], int, str]:
    connection = await asyncpg_connect(target)
    try:
        tables = []
        for name in SEEDED_TABLES:
            rows = await connection.fetchval(f'SELECT count(*) FROM "{name}"')
            size = await connection.fetchval(
                "SELECT pg_total_relation_size($1::regclass)", f'"{name}"'
            )
            tables.append(TableFigures(name, int(rows), int(size)))
        total = int(await connection.fetchval("SELECT pg_database_size(current_database())"))
        version = str(await connection.fetchval("SHOW server_version"))
        return tables, total, version
    finally:
        await connection.close()


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def markdown(
    arguments: argparse.Namespace,
    result: ScaleSeedResult,
    tables: list[TableFigures],
    database_bytes: int,
    server_version: str,
    load: float,
) -> str:
    added = {
        "User": result.users,
        "Provider": result.providers,
        "Service": result.services,
        "Availability": result.availability,
        "AvailabilityException": result.exceptions,
        "Horse": result.horses,
        "Booking": result.bookings,
        "Payment": result.payments,
        "Review": result.reviews,
        "Notification": result.notifications,
    }
    lines = [
        SECTION,
        "",
        f"`equinet db seed --scale {arguments.providers}` on an empty, migrated database "
        f"(`bench/scale_seed.py --providers {arguments.providers} --fresh`), PostgreSQL "
        f"{server_version} on loopback, {os.cpu_count()} CPU cores, Python "
        f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}; 1-minute load average "
        f"{load:.1f} when it started (other work on the machine slows it down).",
        "",
        f"- **{result.seconds:,.0f} s** for {result.rows:,} rows: "
        f"**{result.rows / result.seconds:,.0f} rows/s** (generation, COPY, index and foreign-key "
        "rebuild, ANALYZE; one transaction)",
        f"- database size afterwards: **{megabytes(database_bytes)}**",
        "- how: rows from one seeded `random.Random`, COPY per table in batches of 200 providers "
        "while the next batch is generated, secondary indexes and foreign keys dropped and "
        "rebuilt inside the transaction when the tables hold less than the run adds",
        "",
        "| table | rows added | rows in table | size (with indexes) |",
        "|---|---:|---:|---:|",
    ]
    for table in tables:
        lines.append(
            f"| {table.name} | {added[table.name]:,} | {table.rows:,} | {megabytes(table.bytes)} |"
        )
    lines.append("")
    return "\n".join(lines)


def replace_section(document: Path, section: str) -> None:
    text = document.read_text() if document.exists() else HEADER
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    document.write_text(text.rstrip("\n") + "\n")


async def main(arguments: argparse.Namespace) -> str:
    target = parse_database_url(arguments.url)
    if not is_local_host(target.host):
        sys.exit(f"refusing to seed {target.host}: this benchmark runs on loopback only")
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, equinet_env=Environment.development, database_url=arguments.url
    )
    if arguments.fresh:
        await drop_database(target, target.database)
    await ensure_database_exists(target)
    await database.migrate(target, settings)
    load = os.getloadavg()[0]
    result = await seed_scale(
        target, settings, providers=arguments.providers, console=Console(), seed=arguments.seed
    )
    tables, database_bytes, version = await table_figures(target)
    return markdown(arguments, result, tables, database_bytes, version, load)


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument(
        "--url",
        default=os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL,
        help=f"database to seed (default: $BENCH_DATABASE_URL, then {DEFAULT_URL})",
    )
    parser.add_argument("--providers", type=int, default=10_000, help="N (10000)")
    parser.add_argument("--seed", type=int, default=42, help="random seed (42)")
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database")
    parser.add_argument("--write", type=Path, help="replace the section in this Markdown file")
    return parser.parse_args(argv)


if __name__ == "__main__":
    options = parse_arguments()
    report = asyncio.run(main(options))
    print()
    print(report)
    if options.write:
        replace_section(options.write, report)
