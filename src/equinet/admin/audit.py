"""The audit log: every admin action is recorded in the same transaction as the change.

An entry names who acted (id and e-mail as it was then), what was done, to which row, when,
from which address, and the row's relevant fields before and after, as JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.admin import repository
from equinet.kit.timestamps import iso_utc
from equinet.models import AdminAuditLog, User


def snapshot(row: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """`fields` of an ORM row as JSON-ready values (timestamps in UTC ISO form)."""
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(row, name)
        if isinstance(value, datetime):
            value = iso_utc(value)
        elif isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        values[name] = value
    return values


async def record(
    db: AsyncSession,
    actor: User,
    *,
    action: str,
    target_type: str,
    target_id: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    ip_address: str | None = None,
) -> AdminAuditLog:
    return await repository.add_audit_entry(
        db,
        AdminAuditLog(
            actor_id=actor.id,
            actor_email=actor.email,
            action=action,
            target_type=target_type,
            target_id=target_id,
            before=before,
            after=after,
            ip_address=ip_address,
        ),
    )
