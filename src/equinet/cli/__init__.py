"""The `equinet` command line: `serve`, `worker`, and `db ...` for the database."""

from __future__ import annotations

import typer

from equinet.cli.backup import backup_app
from equinet.cli.db import db_app
from equinet.cli.jobs import jobs_app
from equinet.cli.maintenance import maintenance_app
from equinet.cli.monitor import monitor
from equinet.cli.serve import serve
from equinet.cli.users import users_app
from equinet.cli.worker import worker

app = typer.Typer(
    name="equinet",
    help="Equinet: booking platform for horse care.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.command()(serve)
app.add_typer(db_app, name="db")
app.add_typer(backup_app, name="backup")
app.add_typer(maintenance_app, name="maintenance")
app.add_typer(jobs_app, name="jobs")
app.command()(monitor)
app.command()(worker)
app.add_typer(users_app, name="users")


def main() -> None:
    app()
