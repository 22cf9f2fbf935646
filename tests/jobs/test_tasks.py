"""The periodic purge of idempotency keys, the e-mail templates, and where test mail goes."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.bookings.tasks import purge_idempotency_keys
from equinet.db.base import new_uuid, utcnow
from equinet.jobs.registry import WorkContext, load_tasks
from equinet.jobs.worker import RedactJobSecrets
from equinet.models import IdempotencyKey
from equinet.settings import Settings
from tests import factories
from tests.accounts.helpers import STRONG_PASSWORD
from tests.bookings.support import auth, future_day, make_shop
from tests.conftest import TEST_OUTBOX


async def _key(db: AsyncSession, user_id: str, *, expired: bool) -> str:
    now = utcnow()
    row = IdempotencyKey(
        id=new_uuid(),
        user_id=user_id,
        key=f"k-{uuid.uuid4().hex[:8]}",
        request_hash="x",
        created_at=now - timedelta(hours=30),
        expires_at=now - timedelta(hours=6) if expired else now + timedelta(hours=6),
    )
    db.add(row)
    await db.flush()
    return row.id


async def _exists(db: AsyncSession, key_id: str) -> bool:
    found = await db.scalar(
        select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.id == key_id)
    )
    return bool(found)


async def test_bookings_leave_expired_keys_to_the_periodic_purge(
    client: httpx.AsyncClient,
    db_session: AsyncSession,
    sessionmaker: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    shop = await make_shop(db_session)
    customer = await factories.customer(db_session)
    expired = await _key(db_session, customer.id, expired=True)
    fresh = await _key(db_session, customer.id, expired=False)
    body = {
        "providerId": shop.provider.id,
        "serviceId": shop.service.id,
        "bookingDate": future_day().isoformat(),
        "startTime": "10:00",
    }
    headers = {**await auth(db_session, customer, settings), "Idempotency-Key": "ny-nyckel"}

    assert (await client.post("/api/bookings", json=body, headers=headers)).status_code == 201
    assert await _exists(db_session, expired)  # the booking request did not purge

    await purge_idempotency_keys(WorkContext(settings=settings, sessionmaker=sessionmaker))
    assert not await _exists(db_session, expired)
    assert await _exists(db_session, fresh)


def test_the_purge_is_registered_as_a_periodic_task() -> None:
    spec = load_tasks()["purge_idempotency_keys"]
    assert spec.cron == "*/15 * * * *"


async def test_account_mail_is_written_from_one_layout_in_the_requests_language(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    email = f"lang-{uuid.uuid4().hex[:8]}@example.se"
    before = set(TEST_OUTBOX.glob("*.eml"))
    response = await client.post(
        "/api/auth/register",
        json={
            "email": email,
            "password": STRONG_PASSWORD,
            "firstName": "<i>Eva</i>",
            "lastName": "Lind",
            "userType": "customer",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 201

    [path] = set(TEST_OUTBOX.glob("*.eml")) - before
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == email
    assert message["Subject"] == "Verify your e-mail - Equinet"
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None and html_part is not None
    text = text_part.get_content()  # type: ignore[attr-defined]
    html = html_part.get_content()  # type: ignore[attr-defined]
    assert "Hi <i>Eva</i>!" in text and "Kind regards," in text
    assert "&lt;i&gt;Eva&lt;/i&gt;" in html and "<i>Eva</i>" not in html
    assert "Kind regards," in html and '<html lang="en">' in html


def test_tests_never_write_into_the_development_outbox(settings: Settings) -> None:
    development = Settings(_env_file=None).email_outbox_dir  # type: ignore[call-arg]
    assert settings.email_outbox_dir == TEST_OUTBOX
    assert not TEST_OUTBOX.resolve().is_relative_to(development.resolve())
    assert Path(development).resolve() != TEST_OUTBOX.resolve()


def test_worker_logs_never_show_a_one_time_token() -> None:
    record = logging.LogRecord(
        "procrastinate.worker", logging.INFO, __file__, 1,
        "Starting job %s",
        ("send_email[1](kind='verification', params={'token': 'abc123', 'user_id': 'u1'})",),
        None,
    )  # fmt: skip
    assert RedactJobSecrets().filter(record)
    line = record.getMessage()
    assert "abc123" not in line and "'token': '…'" in line and "'user_id': 'u1'" in line
