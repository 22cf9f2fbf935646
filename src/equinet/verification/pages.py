"""Verification pages: the provider's requests (submit with an image, add images, see status
and rejection reasons) and the admin's queue (documents shown, approve or reject with a
reason) and audit log. The same `verification.service` and `admin.service` calls as the API;
documents are stored by `uploads.service` in the verifications bucket.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse, Response

from equinet.admin import service as admin
from equinet.db.session import DbSession
from equinet.kit.client_ip import client_ip
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import mark
from equinet.kit.pagination import PageRequest
from equinet.kit.rate_limit_routes import limit_route
from equinet.models import Provider
from equinet.uploads.pages import read_upload_form, receive_upload, store
from equinet.verification import service
from equinet.verification.schemas import ReviewIn, VerificationIn
from equinet.web.context import PageAdmin, PageProvider, redirect
from equinet.web.forms import FORM, FormInvalid, attempt, domain_errors, parse, submitted
from equinet.web.pages import page_router
from equinet.web.templating import render

# The pages show the first page of each list, as large as the API's cap allows.
_MINE = PageRequest(limit=100, offset=0)
_QUEUE = PageRequest(limit=100, offset=0)

router = page_router()

limit_route("POST", "/provider/verification", "profileUpdate")
limit_route("POST", "/provider/verification/{verification_id}/images", "profileUpdate")
limit_route("POST", "/admin/verifications/{verification_id}", "api")

FIELDS = ("type", "title", "issuer", "year", "description")
TYPE_LABELS = {
    "education": mark("Utbildning"),
    "organization": mark("Organisation"),
    "certificate": mark("Certifikat"),
    "experience": mark("Erfarenhet"),
    "license": mark("Legitimation"),
}
STATUS_LABELS = {
    "pending": mark("Väntar på granskning"),
    "approved": mark("Godkänd"),
    "rejected": mark("Avvisad"),
}
AUDIT_PAGE = 50


def _labels() -> dict[str, Any]:
    return {"type_labels": TYPE_LABELS, "status_labels": STATUS_LABELS}


# --- the provider's requests ----------------------------------------------------------------


async def _mine(
    request: Request,
    db: DbSession,
    provider: Provider,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    image_errors: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "verifications": (await service.list_own(db, provider, _MINE))[0],
        "values": values or {"type": "certificate"},
        "errors": errors or {},
        "image_errors": image_errors or {},
        **_labels(),
    }
    return render(request, "verification/mine.html", context, status_code=status_code)


@router.get("/provider/verification", response_class=HTMLResponse)
async def my_verifications(request: Request, db: DbSession, account: PageProvider) -> HTMLResponse:
    return await _mine(request, db, account.provider)


def _year(values: dict[str, str]) -> dict[str, Any]:
    """The year input as a number (the API's model takes only integers)."""
    parsed: dict[str, Any] = dict(values)
    year = values.get("year", "").strip()
    if year:
        parsed["year"] = int(year) if year.isdigit() else year
    return parsed


@router.post("/provider/verification", response_class=HTMLResponse)
async def submit(request: Request, db: DbSession, account: PageProvider) -> Response:
    """The request and its first document in one form; refused as a whole if either is."""
    values: dict[str, str] = {}
    try:
        form, file = await read_upload_form(request)
        values = {name: str(form[name]) for name in FIELDS if isinstance(form.get(name), str)}
        data = parse(VerificationIn, _year(values))
        async with attempt(db):
            created = await service.create(db, account.provider, data)
            if file is not None and file.data:
                await store(
                    request, db, account.user, file, bucket="verifications", entity_id=created.id
                )
    except FormInvalid as invalid:
        errors, status_code = invalid.errors, 422
    except EquinetError as error:
        upload_error = error.code in (
            "UNSUPPORTED_FILE_TYPE", "FILE_TOO_LARGE", "UNREADABLE_IMAGE", "INVALID_FORM", "NO_FILE"
        )  # fmt: skip
        errors = domain_errors(error, "file" if upload_error else FORM)
        status_code = error.status_code
    else:
        return redirect("/provider/verification", flash="verification-sent")
    return await _mine(
        request, db, account.provider, values=values, errors=errors, status_code=status_code
    )


@router.post("/provider/verification/{verification_id}/images", response_class=HTMLResponse)
async def add_image(
    request: Request, db: DbSession, account: PageProvider, verification_id: str
) -> Response:
    try:
        async with attempt(db):
            await receive_upload(
                request, db, account.user, bucket="verifications", entity_id=verification_id
            )
    except EquinetError as error:
        if error.status_code == 404:
            raise
        return await _mine(
            request, db, account.provider,
            image_errors={verification_id: domain_errors(error, "file")},
            status_code=error.status_code,
        )  # fmt: skip
    return redirect("/provider/verification", flash="verification-image-added")


# --- the admin's queue and audit log --------------------------------------------------------


async def _queue(
    request: Request,
    db: DbSession,
    *,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "queue": (await service.queue(db, _QUEUE))[0],
        "errors": errors or {},
        "values": values or {},
        **_labels(),
    }
    return render(request, "admin/verifications.html", context, status_code=status_code)


@router.get("/admin/verifications", response_class=HTMLResponse)
async def verification_queue(request: Request, db: DbSession, user: PageAdmin) -> HTMLResponse:
    return await _queue(request, db)


@router.post("/admin/verifications/{verification_id}", response_class=HTMLResponse)
async def review(
    request: Request, db: DbSession, user: PageAdmin, verification_id: str
) -> Response:
    form = await request.form()
    values = {k: str(form[k]) for k in ("action", "reviewNote") if isinstance(form.get(k), str)}
    settings = request.app.state.settings

    async def decide() -> Response:
        decision = parse(ReviewIn, values)
        await service.review(
            db, settings, user, verification_id, decision,
            ip_address=client_ip(request.scope, settings.trusted_proxies),
        )  # fmt: skip
        flash = "verification-approved" if decision.action == "approve" else "verification-rejected"
        return redirect("/admin/verifications", flash=flash)

    outcome = await submitted(
        db,
        decide,
        field=lambda error: "reviewNote" if error.code == "RejectionNeedsReason" else FORM,
    )
    if isinstance(outcome, Response):
        return outcome
    return await _queue(
        request, db, errors={verification_id: outcome}, values={verification_id: values},
        status_code=422,
    )  # fmt: skip


@router.get("/admin/audit-log", response_class=HTMLResponse)
async def audit_log(
    request: Request, db: DbSession, user: PageAdmin, offset: int = 0, action: str | None = None
) -> HTMLResponse:
    page = await admin.audit_log(db, AUDIT_PAGE, max(0, offset), action or None, None)
    context = {"log": page, "action": action or "", "page_size": AUDIT_PAGE}
    return render(request, "admin/audit_log.html", context)
