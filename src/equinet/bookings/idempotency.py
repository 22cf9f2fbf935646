"""`Idempotency-Key` on POST /api/bookings: the same key and body replay the first response.

The key row is inserted in the booking's own transaction (`ON CONFLICT DO NOTHING`): a second
request with the same key waits for the first to finish, then replays its stored response; if
the first failed and rolled back, its key is gone and the retry runs afresh. A different body
under a used key is a 409. Keys live 24 hours; expired ones are purged on the way.
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
PURGE_BATCH = 100


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


async def purge_expired(db: AsyncSession) -> None:
    now = utcnow()
    batch = select(IdempotencyKey.id).where(IdempotencyKey.expires_at < now).limit(PURGE_BATCH)
    await db.execute(delete(IdempotencyKey).where(IdempotencyKey.id.in_(batch.scalar_subquery())))


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
    await purge_expired(db)
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
