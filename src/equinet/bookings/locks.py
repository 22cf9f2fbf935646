"""Transaction-scoped advisory locks that serialise writes to one provider's (or horse's) diary.

Every booking writer takes the provider lock, then the horse lock, always in that order (so two
writers cannot deadlock), re-checks overlap while holding them and inserts; the locks are
released by the commit, after the new row is visible to the next writer.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def lock_key(namespace: str, identifier: str) -> int:
    """A stable signed 64-bit key (the same in every process, unlike Python's `hash`)."""
    digest = hashlib.blake2b(f"equinet:{namespace}:{identifier}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


async def lock_diary(db: AsyncSession, *, provider_id: str, horse_id: str | None = None) -> None:
    await db.execute(
        text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("provider", provider_id)}
    )
    if horse_id:
        await db.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("horse", horse_id)}
        )
