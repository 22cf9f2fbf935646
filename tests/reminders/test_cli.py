"""`equinet jobs send-reminders`, as cron runs it: the due reminders once, then nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.db.engine import engine_for
from equinet.db.urls import DatabaseTarget
from tests import factories
from tests.bookings.support import future_day, make_shop, read_outbox
from tests.db.support import run_cli


async def test_send_reminders_command_sends_each_due_reminder_once(
    migrated: DatabaseTarget, tmp_path: Path
) -> None:
    engine = engine_for(migrated, "equinet-tests")
    try:
        async with AsyncSession(engine, expire_on_commit=False) as db, db.begin():
            shop = await make_shop(db)
            shop.service.recommended_interval_weeks = 8
            customer = await factories.customer(db)
            done = utcnow() - timedelta(weeks=8, days=2)
            await factories.booking(
                db, by=customer, at=shop.provider, for_service=shop.service, day=done.date(),
                status="completed", completed_at=done,
            )  # fmt: skip
            # Another customer's visit tomorrow (the first one's would count as rebooked).
            await factories.booking(
                db, by=await factories.customer(db), at=shop.provider, for_service=shop.service,
                day=future_day(1), status="confirmed",
            )  # fmt: skip
    finally:
        await engine.dispose()
    outbox = tmp_path / "outbox"

    first = await run_cli(migrated, "jobs", "send-reminders", email_outbox_dir=str(outbox))
    assert first.exit_code == 0, first.output
    assert "sent 3 reminder(s): 1 rebooking, 2 day-before" in first.stdout
    # The command queues the e-mails; the worker sends them.
    worked = await run_cli(migrated, "worker", "--once", email_outbox_dir=str(outbox))
    assert worked.exit_code == 0, worked.output
    assert len(read_outbox(outbox)) == 3

    second = await run_cli(migrated, "jobs", "send-reminders", email_outbox_dir=str(outbox))
    assert second.exit_code == 0, second.output
    assert "sent 0 reminder(s)" in second.stdout
    assert len(read_outbox(outbox)) == 3
