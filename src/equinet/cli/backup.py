"""`equinet backup ...`: create, list, verify, restore, prune and push backups (B1-B5).

Every command shows its progress on stderr and ends with a one-line summary; failures are one
red line (or a list of differences) and exit code 1.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import asyncpg
import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from equinet.cli.common import console, errors, fail, load_settings, run
from equinet.ops.backup import BackupError, Step
from equinet.ops.backup.dump import RestoreReport, create_backup, restore_backup, verify_backup
from equinet.ops.backup.manifest import list_backups, resolve_dump
from equinet.ops.backup.offsite import destination_for, push
from equinet.ops.backup.retention import prune
from equinet.settings import Settings

backup_app = typer.Typer(
    help="Backups with a verified restore: create, list, verify, restore, prune, push.",
    no_args_is_help=True,
)
T = TypeVar("T")

DirOption = Annotated[
    Path | None, typer.Option("--dir", help="backup folder (default: BACKUP_DIR)")
]


@contextmanager
def _progress() -> Iterator[Step]:
    """A spinner on stderr that shows the current step; gone when the command ends."""
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=errors,
        transient=True,
        # cron and CI logs get the summary line only, not spinner frames
        disable=not errors.is_terminal,
    ) as progress:
        task = progress.add_task("starting", total=None)

        def step(description: str) -> None:
            progress.update(task, description=description)

        yield step


def _guarded(work: Callable[[], T]) -> T:
    try:
        return work()
    except BackupError as error:
        fail(str(error))
    except asyncpg.PostgresError as error:
        fail(f"database error: {error}")


def _run(make: Callable[[Step], Coroutine[Any, Any, T]]) -> T:
    with _progress() as step:
        return _guarded(lambda: run(make(step)))


def _folder(settings: Settings, folder: Path | None) -> Path:
    return (folder or settings.backup_dir).expanduser()


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h {minutes % 60} min"
    return f"{hours // 24} d {hours % 24} h"


def _print_problems(title: str, problems: list[str]) -> None:
    errors.print(f"[bold red]{title}[/]", highlight=False)
    for problem in problems:
        errors.print(f"  - {problem}", highlight=False)


@backup_app.command("create")
def create_command(folder: DirOption = None) -> None:
    """Dump the database (pg_dump -Fc) with a manifest of row counts and checksums."""
    settings = load_settings()
    started = time.monotonic()
    created = _run(lambda step: create_backup(settings, _folder(settings, folder), step))
    manifest = created.manifest
    console.print(
        f"created {created.dump} ({_size(manifest.dump_bytes)}, {len(manifest.tables)} tables, "
        f"{manifest.total_rows} rows, revision {manifest.revision or '-'}, environment "
        f"{manifest.environment or '-'}) from {created.source} in "
        f"{time.monotonic() - started:.1f} s",
        highlight=False,
    )


@backup_app.command("list")
def list_command(folder: DirOption = None) -> None:
    """Backups in the folder: size, age, revision, tables and rows."""
    settings = load_settings()
    where = _folder(settings, folder)
    entries = list_backups(where)
    now = datetime.now(UTC)
    table = Table("backup", "created (UTC)", "age", "size", "revision", "env", "tables", "rows")
    for entry in entries:
        manifest = entry.manifest
        created = entry.created_at
        table.add_row(
            escape(entry.name)
            if entry.problem is None
            else f"{escape(entry.name)} [red]({escape(entry.problem)})[/]",
            created.strftime("%Y-%m-%d %H:%M:%S") if created else "?",
            _age(now - created) if created else "?",
            _size(entry.size) if entry.dump else "-",
            (manifest.revision or "-") if manifest else "?",
            (manifest.environment or "-") if manifest else "?",
            str(len(manifest.tables)) if manifest else "?",
            str(manifest.total_rows) if manifest else "?",
        )
    if entries:
        console.print(table)
    newest = next((e.created_at for e in reversed(entries) if e.created_at), None)
    broken = sum(1 for e in entries if e.problem)
    console.print(
        f"{len(entries)} backup(s), {_size(sum(e.size for e in entries))} in {where}"
        + (f"; newest {_age(now - newest)} old" if newest else "")
        + (f"; {broken} incomplete" if broken else ""),
        highlight=False,
    )


@backup_app.command("verify")
def verify_command(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="dump file (or its manifest, or a name in BACKUP_DIR); default: the newest"
        ),
    ] = None,
) -> None:
    """Restore into a scratch database, compare every table with the manifest, drop it."""
    settings = load_settings()
    started = time.monotonic()
    dump = _guarded(
        lambda: resolve_dump(file, settings.backup_dir) if file else newest_dump(settings)
    )
    report = _run(lambda step: verify_backup(settings, dump, step))
    if not report.ok:
        _print_problems(f"{dump.name} does not match its manifest:", report.problems)
        errors.print(
            f"verify FAILED for {dump}: {len(report.problems)} difference(s)", highlight=False
        )
        raise typer.Exit(1)
    console.print(
        f"verified {dump}: sha256 ok, {len(report.tables)} tables and "
        f"{_rows(report)} rows match the manifest (revision {report.manifest.revision or '-'}); "
        f"scratch database dropped; {time.monotonic() - started:.1f} s",
        highlight=False,
    )


def newest_dump(settings: Settings) -> Path:
    complete = [e.dump for e in list_backups(settings.backup_dir) if e.manifest and e.dump]
    if not complete:
        raise BackupError(f"no complete backup (dump + manifest) in {settings.backup_dir}")
    return complete[-1]


def _rows(report: RestoreReport) -> int:
    return sum(table.rows for table in report.tables.values())


@backup_app.command("restore")
def restore_command(
    file: Annotated[
        Path, typer.Argument(help="dump file (or its manifest, or a name in BACKUP_DIR)")
    ],
    into: Annotated[
        str, typer.Option("--into", help="name of the NEW database to create on the same server")
    ],
) -> None:
    """Restore into a NEW database (never over an existing one) and verify it."""
    settings = load_settings()
    started = time.monotonic()
    dump = _guarded(lambda: resolve_dump(file, settings.backup_dir))
    report = _run(lambda step: restore_backup(settings, dump, into, step))
    if not report.ok:
        _print_problems(f"database {into} does not match the manifest:", report.problems)
        errors.print(
            f"restore FAILED verification: {len(report.problems)} difference(s); database "
            f"{into} kept for inspection (drop it when done)",
            highlight=False,
        )
        raise typer.Exit(1)
    environment = report.manifest.environment
    if environment and environment != settings.equinet_env.value:
        errors.print(
            f"[yellow]note:[/] the backup is stamped '{environment}', EQUINET_ENV is "
            f"'{settings.equinet_env}': the app will refuse the restored database until they "
            "agree",
            highlight=False,
        )
    console.print(
        f"restored {dump.name} into new database {into}: {len(report.tables)} tables and "
        f"{_rows(report)} rows match the manifest; next: point DATABASE_URL at {into} "
        f"(docs/runbooks/restore.md); {time.monotonic() - started:.1f} s",
        highlight=False,
    )


@backup_app.command("prune")
def prune_command(
    keep_days: Annotated[
        int, typer.Option("--keep-days", min=1, help="delete backups older than this")
    ] = 30,
    keep_newest: Annotated[
        int,
        typer.Option("--keep-newest", min=0, help="always keep this many newest good backups"),
    ] = 1,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="only say what would be deleted")
    ] = False,
    folder: DirOption = None,
) -> None:
    """Delete dump + manifest pairs older than --keep-days (by their creation time)."""
    settings = load_settings()
    where = _folder(settings, folder)
    with _progress() as step:
        step(f"reading {where}")
        result = prune(where, keep_days, keep_newest=keep_newest, dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    freed = 0
    for entry in result.deleted:
        freed += entry.size
        for path in entry.files:
            console.print(f"{verb} {path}", highlight=False)
    console.print(
        f"{verb} {len(result.deleted)} backup(s) older than {keep_days} days "
        f"({_size(freed)}), kept {len(result.kept)} in {where}",
        highlight=False,
    )


@backup_app.command("push")
def push_command(
    to: Annotated[
        str | None,
        typer.Option("--to", help="s3://bucket/prefix or a folder (default: BACKUP_S3_URL)"),
    ] = None,
    folder: DirOption = None,
) -> None:
    """Copy backups off-site and verify each copy's sha256; skip those already there."""
    settings = load_settings()
    where = _folder(settings, folder)
    destination = _guarded(lambda: destination_for(settings, to))
    with _progress() as step:
        report = push(where, destination, step)
    if report.failed:
        _print_problems("not pushed:", report.failed)
    summary = (
        f"pushed {where} to {report.destination}: copied {len(report.copied)} file(s) "
        f"({_size(report.bytes_copied)}), verified by sha256; skipped {len(report.skipped)} "
        f"already there; {len(report.failed)} failed"
    )
    if report.failed:
        errors.print(summary, highlight=False)
        raise typer.Exit(1)
    console.print(summary, highlight=False)
