"""`equinet maintenance on|off|status`: switch the API into and out of maintenance mode (B3)."""

from __future__ import annotations

import getpass
import socket
from typing import Annotated

import typer

from equinet.cli.common import console, load_settings, run
from equinet.db.engine import engine_for
from equinet.db.environment_stamp import check_stamp
from equinet.db.targets import direct_database, ensure_database_exists
from equinet.ops.maintenance import MaintenanceState, read_state, write_state
from equinet.settings import Settings

maintenance_app = typer.Typer(
    help="Maintenance mode: the API answers 503 (except health, /metrics and admins).",
    no_args_is_help=True,
)


def _operator() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


async def _change(
    settings: Settings, enabled: bool | None, message: str | None
) -> MaintenanceState:
    target = direct_database(settings)
    if settings.uses_embedded_database:
        await ensure_database_exists(target)
    engine = engine_for(target, "equinet-maintenance")
    try:
        async with engine.begin() as connection:
            await check_stamp(connection, settings, target.describe())
            if enabled is None:
                return await read_state(connection)
            return await write_state(
                connection, enabled=enabled, message=message, changed_by=_operator()
            )
    finally:
        await engine.dispose()


def _print(state: MaintenanceState, settings: Settings) -> None:
    when = f" since {state.changed_at:%Y-%m-%d %H:%M:%S} UTC" if state.changed_at else ""
    by = f" by {state.changed_by}" if state.changed_by else ""
    if state.enabled:
        console.print(f"maintenance mode: [bold red]ON[/]{when}{by}", highlight=False)
        console.print(f"message: {state.public_message}", highlight=False)
    else:
        console.print(f"maintenance mode: [bold green]off[/]{when}{by}", highlight=False)


@maintenance_app.command("on")
def on_command(
    message: Annotated[
        str | None, typer.Option("--message", "-m", help="message for people (Swedish)")
    ] = None,
) -> None:
    """Answer 503 to every request except /api/health, /metrics and admins."""
    settings = load_settings()
    state = run(_change(settings, True, message))
    _print(state, settings)
    console.print(
        f"every worker applies it within {settings.maintenance_cache_seconds:g} s", highlight=False
    )


@maintenance_app.command("off")
def off_command() -> None:
    """Reopen the API."""
    settings = load_settings()
    state = run(_change(settings, False, None))
    _print(state, settings)
    console.print(
        f"every worker reopens within {settings.maintenance_cache_seconds:g} s", highlight=False
    )


@maintenance_app.command("status")
def status_command() -> None:
    """Whether maintenance mode is on, since when and by whom."""
    settings = load_settings()
    _print(run(_change(settings, None, None)), settings)
