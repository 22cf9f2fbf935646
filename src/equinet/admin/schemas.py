"""Response shapes of the admin routes, camelCase on the wire."""

from __future__ import annotations

from typing import Any

from equinet.kit.api_model import ApiModel
from equinet.kit.timestamps import UtcDateTime
from equinet.providers.schemas import Pagination


class AdminUserOut(ApiModel):
    id: str
    email: str
    first_name: str
    last_name: str
    user_type: str
    is_admin: bool
    email_verified: bool
    two_factor_enabled: bool
    deactivated_at: UtcDateTime | None
    deleted_at: UtcDateTime | None
    created_at: UtcDateTime


class AdminUserList(ApiModel):
    data: list[AdminUserOut]
    pagination: Pagination


class AuditEntryOut(ApiModel):
    id: str
    actor_id: str | None
    actor_email: str
    action: str
    target_type: str
    target_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    ip_address: str | None
    created_at: UtcDateTime


class AuditLogOut(ApiModel):
    data: list[AuditEntryOut]
    pagination: Pagination
