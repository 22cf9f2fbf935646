"""`Idempotency-Key` on POST /api/bookings: the same key and body replay the first response.

The key row is inserted in the booking's own transaction (`ON CONFLICT DO NOTHING`): a second
request with the same key waits for the first to finish, then replays its stored response; if
the first failed and rolled back, its key is gone and the retry runs afresh. A different body
under a used key is a 409. Keys live 24 hours; the periodic job `purge_idempotency_keys`
(bookings/tasks.py) deletes expired ones, so booking requests never wait on each other's purge.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.bookings.exceptions import IdempotencyKeyReused, InvalidIdempotencyKey
from equinet.db.base import new_uuid, utcnow
from equinet.models import IdempotencyKey

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
PURGE_BATCH = 1000


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    body: Any


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidIdempotencyKey()
    return key


async def purge_expired(db: AsyncSession, batch_size: int = PURGE_BATCH) -> int:
    """Delete up to `batch_size` expired keys (skipping rows a booking holds); how many."""
    now = utcnow()
    batch = (
        select(IdempotencyKey.id)
        .where(IdempotencyKey.expires_at < now)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    result = await db.execute(
        delete(IdempotencyKey).where(IdempotencyKey.id.in_(batch.scalar_subquery()))
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def claim(
    db: AsyncSession, user_id: str, key: str, fingerprint: str
) -> StoredResponse | None:
    """None: this request owns the key and runs. Otherwise the first request's response."""
    check_key(key)
    now = utcnow()
    await db.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.expires_at < now,
        )
    )
    inserted = await db.execute(
        insert(IdempotencyKey)
        .values(
            id=new_uuid(),
            user_id=user_id,
            key=key,
            request_hash=fingerprint,
            created_at=now,
            expires_at=now + KEY_LIFETIME,
        )
        .on_conflict_do_nothing(index_elements=["userId", "key"])
        .returning(IdempotencyKey.id)
    )
    if inserted.first() is not None:
        return None
    stored = (
        await db.execute(
            select(
                IdempotencyKey.request_hash,
                IdempotencyKey.response_status,
                IdempotencyKey.response_body,
            ).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        )
    ).first()
    if stored is None or stored.request_hash != fingerprint or stored.response_status is None:
        raise IdempotencyKeyReused()
    body = json.loads(stored.response_body) if stored.response_body else None
    return StoredResponse(status_code=stored.response_status, body=body)


async def remember(db: AsyncSession, user_id: str, key: str, status_code: int, body: Any) -> None:
    await db.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .values(response_status=status_code, response_body=json.dumps(body, ensure_ascii=False))
    )
