"""Uploads from page forms: one multipart file read under the same cap and stored by the same
`uploads.service.store_upload` call as `POST /api/upload`; and the provider's avatar form.

A refusal (wrong type, too large, no file) is an EquinetError the calling page shows beside
its file input; the whole request body is never buffered past the bucket's limit.
"""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from equinet.db.session import DbSession
from equinet.kit.errors import EquinetError
from equinet.kit.rate_limit_routes import limit_route
from equinet.models import Upload, User
from equinet.settings import Settings
from equinet.uploads import service
from equinet.uploads.body import file_of, parse_form, read_capped_body
from equinet.uploads.router import object_store_of
from equinet.web.context import PageProvider, redirect
from equinet.web.forms import attempt, domain_errors
from equinet.web.pages import page_router

router = page_router()

limit_route("POST", "/profile/avatar", "api")


async def read_upload_form(request: Request) -> tuple[FormData, service.IncomingFile | None]:
    """The page's multipart form (capped like the API's) and its one file, if any."""
    settings: Settings = request.app.state.settings
    body = await read_capped_body(request, service.largest_limit(settings))
    form = await parse_form(request, body)
    found = await file_of(form)
    return form, service.IncomingFile(*found) if found else None


async def store(
    request: Request,
    db: AsyncSession,
    user: User,
    file: service.IncomingFile | None,
    *,
    bucket: str,
    entity_id: str | None,
) -> Upload:
    return await service.store_upload(
        db, object_store_of(request), request.app.state.settings, user,
        bucket=bucket, entity_id=entity_id, file=file,
    )  # fmt: skip


async def receive_upload(
    request: Request, db: AsyncSession, user: User, *, bucket: str, entity_id: str | None
) -> Upload:
    """Read the form's file and store it in `bucket` for `entity_id` (raises on refusal)."""
    _form, file = await read_upload_form(request)
    return await store(request, db, user, file, bucket=bucket, entity_id=entity_id)


@router.post("/profile/avatar")
async def upload_avatar(request: Request, db: DbSession, account: PageProvider) -> Response:
    """The provider's profile picture, shown on their public page."""
    from equinet.accounts.pages import profile_page

    try:
        async with attempt(db):
            await receive_upload(
                request, db, account.user, bucket="avatars", entity_id=account.provider.id
            )
    except EquinetError as error:
        return await profile_page(
            request, db, account.user, avatar_errors=domain_errors(error, "file"),
            status_code=error.status_code,
        )  # fmt: skip
    return redirect("/profile", flash="avatar-saved")
