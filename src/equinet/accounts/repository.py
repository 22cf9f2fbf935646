"""Every SQL statement of the accounts domain: users, providers' own rows, one-time tokens.

E-mail addresses are stored lower-case; lookups compare `lower(email)`, which the unique
index "User_email_lower_key" answers and which also finds rows of an adopted database written
before addresses were lower-cased.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.db.base import utcnow
from equinet.models import (
    Availability,
    EmailVerificationToken,
    PasswordResetToken,
    Provider,
    Service,
    Session,
    User,
)


def user_by_email_statement(email: str) -> Select[User]:
    return select(User).where(func.lower(User.email) == email.strip().lower())


async def user_by_email(db: AsyncSession, email: str) -> User | None:
    return await db.scalar(user_by_email_statement(email))


async def email_taken(db: AsyncSession, email: str) -> bool:
    return bool(
        await db.scalar(select(exists().where(func.lower(User.email) == email.strip().lower())))
    )


async def user_by_id(db: AsyncSession, user_id: str) -> User | None:
    return await db.get(User, user_id)


async def add_user(db: AsyncSession, user: User) -> User:
    db.add(user)
    await db.flush()
    return user


async def add_provider(db: AsyncSession, provider: Provider) -> Provider:
    db.add(provider)
    await db.flush()
    return provider


# --- e-mail verification -----------------------------------------------------------------


async def add_verification_token(
    db: AsyncSession, user_id: str, token_hash: str, expires_at: datetime
) -> None:
    db.add(EmailVerificationToken(user_id=user_id, token=token_hash, expires_at=expires_at))
    await db.flush()


async def verification_token(db: AsyncSession, token_hash: str) -> EmailVerificationToken | None:
    # FOR UPDATE: two clicks on the same link at once must not both count as the first.
    return await db.scalar(
        select(EmailVerificationToken)
        .where(EmailVerificationToken.token == token_hash)
        .with_for_update()
    )


# --- password reset ------------------------------------------------------------------------


async def add_reset_token(
    db: AsyncSession, user_id: str, token_hash: str, expires_at: datetime
) -> None:
    db.add(PasswordResetToken(user_id=user_id, token_hash=token_hash, expires_at=expires_at))
    await db.flush()


async def claim_reset_token(db: AsyncSession, token_hash: str) -> str | None:
    """Mark an unused, unexpired reset token used; its user id, or None. Atomic: single use."""
    now = utcnow()
    return await db.scalar(
        update(PasswordResetToken)
        .where(
            PasswordResetToken.token_hash == token_hash,
            PasswordResetToken.used_at.is_(None),
            PasswordResetToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(PasswordResetToken.user_id)
    )


async def retire_reset_tokens(db: AsyncSession, user_id: str) -> None:
    """Every other outstanding reset link of the user stops working once one was used."""
    await db.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.user_id == user_id, PasswordResetToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


# --- provider onboarding -------------------------------------------------------------------


async def has_active_service(db: AsyncSession, provider_id: str) -> bool:
    return bool(
        await db.scalar(
            select(exists().where(Service.provider_id == provider_id, Service.is_active.is_(True)))
        )
    )


async def has_active_availability(db: AsyncSession, provider_id: str) -> bool:
    return bool(
        await db.scalar(
            select(
                exists().where(
                    Availability.provider_id == provider_id, Availability.is_active.is_(True)
                )
            )
        )
    )


# --- sessions ----------------------------------------------------------------------------


def _valid_session(token_hash: Any, now: Any, idle_limit: Any) -> list[Any]:
    # Values or bind parameters (the prebuilt `_SESSION_WITH_USER`).
    return [
        Session.token_hash == token_hash,
        Session.revoked_at.is_(None),
        Session.expires_at > now,
        Session.last_seen_at > idle_limit,
    ]


# Every authenticated request runs it: built once per process, the values bound per call.
_SESSION_WITH_USER = (
    select(Session, User)
    .join(User, User.id == Session.user_id)
    .where(
        *_valid_session(
            bindparam("token_hash"),
            bindparam("now"),
            bindparam("idle_limit"),
        )
    )
)


async def add_session(db: AsyncSession, session: Session) -> None:
    db.add(session)
    await db.flush()


async def session_with_user(
    db: AsyncSession, token_hash: str, now: datetime, idle_limit: datetime
) -> tuple[Session, User] | None:
    """A valid (not revoked, not expired, not idle) session and its user."""
    values = {"token_hash": token_hash, "now": now, "idle_limit": idle_limit}
    row = (await db.execute(_SESSION_WITH_USER, values)).first()
    return (row[0], row[1]) if row is not None else None


async def session_user_id(
    db: AsyncSession, token_hash: str, now: datetime, idle_limit: datetime
) -> tuple[str, bool] | None:
    """(user id, is admin) behind a valid session, read without loading ORM rows."""
    row = (
        await db.execute(
            select(User.id, User.is_admin)
            .join(Session, Session.user_id == User.id)
            .where(*_valid_session(token_hash, now, idle_limit))
        )
    ).first()
    return (str(row.id), bool(row.is_admin)) if row is not None else None


async def revoke_session(db: AsyncSession, token_hash: str, now: datetime) -> None:
    await db.execute(
        update(Session)
        .where(Session.token_hash == token_hash, Session.revoked_at.is_(None))
        .values(revoked_at=now)
    )


async def revoke_user_sessions(
    db: AsyncSession, user_id: str, now: datetime, *, except_session_id: str | None = None
) -> int:
    statement = (
        update(Session)
        .where(Session.user_id == user_id, Session.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    if except_session_id is not None:
        statement = statement.where(Session.id != except_session_id)
    result = await db.execute(statement)
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def search_users(db: AsyncSession, query: str, *, limit: int) -> list[Any]:
    """Users whose e-mail, name or business name contains `query` (newest first), for admins."""
    statement = select(
        User.id, User.email, User.first_name, User.last_name, User.user_type, User.is_admin,
        User.email_verified, User.is_manual_customer, User.created_at,
        Provider.business_name,
    ).outerjoin(Provider, Provider.user_id == User.id)  # fmt: skip
    if query:
        statement = statement.where(
            or_(
                User.email.icontains(query, autoescape=True),
                User.first_name.icontains(query, autoescape=True),
                User.last_name.icontains(query, autoescape=True),
                func.concat(User.first_name, " ", User.last_name).icontains(query, autoescape=True),
                Provider.business_name.icontains(query, autoescape=True),
            )
        )
    rows = await db.execute(statement.order_by(User.created_at.desc(), User.id).limit(limit))
    return list(rows.all())
