"""`equinet jobs ...`: background work run by a scheduler (cron), e.g. `send-reminders`."""

from __future__ import annotations

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.cli.common import console, load_settings, run
from equinet.db.engine import engine_for
from equinet.db.environment_stamp import check_stamp
from equinet.db.session import run_after_commit
from equinet.db.targets import direct_database
from equinet.reminders.service import ReminderRun, send_reminders
from equinet.settings import Settings

jobs_app = typer.Typer(help="Background jobs for a scheduler (cron).", no_args_is_help=True)


async def _send_reminders(settings: Settings) -> ReminderRun:
    target = direct_database(settings)
    engine = engine_for(target, "equinet-jobs")
    try:
        async with engine.connect() as connection:
            await check_stamp(connection, settings, target.describe())
        async with AsyncSession(engine, expire_on_commit=False) as db:
            async with db.begin():
                result = await send_reminders(db, settings)
            # The e-mails leave only once their delivery records are committed.
            await run_after_commit(db)
        return result
    finally:
        await engine.dispose()


@jobs_app.command("send-reminders")
def send_reminders_command() -> None:
    """Send every due rebooking and day-before reminder, each exactly once."""
    settings = load_settings()
    result = run(_send_reminders(settings))
    console.print(
        f"sent {result.total} reminder(s): {result.rebooking} rebooking, "
        f"{result.day_before} day-before",
        highlight=False,
    )
