"""`equinet db ...`: migrations, drift and RLS checks, adoption, seeding and reset."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from equinet.cli.common import (
    MigrationFailed,
    console,
    describe_failure,
    errors,
    fail,
    failed_revision,
    load_settings,
    run,
)
from equinet.db import migrations
from equinet.db.engine import engine_for
from equinet.db.targets import direct_database, ensure_database_exists
from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from equinet.ops.adopt import AdoptionRefused, adopt
from equinet.ops.database import MigrationRun
from equinet.ops.drift import check_drift
from equinet.ops.rls import tables_without_rls
from equinet.settings import Settings

db_app = typer.Typer(
    help="Migrations, checks, seeding and reset of the database.", no_args_is_help=True
)


def _target(settings: Settings) -> DatabaseTarget:
    target = direct_database(settings)
    if settings.uses_embedded_database:
        run(ensure_database_exists(target))
    return target


async def _migrate(target: DatabaseTarget, settings: Settings, revision: str) -> MigrationRun:
    """Migrate; a failing revision becomes one line naming it and the revision the database
    is still at (the whole run is one transaction, so none of its revisions stays applied)."""
    try:
        return await database.migrate(target, settings, revision)
    except Exception as error:
        if not isinstance(error, DBAPIError) and failed_revision(error) is None:
            raise  # a bug outside the revisions: keep the traceback
        try:
            current = (await database.status(target)).current or "(none)"
            state = f"the database is still at revision {current}"
        except (DBAPIError, OSError):
            state = "could not read the current revision: run `equinet db status`"
        raise MigrationFailed(
            f"{describe_failure(error)}; {state} (see docs/runbooks/failed-migration.md)"
        ) from None


@db_app.command("migrate")
def migrate_command(
    sql: Annotated[bool, typer.Option("--sql", help="print the SQL instead of running it")] = False,
    revision: Annotated[str, typer.Option(help="target revision")] = "head",
) -> None:
    """Upgrade the database to the newest revision (safe on every deploy)."""
    settings = load_settings()
    if sql:
        target = _target(settings)
        current = run(database.status(target)).current
        typer.echo(migrations.upgrade_sql(current, revision))
        return
    target = _target(settings)
    result = run(_migrate(target, settings, revision))
    if result.applied:
        console.print(f"applied {len(result.applied)} revision(s): {', '.join(result.applied)}")
    console.print(
        f"{target.describe()}: at revision {result.after} (environment {result.environment})"
    )


@db_app.command("status")
def status_command() -> None:
    """Current revision, head and the pending revisions."""
    settings = load_settings()
    target = _target(settings)
    status = run(database.status(target))
    console.print(f"database: {target.describe()}")
    console.print(f"current:  {status.current or '(none)'}")
    console.print(f"head:     {status.head}")
    if status.pending:
        console.print(f"pending:  {', '.join(status.pending)}")
    else:
        console.print("pending:  none")


@db_app.command("check")
def check_command() -> None:
    """Compare models, migrations and the live database; exit 1 listing every difference."""
    settings = load_settings()
    target = _target(settings)
    report = run(check_drift(target))
    if not report.problems:
        console.print(f"no drift: {target.describe()} matches the migrations and the models")
        return
    errors.print(f"[bold red]drift found ({len(report.problems)}):[/]")
    for problem in report.problems:
        errors.print(f"  - {problem}", highlight=False)
    raise typer.Exit(1)


@db_app.command("new")
def new_command(message: Annotated[str, typer.Argument(help="what the revision changes")]) -> None:
    """Autogenerate a revision from the models (review it before committing)."""
    settings = load_settings()
    path = run(database.new_revision(_target(settings), message))
    console.print(f"created {path}")


@db_app.command("downgrade")
def downgrade_command(
    revision: Annotated[str, typer.Argument(help="revision to go back to")],
) -> None:
    """Go back to REVISION (development and test only)."""
    settings = load_settings()
    result = run(database.downgrade(_target(settings), settings, revision))
    console.print(f"downgraded from {result.before} to {result.after or '(empty)'}")


@db_app.command("adopt")
def adopt_command() -> None:
    """Take over an existing Equinet database created by the original app's migrations."""
    settings = load_settings()
    target = _target(settings)
    try:
        result = run(adopt(target, settings))
    except AdoptionRefused as refusal:
        errors.print(f"[bold red]refused:[/] {refusal}", highlight=False)
        for difference in refusal.differences:
            errors.print(f"  - {difference}", highlight=False)
        raise typer.Exit(1) from None
    console.print(
        f"adopted {target.describe()}: baseline 0001 stamped, applied "
        f"{', '.join(result.applied) or 'nothing'}; environment {result.environment}"
    )


@db_app.command("rls-check")
def rls_check_command() -> None:
    """List tables without row-level security; exit 1 if there is any."""
    settings = load_settings()
    target = _target(settings)

    async def check() -> list[str]:
        engine = engine_for(target, "equinet-rls-check")
        try:
            async with engine.connect() as connection:
                return await tables_without_rls(connection)
        finally:
            await engine.dispose()

    missing = run(check())
    if not missing:
        console.print(f"row-level security is enabled on every table of {target.describe()}")
        return
    table = Table("table without row-level security")
    for name in missing:
        table.add_row(name)
    errors.print(table)
    raise typer.Exit(1)


@db_app.command("seed")
def seed_command(
    force: Annotated[bool, typer.Option("--force", help="clear every table first")] = False,
    scale: Annotated[
        int | None,
        typer.Option(
            "--scale",
            min=1,
            help="add N providers of benchmark data (2 customers and ~100 bookings each); "
            "run again to add N more on top, numbered after the existing ones. Holds table "
            "locks while it runs; development/test only",
        ),
    ] = None,
) -> None:
    """Create the demo data (idempotent), or a large data set with --scale N."""
    settings = load_settings()
    target = _target(settings)
    if scale is not None:
        from equinet.ops.scale_seed import seed_scale

        run(seed_scale(target, settings, providers=scale, console=console))
        return
    result = run(database.seed(target, settings, force=force))
    if not result.created:
        console.print("demo data already present (providers exist); use --force to reseed")
        return
    if force:
        console.print(f"cleared {result.cleared_rows} rows")
    console.print(
        f"seeded {result.providers} providers, {result.services} services, "
        f"{result.availability} weekly hours, {result.users - result.providers} customer; "
        "password for every account: test123"
    )


@db_app.command("reset")
def reset_command(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False,
    seed: Annotated[bool, typer.Option(help="seed the demo data afterwards")] = True,
) -> None:
    """Drop and recreate the schema, migrate, and seed (development and test only)."""
    settings = load_settings()
    target = _target(settings)
    if not settings.allows_destructive_commands:
        fail(f"Refusing to reset: EQUINET_ENV is '{settings.equinet_env}'.")
    if not yes and not typer.confirm(f"Delete every row in {target.describe()}?"):
        raise typer.Exit(1)
    result = run(database.reset(target, settings))
    console.print(f"reset {target.describe()}: at revision {result.after}")
    if seed:
        seeded = run(database.seed(target, settings))
        console.print(
            f"seeded {seeded.providers} providers and {seeded.users - seeded.providers} customer"
        )


@db_app.command("explain")
def explain_command(
    json_output: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
    fail_on_seq_scan: Annotated[
        bool,
        typer.Option("--fail-on-seq-scan", help="exit 1 when a large table is scanned (CI)"),
    ] = False,
    query: Annotated[
        list[str] | None,
        typer.Option("--query", "-q", help="only this hot query (or `domain.` prefix); repeatable"),
    ] = None,
    large_table_rows: Annotated[
        int | None,
        typer.Option(
            min=0, help="rows from which a table counts as large (EXPLAIN_LARGE_TABLE_ROWS)"
        ),
    ] = None,
) -> None:
    """Run the app's hot queries with EXPLAIN ANALYZE (read-only, rolled back); advise indexes."""
    from equinet.ops.explain import explain, select_queries
    from equinet.ops.explain_view import render

    settings = load_settings()
    target = _target(settings)
    try:
        chosen = select_queries(query)
    except ValueError as error:
        fail(str(error), code=2)
    report = run(explain(target, settings, queries=chosen, large_table_rows=large_table_rows))
    if json_output:
        typer.echo(report.to_json())
    else:
        render(report, console)
    if report.failed or (fail_on_seq_scan and report.seq_scans):
        raise typer.Exit(1)
