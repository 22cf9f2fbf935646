"""Taking a dump, and restoring it into a new database (verify: a scratch one; restore: a
named one), checked against the manifest.

The dump is pg_dump's custom format (-Fc) rather than gzipped plain SQL: it is compressed
per table, pg_restore checks the archive's header and table of contents before running
anything, restores in one transaction (`--single-transaction`) and can restore selected tables
or run in parallel (`--jobs`) when a disaster needs it. The price is that the archive needs a
pg_restore at least as new as the pg_dump that wrote it; the manifest records that version
and `verify`/`restore` refuse an older pg_restore with one clear line.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from equinet.db.targets import asyncpg_connect, direct_database, drop_database
from equinet.db.urls import DatabaseTarget
from equinet.ops.backup import BackupError, Step, no_progress
from equinet.ops.backup.fingerprint import (
    TableFingerprint,
    compare,
    fingerprint,
    prepare_session,
    quote_ident,
)
from equinet.ops.backup.manifest import (
    Manifest,
    new_dump_path,
    read_manifest,
    sha256_of,
    write_manifest,
)
from equinet.ops.backup.tools import (
    ClientTool,
    connection_arguments,
    require_pg_dump,
    require_pg_restore,
)
from equinet.ops.scratch import scratch_database
from equinet.settings import Settings

# PostgreSQL's identifier limit is 63 bytes; we also keep to characters that need no quoting
# in a shell or a URL, since the operator will type the name into DATABASE_URL next.
_DATABASE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]{0,62}$")


@dataclass(frozen=True)
class CreatedBackup:
    dump: Path
    manifest_file: Path
    manifest: Manifest
    source: str


@dataclass
class RestoreReport:
    """What a restore (into a scratch database for `verify`, or a named one) found."""

    dump: Path
    manifest: Manifest
    database: str
    problems: list[str] = field(default_factory=list)
    tables: dict[str, TableFingerprint] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


async def _read_revision(connection: Any) -> str | None:
    if not await connection.fetchval("SELECT to_regclass('public.alembic_version') IS NOT NULL"):
        return None
    rows = await connection.fetch("SELECT version_num FROM public.alembic_version ORDER BY 1")
    return ",".join(row["version_num"] for row in rows) or None


async def _read_environment(connection: Any) -> str | None:
    if not await connection.fetchval(
        """SELECT to_regclass('public."EnvironmentStamp"') IS NOT NULL"""
    ):
        return None
    value = await connection.fetchval('SELECT environment FROM public."EnvironmentStamp"')
    return str(value) if value is not None else None


def _error_lines(stderr: bytes) -> str:
    """pg_dump/pg_restore's own error lines, without the noise around them."""
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()] or lines
    return "; ".join(errors[:3]) or "no output"


async def create_backup(
    settings: Settings, folder: Path | None = None, step: Step = no_progress
) -> CreatedBackup:
    """Dump the CLI's database (direct URL) into `folder` and write its manifest beside it."""
    target = direct_database(settings)
    folder = (folder or settings.backup_dir).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    step(f"connecting to {target.describe()}")
    connection = await asyncpg_connect(target)
    try:
        version_num = int(await connection.fetchval("SHOW server_version_num"))
        server_version = str(await connection.fetchval("SHOW server_version")).split()[0]
        tool = require_pg_dump(settings, version_num)
        await prepare_session(connection)
        # The manifest must describe exactly what the dump holds even while the app writes:
        # pg_dump reads the snapshot this transaction exports, and we fingerprint the same
        # snapshot, so counts and checksums match the dump to the row.
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            created_at = datetime.now(UTC)
            dump = new_dump_path(folder, target.database, created_at)
            partial = dump.with_name(dump.name + ".partial")
            step(f"dumping with pg_dump {tool.version}")
            finished = await _start_pg_dump(tool, target, snapshot, partial)
            try:
                step("counting rows and checksumming every table")
                tables = await fingerprint(connection)
                revision = await _read_revision(connection)
                environment = await _read_environment(connection)
                step(f"dumping with pg_dump {tool.version} (waiting for it to finish)")
                returncode, stderr = await finished
            except BaseException:
                finished.cancel()  # kills pg_dump
                with contextlib.suppress(BaseException):
                    await finished
                partial.unlink(missing_ok=True)
                raise
    finally:
        await connection.close()
    if returncode != 0:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {_error_lines(stderr)}")
    partial.replace(dump)
    step("hashing the dump")
    manifest = Manifest(
        file=dump.name,
        database=target.database,
        created_at=created_at,
        server_version=server_version,
        pg_dump_version=tool.version,
        revision=revision,
        environment=environment,
        dump_sha256=sha256_of(dump),
        dump_bytes=dump.stat().st_size,
        tables=tables,
    )
    manifest_file = write_manifest(dump, manifest)
    return CreatedBackup(dump, manifest_file, manifest, target.describe())


async def _start_pg_dump(
    tool: ClientTool, target: DatabaseTarget, snapshot: str, output: Path
) -> asyncio.Task[tuple[int, bytes]]:
    url, env = connection_arguments(target)
    process = await asyncio.create_subprocess_exec(
        str(tool.path),
        "--format=custom",
        "--no-owner",
        "--no-privileges",
        f"--snapshot={snapshot}",
        f"--file={output}",
        f"--dbname={url}",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )

    async def finish() -> tuple[int, bytes]:
        try:
            _, stderr = await process.communicate()
        except BaseException:
            if process.returncode is None:
                process.kill()
                await process.wait()
            raise
        return process.returncode or 0, stderr

    return asyncio.create_task(finish())


async def _pg_restore(tool: ClientTool, dump: Path, target: DatabaseTarget) -> str | None:
    """Restore `dump` into the (empty) database `target`; the error text, or None on success."""
    url, env = connection_arguments(target)
    process = await asyncio.create_subprocess_exec(
        str(tool.path),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={url}",
        str(dump),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    _, stderr = await process.communicate()
    return None if process.returncode == 0 else _error_lines(stderr)


async def fingerprint_database(target: DatabaseTarget) -> dict[str, TableFingerprint]:
    """Counts and checksums of every table of `target`, read from one snapshot."""
    connection = await asyncpg_connect(target)
    try:
        await prepare_session(connection)
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            return await fingerprint(connection)
    finally:
        await connection.close()


def _checked_manifest(dump: Path, problems: list[str]) -> Manifest:
    manifest = read_manifest(dump)
    actual = sha256_of(dump)
    if actual != manifest.dump_sha256:
        problems.append(
            f"dump file sha256 is {actual}, the manifest says {manifest.dump_sha256} "
            "(the file was changed or damaged after the backup)"
        )
    return manifest


async def verify_backup(settings: Settings, dump: Path, step: Step = no_progress) -> RestoreReport:
    """Restore `dump` into a scratch database, compare with the manifest, drop the scratch
    database (B4). Every difference is listed in the report."""
    problems: list[str] = []
    step("checking the dump's sha256")
    manifest = _checked_manifest(dump, problems)
    tool = require_pg_restore(settings, manifest.pg_dump_version)
    server = direct_database(settings)
    async with scratch_database(server, "verify") as scratch:
        report = RestoreReport(dump, manifest, scratch.database, problems)
        step(f"restoring into scratch database {scratch.database} (pg_restore {tool.version})")
        error = await _pg_restore(tool, dump, scratch)
        if error is not None:
            problems.append(f"pg_restore failed: {error}")
            return report
        step("recomputing counts and checksums")
        report.tables = await fingerprint_database(scratch)
        problems.extend(compare(manifest.tables, report.tables))
        step(f"dropping scratch database {scratch.database}")
    return report


async def restore_backup(
    settings: Settings, dump: Path, into: str, step: Step = no_progress
) -> RestoreReport:
    """Restore `dump` into a NEW database `into` on the CLI's server (B3); the database the app
    uses is never touched. Refuses an existing name and a dump that fails its sha256."""
    if not _DATABASE_NAME.match(into):
        raise BackupError(
            f"{into!r} is not a usable database name: use letters, digits, _ and - "
            "(at most 63, starting with a letter or _)"
        )
    problems: list[str] = []
    step("checking the dump's sha256")
    manifest = _checked_manifest(dump, problems)
    if problems:
        raise BackupError(f"refusing to restore {dump.name}: {problems[0]}")
    tool = require_pg_restore(settings, manifest.pg_dump_version)
    server = direct_database(settings)
    step(f"creating database {into}")
    await _create_new_database(server, into)
    target = server.with_database(into)
    step(f"restoring into {into} (pg_restore {tool.version})")
    error = await _pg_restore(tool, dump, target)
    if error is not None:
        await drop_database(server, into)
        raise BackupError(f"pg_restore failed: {error} (database {into} was dropped again)")
    step("recomputing counts and checksums")
    report = RestoreReport(dump, manifest, into, problems)
    report.tables = await fingerprint_database(target)
    problems.extend(compare(manifest.tables, report.tables))
    return report


async def _create_new_database(server: DatabaseTarget, name: str) -> None:
    exists = BackupError(
        f"database {name} already exists ({server.with_database(name).describe()}): restore "
        "only ever creates a new database; choose another name with --into"
    )
    connection = await asyncpg_connect(server, database="postgres")
    try:
        if await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            raise exists
        # template0: a pristine database, so that nothing added to template1 collides with
        # the restored objects.
        try:
            await connection.execute(f"CREATE DATABASE {quote_ident(name)} TEMPLATE template0")
        except asyncpg.DuplicateDatabaseError:
            raise exists from None
    finally:
        await connection.close()
