"""Admin routes: the verification queue and its decisions, user administration, the audit log.

Every route needs an admin (`CurrentAdmin`: 403 for anyone else); admins log in with two
factors, so a stolen password alone never reaches these routes.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from equinet.accounts.dependencies import CurrentAdmin
from equinet.admin import service
from equinet.admin.schemas import AdminUserList, AdminUserOut, AuditLogOut
from equinet.db.session import DbSession
from equinet.kit.client_ip import client_ip
from equinet.kit.pagination import PageRequest, page_headers, paginated
from equinet.kit.rate_limit_routes import limit_route
from equinet.verification import service as verification
from equinet.verification.schemas import QueuedVerificationOut, ReviewIn, VerificationOut

router = APIRouter(prefix="/api/admin", tags=["admin"])

for _method, _path in (
    ("GET", "/api/admin/verification-requests"),
    ("PUT", "/api/admin/verification-requests/{verification_id}"),
    ("GET", "/api/admin/users"),
    ("POST", "/api/admin/users/{user_id}/deactivate"),
    ("POST", "/api/admin/users/{user_id}/reactivate"),
    ("GET", "/api/admin/audit-log"),
):
    limit_route(_method, _path, "api")

_FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"description": "Not an admin"}}
Limit = Annotated[int | None, Query(ge=1, le=service.MAX_LIMIT)]
Offset = Annotated[int | None, Query(ge=0)]


def _ip(request: Request) -> str | None:
    return client_ip(request.scope, request.app.state.settings.trusted_proxies)


@router.get(
    "/verification-requests",
    response_model=list[QueuedVerificationOut],
    summary="Pending verification requests, oldest first, with their documents",
    responses=_FORBIDDEN,
)
async def verification_queue(
    request: Request,
    response: Response,
    admin: CurrentAdmin,
    db: DbSession,
    page: Annotated[PageRequest, Depends(paginated(default=50, cap=100))],
) -> list[QueuedVerificationOut]:
    queued, has_more = await verification.queue(db, page)
    page_headers(response, request, page, has_more)
    return queued


@router.put(
    "/verification-requests/{verification_id}",
    response_model=VerificationOut,
    summary="Approve or reject a pending request (a rejection needs a reason)",
    responses={
        404: {"description": "No such request"},
        409: {"description": "Already reviewed"},
        **_FORBIDDEN,
    },
)
async def review_verification(
    verification_id: str, body: ReviewIn, request: Request, admin: CurrentAdmin, db: DbSession
) -> VerificationOut:
    return await verification.review(
        db, request.app.state.settings, admin, verification_id, body, ip_address=_ip(request)
    )


@router.get(
    "/users",
    response_model=AdminUserList,
    summary="Search users by e-mail or name",
    responses=_FORBIDDEN,
)
async def users(
    admin: CurrentAdmin,
    db: DbSession,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = None,
    offset: Offset = None,
) -> AdminUserList:
    return await service.search_users(db, q, limit, offset)


@router.post(
    "/users/{user_id}/deactivate",
    response_model=AdminUserOut,
    summary="Deactivate an account: its sessions end and it cannot log in",
    responses={
        404: {"description": "No such user"},
        409: {"description": "Yourself"},
        **_FORBIDDEN,
    },
)
async def deactivate(
    user_id: str, request: Request, admin: CurrentAdmin, db: DbSession
) -> AdminUserOut:
    return await service.set_active(db, admin, user_id, active=False, ip_address=_ip(request))


@router.post(
    "/users/{user_id}/reactivate",
    response_model=AdminUserOut,
    summary="Reactivate a deactivated account",
    responses={
        404: {"description": "No such user"},
        409: {"description": "Deleted account"},
        **_FORBIDDEN,
    },
)
async def reactivate(
    user_id: str, request: Request, admin: CurrentAdmin, db: DbSession
) -> AdminUserOut:
    return await service.set_active(db, admin, user_id, active=True, ip_address=_ip(request))


@router.get(
    "/audit-log",
    response_model=AuditLogOut,
    summary="Every admin action, newest first",
    responses=_FORBIDDEN,
)
async def audit_log(
    admin: CurrentAdmin,
    db: DbSession,
    limit: Limit = None,
    offset: Offset = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    target_id: Annotated[str | None, Query(alias="targetId", max_length=100)] = None,
) -> AuditLogOut:
    return await service.audit_log(db, limit, offset, action, target_id)
