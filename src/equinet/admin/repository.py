"""All SQL of the admin domain: the audit log and the user administration."""

from __future__ import annotations

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import AdminAuditLog, TwoFactorCredential, User


async def add_audit_entry(db: AsyncSession, entry: AdminAuditLog) -> AdminAuditLog:
    db.add(entry)
    await db.flush()
    return entry


async def audit_entries(
    db: AsyncSession,
    *,
    limit: int,
    offset: int,
    action: str | None,
    target_id: str | None,
) -> tuple[list[AdminAuditLog], int]:
    conditions = []
    if action:
        conditions.append(AdminAuditLog.action == action)
    if target_id:
        conditions.append(AdminAuditLog.target_id == target_id)
    total = await db.scalar(select(func.count()).select_from(AdminAuditLog).where(*conditions))
    rows = await db.scalars(
        select(AdminAuditLog)
        .where(*conditions)
        .order_by(AdminAuditLog.created_at.desc(), AdminAuditLog.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows), int(total or 0)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def search_users(
    db: AsyncSession, *, query: str | None, limit: int, offset: int
) -> tuple[list[tuple[User, bool]], int]:
    conditions = []
    if query:
        pattern = f"%{_escape_like(query.lower())}%"
        conditions.append(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.first_name + " " + User.last_name).like(pattern, escape="\\"),
            )
        )
    two_factor = (
        exists()
        .where(
            TwoFactorCredential.user_id == User.id, TwoFactorCredential.confirmed_at.is_not(None)
        )
        .label("two_factor")
    )
    total = await db.scalar(select(func.count()).select_from(User).where(*conditions))
    rows = await db.execute(
        select(User, two_factor)
        .where(*conditions)
        .order_by(User.created_at.desc(), User.id)
        .limit(limit)
        .offset(offset)
    )
    return [(user, bool(flag)) for user, flag in rows.all()], int(total or 0)


async def user_for_update(db: AsyncSession, user_id: str) -> User | None:
    return await db.scalar(select(User).where(User.id == user_id).with_for_update())
