"""Sending reminders: the rebooking reminder when a recurring service is due again, and the
day-before reminder of each confirmed visit to its customer and its provider.

Each delivery is claimed by a unique row (kind, booking, recipient) in the same transaction
as its notification and e-mail, so a second run, or two runs at once, send nothing twice.
E-mails go out after the commit; the e-mail of each kind is built by its own function in
`reminders.emails`, ready to become a job of the queue.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.kit.dates import date_of_booking_column, today_local
from equinet.kit.email import queue_composed_email
from equinet.kit.errors import EquinetError
from equinet.notifications.messages import short_date
from equinet.notifications.service import notify
from equinet.reminders import emails, repository, tokens
from equinet.settings import Settings

logger = logging.getLogger("equinet.reminders")

REBOOKING = "rebooking"
DAY_BEFORE = "day_before"
KINDS = (REBOOKING, DAY_BEFORE)
# A reminder that fell due longer ago than this is not sent (e.g. old bookings the first
# time the job runs): a stale nudge is noise.
REBOOKING_WINDOW = timedelta(days=14)


class InvalidUnsubscribeToken(EquinetError):
    code = "INVALID_UNSUBSCRIBE_TOKEN"
    message = "Länken för att avsluta prenumerationen är ogiltig"


@dataclass(frozen=True)
class ReminderRun:
    rebooking: int
    day_before: int

    @property
    def total(self) -> int:
        return self.rebooking + self.day_before


def unsubscribe_url(settings: Settings, user_id: str, kind: str) -> str:
    token = tokens.sign(settings, user_id, kind)
    # The confirmation page: opening it (as mail scanners do) changes nothing; its button
    # and a mail client's one-click POST (List-Unsubscribe-Post) do.
    return f"{settings.public_base_url.rstrip('/')}/unsubscribe?token={token}"


async def _send_rebooking(db: AsyncSession, settings: Settings, now: datetime) -> int:
    sent = 0
    base = settings.public_base_url.rstrip("/")
    for row in await repository.rebooking_candidates(db, REBOOKING, now, REBOOKING_WINDOW):
        try:
            async with db.begin_nested():
                if not await repository.claim(db, REBOOKING, row.id, row.customer_id):
                    continue
                await notify(
                    db,
                    user_id=row.customer_id,
                    type="reminder_rebook",
                    message=(
                        f"Dags att boka {row.service_name} hos {row.provider_business_name} igen!"
                    ),
                    link_url=f"/providers/{row.provider_id}",
                    metadata={
                        "bookingId": row.id,
                        "providerId": row.provider_id,
                        "serviceId": row.service_id,
                    },
                )
                email = emails.rebooking_email(
                    row,
                    book_url=f"{base}/providers/{row.provider_id}",
                    unsubscribe_url=unsubscribe_url(settings, row.customer_id, REBOOKING),
                )
        except Exception:  # one bad row must not stop the others; its savepoint is undone
            logger.exception("rebooking reminder for booking %s failed", row.id)
            continue
        await queue_composed_email(db, email)
        sent += 1
    return sent


async def _send_day_before(db: AsyncSession, settings: Settings, now: datetime) -> int:
    sent = 0
    tomorrow = today_local(now) + timedelta(days=1)
    for row in await repository.day_before_candidates(db, DAY_BEFORE, tomorrow):
        try:
            async with db.begin_nested():
                if not await repository.claim(db, DAY_BEFORE, row.id, row.recipient_id):
                    continue
                day = short_date(date_of_booking_column(row.booking_date))
                await notify(
                    db,
                    user_id=row.recipient_id,
                    type="booking_reminder",
                    message=f"Påminnelse: {row.service_name} i morgon {day} kl {row.start_time}",
                    link_url="/provider/bookings" if row.to_provider else "/customer/bookings",
                    metadata={"bookingId": row.id},
                )
                email = emails.day_before_email(
                    row, unsubscribe_url=unsubscribe_url(settings, row.recipient_id, DAY_BEFORE)
                )
        except Exception:  # one bad row must not stop the others; its savepoint is undone
            logger.exception("day-before reminder for booking %s failed", row.id)
            continue
        await queue_composed_email(db, email)
        sent += 1
    return sent


async def send_reminders(
    db: AsyncSession, settings: Settings, *, now: datetime | None = None
) -> ReminderRun:
    """Every reminder due at `now` (naive UTC), each to its recipient exactly once."""
    moment = now or utcnow()
    return ReminderRun(
        rebooking=await _send_rebooking(db, settings, moment),
        day_before=await _send_day_before(db, settings, moment),
    )


async def _checked(db: AsyncSession, settings: Settings, token: str | None) -> tokens.Unsubscribe:
    found = tokens.verify(settings, token or "")
    if found is None or found.kind not in KINDS:
        raise InvalidUnsubscribeToken()
    if not await repository.user_exists(db, found.user_id):
        raise InvalidUnsubscribeToken()
    return found


async def unsubscribe_kind(db: AsyncSession, settings: Settings, token: str | None) -> str:
    """Which kind of reminder a link would stop (a valid token), without stopping it."""
    return (await _checked(db, settings, token)).kind


async def unsubscribe(db: AsyncSession, settings: Settings, token: str | None) -> str:
    """Follow an unsubscribe link: that kind of reminder stops for that person. Idempotent."""
    found = await _checked(db, settings, token)
    await repository.opt_out(db, found.user_id, found.kind)
    return found.kind
