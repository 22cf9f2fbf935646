"""Upload routes: send a file to a bucket, list mine, fetch one, delete one.

Files are served with their detected type, `X-Content-Type-Options: nosniff`, a download
name of our own and a sandboxing Content-Security-Policy, so an upload can never run as a page
on our origin.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from equinet.accounts.dependencies import CurrentUser, OptionalUser
from equinet.db.session import DbSession
from equinet.kit.pagination import PageRequest, page_headers, paginated
from equinet.kit.rate_limit_routes import limit_route
from equinet.kit.storage import ObjectStore, object_store_for
from equinet.settings import Settings
from equinet.uploads import service
from equinet.uploads.body import file_of, parse_form, read_capped_body
from equinet.uploads.schemas import DeletedOut, UploadOut

router = APIRouter(prefix="/api/upload", tags=["uploads"])

limit_route("POST", "/api/upload", "api")
limit_route("GET", "/api/upload", "api")
limit_route("GET", "/api/upload/{upload_id}", "api")
limit_route("DELETE", "/api/upload/{upload_id}", "api")

# Served files are data, never documents: no scripts, no plugins, no framing, no navigation.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad form, bucket, entityId or unreadable image"},
    404: {"description": "The horse, profile, verification or file is not yours or missing"},
    413: {"description": "The file is larger than the bucket allows"},
    415: {"description": "The file is not a JPEG, PNG, WebP (or PDF for verifications)"},
}


def object_store_of(request: Request) -> ObjectStore:
    """The app's object store, made on first use from its settings."""
    store: ObjectStore | None = getattr(request.app.state, "object_store", None)
    if store is None:
        store = object_store_for(request.app.state.settings)
        request.app.state.object_store = store
    return store


@router.post(
    "",
    status_code=201,
    response_model=UploadOut,
    summary="Upload a file (multipart: file, bucket, entityId)",
    responses=_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file", "bucket"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "bucket": {"type": "string", "enum": list(service.BUCKETS)},
                            "entityId": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def upload(request: Request, user: CurrentUser, db: DbSession) -> UploadOut:
    settings: Settings = request.app.state.settings
    body = await read_capped_body(request, service.largest_limit(settings))
    form = await parse_form(request, body)
    found = await file_of(form)
    bucket = form.get("bucket")
    entity_id = form.get("entityId")
    created = await service.store_upload(
        db,
        object_store_of(request),
        settings,
        user,
        bucket=bucket if isinstance(bucket, str) else None,
        entity_id=entity_id if isinstance(entity_id, str) else None,
        file=service.IncomingFile(*found) if found else None,
    )
    return UploadOut.model_validate(created)


@router.get("", response_model=list[UploadOut], summary="My uploads")
async def my_uploads(
    request: Request,
    response: Response,
    user: CurrentUser,
    db: DbSession,
    page: Annotated[PageRequest, Depends(paginated(default=50, cap=100))],
) -> list[UploadOut]:
    uploads, has_more = await service.my_uploads(db, user, page)
    page_headers(response, request, page, has_more)
    return [UploadOut.model_validate(u) for u in uploads]


@router.get(
    "/{upload_id}",
    summary="The file itself (avatars are public; other buckets only for their owner)",
    responses={404: {"description": "Missing or not yours"}},
)
async def fetch(upload_id: str, request: Request, viewer: OptionalUser, db: DbSession) -> Response:
    found = await service.visible_upload(db, viewer, upload_id)
    data = await service.file_bytes(object_store_of(request), found)
    extension = found.path.rsplit(".", 1)[-1]
    disposition = "attachment" if found.mime_type == "application/pdf" else "inline"
    return Response(
        content=data,
        media_type=found.mime_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{found.id}.{extension}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": FILE_CSP,
            "Cross-Origin-Resource-Policy": "same-origin",
            "Cache-Control": "public, max-age=3600"
            if found.bucket == "avatars"
            else "private, no-store",
        },
    )


@router.delete(
    "/{upload_id}",
    response_model=DeletedOut,
    summary="Delete my upload (the object and every reference to it)",
    responses={
        400: {"description": "Part of an approved verification"},
        404: {"description": "Missing or not yours"},
    },
)
async def remove(upload_id: str, request: Request, user: CurrentUser, db: DbSession) -> DeletedOut:
    await service.delete_upload(db, object_store_of(request), user, upload_id)
    return DeletedOut()
