"""Backups with a verified restore (B1-B5), proven through the `equinet backup` commands on a
real, migrated and seeded PostgreSQL database (the service's 15 or the embedded 16, each with
its own pg_dump), a folder, and a local S3-compatible server speaking real HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from typer.testing import CliRunner, Result

from equinet.cli import app
from equinet.db.migrations import head_revision
from equinet.db.targets import asyncpg_connect, drop_database
from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from equinet.ops.backup.dump import fingerprint_database
from equinet.ops.backup.fingerprint import TableFingerprint
from equinet.ops.backup.manifest import Manifest, read_manifest, stamp, write_manifest
from equinet.settings import get_settings
from tests.conftest import PROJECT_ROOT, copy_of_template, make_settings, url_of


async def seed(target: DatabaseTarget) -> DatabaseTarget:
    """The demo data on a database already at head."""
    await database.seed(target, make_settings(target))
    return target


@pytest.fixture(scope="module")
async def demo(migrated_template: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    """A database at head with the demo data (providers, services, weekly hours), shared by
    the tests that only read it."""
    async with copy_of_template(migrated_template, "backup_demo") as target:
        yield await seed(target)


@pytest.fixture
async def seeded(migrated: DatabaseTarget) -> DatabaseTarget:
    """Like `demo`, but the test's own: for tests that change the data."""
    return await seed(migrated)


def cli_env(target: DatabaseTarget, backup_dir: Path, **extra: str | None) -> dict[str, Any]:
    """The environment an operator would set: the service's URL, or (embedded PostgreSQL) no
    URL at all so that the CLI picks pgserver's own pg_dump."""
    env: dict[str, Any] = {
        "EQUINET_ENV": "test",
        "BACKUP_DIR": str(backup_dir),
        "DIRECT_DATABASE_URL": None,
        "PG_BIN_DIR": None,
        "BACKUP_S3_URL": None,
    }
    if os.environ.get("TEST_DATABASE_URL"):
        env["DATABASE_URL"] = url_of(target)
    else:
        env["DATABASE_URL"] = None
        env["EMBEDDED_PG_DIR"] = str(PROJECT_ROOT / ".equinet" / "pgdata-test")
        env["EMBEDDED_DATABASE"] = target.database
    env.update(extra)
    return env


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # Run the CLI where no developer's .env can leak settings into the test.
    monkeypatch.chdir(tmp_path)
    return tmp_path


def equinet(env: dict[str, Any], *args: str) -> Result:
    get_settings.cache_clear()  # the CLI reads its settings from `env`
    try:
        return CliRunner().invoke(app, list(args), env=env)
    finally:
        get_settings.cache_clear()


def only_dump(folder: Path) -> Path:
    dumps = sorted(folder.glob("*.dump"))
    assert len(dumps) == 1, dumps
    return dumps[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sql(target: DatabaseTarget, *statements: str) -> None:
    async def execute() -> None:
        connection = await asyncpg_connect(target)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(execute())


def fingerprint_of(target: DatabaseTarget) -> dict[str, TableFingerprint]:
    return asyncio.run(fingerprint_database(target))


def databases_named(target: DatabaseTarget, pattern: str) -> set[str]:
    async def names() -> set[str]:
        connection = await asyncpg_connect(target, database="postgres")
        try:
            rows = await connection.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1", pattern
            )
        finally:
            await connection.close()
        return {row["datname"] for row in rows}

    return asyncio.run(names())


def test_create_writes_a_dump_and_a_manifest_describing_every_table(
    demo: DatabaseTarget, workdir: Path
) -> None:
    backups = workdir / "backups"
    result = equinet(cli_env(demo, backups), "backup", "create")

    assert result.exit_code == 0, result.output
    dump = only_dump(backups)
    manifest = read_manifest(dump)
    assert manifest.tables == fingerprint_of(demo)
    assert manifest.tables["public.Availability"].rows == 35  # the demo data's weekly hours
    assert manifest.revision == head_revision()
    assert manifest.environment == "test"
    assert manifest.dump_sha256 == sha256(dump)
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    assert f"created {dump}" in result.stdout


def test_created_backup_verifies_in_a_scratch_database_that_is_dropped(
    demo: DatabaseTarget, workdir: Path
) -> None:
    env = cli_env(demo, workdir / "backups")
    assert equinet(env, "backup", "create").exit_code == 0
    before = databases_named(demo, "equinet_verify_%")

    result = equinet(env, "backup", "verify")  # no FILE: the newest backup in BACKUP_DIR

    assert result.exit_code == 0, result.output
    assert f"verified {only_dump(workdir / 'backups')}: sha256 ok" in result.stdout
    assert databases_named(demo, "equinet_verify_%") <= before


def test_verify_fails_when_bytes_of_the_dump_are_flipped(
    demo: DatabaseTarget, workdir: Path
) -> None:
    env = cli_env(demo, workdir / "backups")
    assert equinet(env, "backup", "create").exit_code == 0
    dump = only_dump(workdir / "backups")
    damaged = bytearray(dump.read_bytes())
    for offset in range(len(damaged) // 2, len(damaged) // 2 + 16):
        damaged[offset] ^= 0xFF
    dump.write_bytes(bytes(damaged))

    result = equinet(env, "backup", "verify", str(dump))

    assert result.exit_code == 1
    assert "dump file sha256 is" in result.stderr
    assert "verify FAILED" in result.stderr


def test_verify_lists_every_changed_table_when_the_dump_is_of_a_modified_database(
    seeded: DatabaseTarget, workdir: Path
) -> None:
    original, modified = workdir / "original", workdir / "modified"
    assert equinet(cli_env(seeded, original), "backup", "create").exit_code == 0
    sql(
        seeded,
        'DELETE FROM "Availability" WHERE id = (SELECT min(id) FROM "Availability")',
        """UPDATE "Provider" SET "businessName" = 'Renamed AB'
           WHERE id = (SELECT min(id) FROM "Provider")""",
    )
    assert equinet(cli_env(seeded, modified), "backup", "create").exit_code == 0
    # The newer dump under the old manifest: what a swapped or overwritten file looks like.
    dump = only_dump(original)
    dump.write_bytes(only_dump(modified).read_bytes())

    result = equinet(cli_env(seeded, original), "backup", "verify", str(dump))

    assert result.exit_code == 1
    problems = [line for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert len(problems) == 3, result.stderr
    assert "dump file sha256 is" in problems[0]
    assert "table public.Availability: 34 rows, the manifest says 35" in problems[1]
    assert "table public.Provider: same row count" in problems[2]


def test_tables_without_a_primary_key_are_checksummed_and_verified(
    seeded: DatabaseTarget, workdir: Path
) -> None:
    sql(
        seeded,
        "CREATE TABLE stable_notes (body text, written date)",
        "INSERT INTO stable_notes VALUES ('hay delivered', '2026-01-02'), ('farrier', NULL)",
    )
    env = cli_env(seeded, workdir / "backups")
    assert equinet(env, "backup", "create").exit_code == 0
    manifest = read_manifest(only_dump(workdir / "backups"))
    assert manifest.tables["public.stable_notes"].rows == 2

    result = equinet(env, "backup", "verify", str(only_dump(workdir / "backups")))

    assert result.exit_code == 0, result.output


def test_restore_into_a_new_database_reproduces_every_table(
    demo: DatabaseTarget, workdir: Path
) -> None:
    env = cli_env(demo, workdir / "backups")
    assert equinet(env, "backup", "create").exit_code == 0
    original = fingerprint_of(demo)
    name = f"{demo.database}_restored"
    try:
        result = equinet(
            env, "backup", "restore", str(only_dump(workdir / "backups")), "--into", name
        )

        assert result.exit_code == 0, result.output
        assert f"into new database {name}" in result.stdout
        assert fingerprint_of(demo.with_database(name)) == original
        assert fingerprint_of(demo) == original
    finally:
        asyncio.run(drop_database(demo, name))


def test_restore_refuses_an_existing_database_and_leaves_it_intact(
    seeded: DatabaseTarget, workdir: Path
) -> None:
    env = cli_env(seeded, workdir / "backups")
    assert equinet(env, "backup", "create").exit_code == 0
    sql(seeded, 'DELETE FROM "Availability"')  # so that an overwrite would be visible
    before = fingerprint_of(seeded)

    result = equinet(
        env, "backup", "restore", str(only_dump(workdir / "backups")), "--into", seeded.database
    )

    assert result.exit_code == 1
    assert f"database {seeded.database} already exists" in result.stderr
    assert fingerprint_of(seeded) == before


def test_restore_refuses_a_damaged_dump_and_creates_nothing(
    demo: DatabaseTarget, workdir: Path
) -> None:
    env = cli_env(demo, workdir / "backups")
    assert equinet(env, "backup", "create").exit_code == 0
    dump = only_dump(workdir / "backups")
    dump.write_bytes(dump.read_bytes()[:-100])
    name = f"{demo.database}_damaged"

    result = equinet(env, "backup", "restore", str(dump), "--into", name)

    assert result.exit_code == 1
    assert "refusing to restore" in result.stderr
    assert databases_named(demo, name) == set()


def test_create_refuses_a_pg_dump_older_than_the_server(
    demo: DatabaseTarget, workdir: Path
) -> None:
    # An old client installation, as on a host with only postgresql-client-9.6.
    old = workdir / "old-postgres-bin"
    old.mkdir()
    program = old / "pg_dump"
    program.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)

    result = equinet(cli_env(demo, workdir / "backups", PG_BIN_DIR=str(old)), "backup", "create")

    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert "pg_dump 9.6.24" in message
    assert "is older than the server (PostgreSQL 1" in message
    assert not list((workdir / "backups").glob("*.dump"))


def test_list_shows_each_backup_with_revision_tables_and_rows(
    demo: DatabaseTarget, workdir: Path
) -> None:
    env = cli_env(demo, workdir / "backups")
    assert equinet(env, "backup", "create").exit_code == 0
    manifest = read_manifest(only_dump(workdir / "backups"))

    result = equinet(env, "backup", "list")

    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith("1 backup(s)")
    row = next(line for line in result.stdout.splitlines() if head_revision() in line)
    assert str(len(manifest.tables)) in row and str(manifest.total_rows) in row


def fake_backup(folder: Path, age: timedelta, *, with_manifest: bool = True) -> Path:
    """A dump + manifest pair created `age` ago (the prune test needs old timestamps)."""
    created = datetime.now(UTC) - age
    dump = folder / f"equinet-{stamp(created)}.dump"
    dump.write_bytes(b"PGDMP fake dump body")
    if with_manifest:
        write_manifest(
            dump,
            Manifest(
                file=dump.name,
                database="equinet",
                created_at=created,
                server_version="16.2",
                pg_dump_version="16.2",
                revision="0001",
                environment="test",
                dump_sha256=sha256(dump),
                dump_bytes=dump.stat().st_size,
                tables={"public.User": TableFingerprint(rows=1, checksum="0" * 32)},
            ),
        )
    return dump


def test_prune_deletes_exactly_the_backups_older_than_keep_days(workdir: Path) -> None:
    folder = workdir / "backups"
    folder.mkdir()
    recent = [fake_backup(folder, timedelta(days=days)) for days in (0, 1, 29)]
    old = [fake_backup(folder, timedelta(days=days)) for days in (31, 90)]
    orphan = fake_backup(folder, timedelta(days=45), with_manifest=False)
    unrelated = folder / "README.txt"
    unrelated.write_text("not a backup")
    env = {"EQUINET_ENV": "test", "BACKUP_DIR": str(folder)}

    result = equinet(env, "backup", "prune", "--keep-days", "30")

    assert result.exit_code == 0, result.output
    expected = {p.name for p in recent} | {
        p.name.replace(".dump", ".manifest.json") for p in recent
    }
    assert {p.name for p in folder.iterdir()} == expected | {unrelated.name}
    for dump in [*old, orphan]:
        assert f"deleted {dump}" in result.stdout
    assert "deleted 3 backup(s) older than 30 days" in result.stdout


def test_prune_keeps_the_newest_backup_even_when_every_backup_is_old(workdir: Path) -> None:
    folder = workdir / "backups"
    folder.mkdir()
    oldest = fake_backup(folder, timedelta(days=60))
    newest = fake_backup(folder, timedelta(days=40))
    env = {"EQUINET_ENV": "test", "BACKUP_DIR": str(folder)}

    result = equinet(env, "backup", "prune", "--keep-days", "30")

    assert result.exit_code == 0, result.output
    assert newest.exists() and not oldest.exists()


def test_push_to_a_folder_copies_verifies_and_skips_what_is_already_there(
    demo: DatabaseTarget, workdir: Path
) -> None:
    env = cli_env(demo, workdir / "backups")
    assert equinet(env, "backup", "create").exit_code == 0
    dump = only_dump(workdir / "backups")
    offsite = workdir / "offsite"

    first = equinet(env, "backup", "push", "--to", str(offsite))
    again = equinet(env, "backup", "push", "--to", str(offsite))
    (offsite / dump.name).write_bytes(b"bit rot")
    repaired = equinet(env, "backup", "push", "--to", str(offsite))

    assert first.exit_code == 0, first.output
    assert "copied 2 file(s)" in first.stdout
    assert sha256(offsite / dump.name) == sha256(dump)
    assert again.exit_code == 0 and "copied 0 file(s)" in again.stdout
    assert "skipped 2 already there" in again.stdout
    assert repaired.exit_code == 0 and "copied 1 file(s)" in repaired.stdout
    assert sha256(offsite / dump.name) == sha256(dump)
    # The off-site copy is a complete backup: it verifies on its own.
    verified = equinet(env, "backup", "verify", str(offsite / dump.name))
    assert verified.exit_code == 0, verified.output


@pytest.fixture
def s3_server() -> Iterator[str]:
    """A local S3-compatible server (moto) on a free port of 127.0.0.1, over real HTTP."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def test_push_to_s3_uploads_verified_copies_that_restore(
    demo: DatabaseTarget, workdir: Path, s3_server: str
) -> None:
    keys = {"aws_access_key_id": "equinet-test", "aws_secret_access_key": "equinet-secret"}
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **keys)
    s3.create_bucket(Bucket="equinet-backups")
    env = cli_env(
        demo,
        workdir / "backups",
        BACKUP_S3_ENDPOINT_URL=s3_server,
        BACKUP_S3_ACCESS_KEY_ID=keys["aws_access_key_id"],
        BACKUP_S3_SECRET_ACCESS_KEY=keys["aws_secret_access_key"],
        BACKUP_S3_URL="s3://equinet-backups/nightly",
    )
    assert equinet(env, "backup", "create").exit_code == 0
    dump = only_dump(workdir / "backups")

    first = equinet(env, "backup", "push")
    again = equinet(env, "backup", "push")

    assert first.exit_code == 0, first.output
    assert "to s3://equinet-backups/nightly: copied 2 file(s)" in first.stdout
    assert again.exit_code == 0 and "skipped 2 already there" in again.stdout
    stored = s3.get_object(Bucket="equinet-backups", Key=f"nightly/{dump.name}")
    assert stored["Metadata"]["sha256"] == sha256(dump)
    downloaded = workdir / "downloaded"
    downloaded.mkdir()
    for path in (dump, dump.with_name(dump.name.replace(".dump", ".manifest.json"))):
        s3.download_file("equinet-backups", f"nightly/{path.name}", str(downloaded / path.name))
    assert sha256(downloaded / dump.name) == sha256(dump)
    verified = equinet(env, "backup", "verify", str(downloaded / dump.name))
    assert verified.exit_code == 0, verified.output
