"""Server-side sessions: opaque 256-bit tokens, stored only as SHA-256 hashes.

A token is valid while it is not revoked, younger than the absolute lifetime and used within
the idle timeout. `lastSeenAt` is refreshed at most once a minute, so a busy client does not
turn every read into a write.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts import repository
from equinet.db.base import utcnow
from equinet.models import Session, User
from equinet.settings import Settings

_TOUCH_EVERY = timedelta(minutes=1)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class ActiveSession:
    session: Session
    user: User


async def create_session(
    db: AsyncSession,
    user: User,
    settings: Settings,
    *,
    user_agent: str | None = None,
    ip_address: str | None = None,
) -> str:
    """Start a session for `user`; returns the token (the only time it exists in clear)."""
    token = new_token()
    now = utcnow()
    await repository.add_session(
        db,
        Session(
            user_id=user.id,
            token_hash=hash_token(token),
            user_agent=(user_agent or "")[:500] or None,
            ip_address=ip_address,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
        ),
    )
    return token


async def resolve_session(db: AsyncSession, token: str, settings: Settings) -> ActiveSession | None:
    now = utcnow()
    idle_limit = now - timedelta(minutes=settings.session_idle_minutes)
    row = await repository.session_with_user(db, hash_token(token), now, idle_limit)
    if row is None:
        return None
    session, user = row
    if now - session.last_seen_at >= _TOUCH_EVERY:
        session.last_seen_at = now
        await db.flush()
    return ActiveSession(session=session, user=user)


async def revoke_session(db: AsyncSession, token: str) -> None:
    await repository.revoke_session(db, hash_token(token), utcnow())


async def revoke_all_sessions(
    db: AsyncSession, user_id: str, *, except_session_id: str | None = None
) -> int:
    """End every session of a user (after a password reset or change), optionally but one."""
    return await repository.revoke_user_sessions(
        db, user_id, utcnow(), except_session_id=except_session_id
    )
