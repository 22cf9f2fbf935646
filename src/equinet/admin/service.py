"""User administration: search, deactivate (sessions end, login refused), reactivate; and the
audit log. Every change is written to the audit log in its own transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import revoke_all_sessions
from equinet.admin import audit, repository
from equinet.admin.exceptions import CannotDeactivateSelf, DeletedAccount, UserNotFound
from equinet.admin.schemas import AdminUserList, AdminUserOut, AuditEntryOut, AuditLogOut
from equinet.db.base import utcnow
from equinet.models import User
from equinet.providers.schemas import Pagination

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
USER_FIELDS = ("deactivated_at", "is_admin", "user_type", "email")


def clamp(limit: int | None, offset: int | None) -> tuple[int, int]:
    return max(1, min(MAX_LIMIT, limit or DEFAULT_LIMIT)), max(0, offset or 0)


def _pagination(total: int, limit: int, offset: int) -> Pagination:
    return Pagination(total=total, limit=limit, offset=offset, has_more=offset + limit < total)


def _user_out(user: User, two_factor: bool) -> AdminUserOut:
    return AdminUserOut(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        user_type=user.user_type,
        is_admin=user.is_admin,
        email_verified=user.email_verified,
        two_factor_enabled=two_factor,
        deactivated_at=user.deactivated_at,
        deleted_at=user.deleted_at,
        created_at=user.created_at,
    )


async def search_users(
    db: AsyncSession, query: str | None, limit: int | None, offset: int | None
) -> AdminUserList:
    limit, offset = clamp(limit, offset)
    text = (query or "").strip()[:100] or None
    rows, total = await repository.search_users(db, query=text, limit=limit, offset=offset)
    return AdminUserList(
        data=[_user_out(user, flag) for user, flag in rows],
        pagination=_pagination(total, limit, offset),
    )


async def set_active(
    db: AsyncSession, admin: User, user_id: str, *, active: bool, ip_address: str | None
) -> AdminUserOut:
    if not active and user_id == admin.id:
        raise CannotDeactivateSelf()
    user = await repository.user_for_update(db, user_id)
    if user is None:
        raise UserNotFound()
    if active and user.deleted_at is not None:
        raise DeletedAccount()
    before = audit.snapshot(user, USER_FIELDS)
    ended = 0
    if active:
        user.deactivated_at = None
    else:
        user.deactivated_at = user.deactivated_at or utcnow()
        ended = await revoke_all_sessions(db, user.id)
    await db.flush()
    await audit.record(
        db,
        admin,
        action="user.reactivate" if active else "user.deactivate",
        target_type="User",
        target_id=user.id,
        before=before,
        after={**audit.snapshot(user, USER_FIELDS), "sessionsEnded": ended},
        ip_address=ip_address,
    )
    rows, _ = await repository.search_users(db, query=user.email, limit=1, offset=0)
    two_factor = bool(rows and rows[0][1])
    return _user_out(user, two_factor)


async def audit_log(
    db: AsyncSession,
    limit: int | None,
    offset: int | None,
    action: str | None,
    target_id: str | None,
) -> AuditLogOut:
    limit, offset = clamp(limit, offset)
    rows, total = await repository.audit_entries(
        db, limit=limit, offset=offset, action=action, target_id=target_id
    )
    return AuditLogOut(
        data=[AuditEntryOut.model_validate(row) for row in rows],
        pagination=_pagination(total, limit, offset),
    )
