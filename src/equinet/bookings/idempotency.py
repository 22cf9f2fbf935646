"""`Idempotency-Key` on POST /api/bookings: the same key and body replay the first response.

The key row is inserted in the booking's own transaction (`ON CONFLICT DO NOTHING`): a second
request with the same key waits for the first to finish, then replays its stored response; if
the first failed and rolled back, its key is gone and the retry runs afresh. A different body
under a used key is a 409. Keys live 24 hours; a periodic job purges the expired ones.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.bookings import repository
from equinet.bookings.exceptions import IdempotencyKeyReused, InvalidIdempotencyKey
from equinet.db.base import utcnow

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
    """Delete up to `batch_size` expired keys; how many (the periodic purge job's step)."""
    return await repository.purge_expired_idempotency_keys(db, utcnow(), batch_size)


async def claim(
    db: AsyncSession, user_id: str, key: str, fingerprint: str
) -> StoredResponse | None:
    """None: this request owns the key and runs. Otherwise the first request's response."""
    check_key(key)
    now = utcnow()
    await repository.forget_expired_idempotency_key(db, user_id, key, now)
    claimed = await repository.insert_idempotency_key(
        db,
        user_id=user_id,
        key=key,
        request_hash=fingerprint,
        created_at=now,
        expires_at=now + KEY_LIFETIME,
    )
    if claimed:
        return None
    stored = await repository.idempotency_key(db, user_id, key)
    if stored is None or stored.request_hash != fingerprint or stored.response_status is None:
        raise IdempotencyKeyReused()
    body = json.loads(stored.response_body) if stored.response_body else None
    return StoredResponse(status_code=stored.response_status, body=body)


async def remember(db: AsyncSession, user_id: str, key: str, status_code: int, body: Any) -> None:
    await repository.store_idempotent_response(
        db, user_id, key, status_code, json.dumps(body, ensure_ascii=False)
    )
