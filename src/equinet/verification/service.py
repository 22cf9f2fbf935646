"""Verification requests: a provider submits and edits them, an admin approves or rejects.

`Provider.isVerified` is recomputed in the same transaction as every change of a request's
status, so it is true exactly while at least one approved verification exists. Pending and
rejected requests (and every document) are seen only by their provider and the admins.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.admin import audit
from equinet.db.base import utcnow
from equinet.kit.email import queue_composed_email
from equinet.kit.pagination import PageRequest
from equinet.kit.storage import ObjectStore
from equinet.models import Provider, ProviderVerification, User
from equinet.notifications.service import notify
from equinet.settings import Settings
from equinet.uploads import repository as uploads_repository
from equinet.uploads import service as uploads
from equinet.verification import emails, repository
from equinet.verification.exceptions import (
    AlreadyReviewed,
    ApprovedNotDeletable,
    ApprovedNotEditable,
    RejectionNeedsReason,
    TooManyPending,
    VerificationNotFound,
)
from equinet.verification.schemas import (
    ImageOut,
    PublicVerificationOut,
    QueuedVerificationOut,
    QueueProviderOut,
    ReviewIn,
    VerificationIn,
    VerificationOut,
    VerificationUpdateIn,
)

MAX_PENDING = 5
AUDITED_FIELDS = ("status", "review_note", "reviewed_at", "reviewed_by")
VERIFICATION_LINK = "/provider/verification"


async def _images(db: AsyncSession, ids: list[str]) -> dict[str, list[ImageOut]]:
    found: dict[str, list[ImageOut]] = defaultdict(list)
    for upload in await uploads_repository.of_verifications(db, ids):
        assert upload.verification_id is not None
        found[upload.verification_id].append(ImageOut.model_validate(upload))
    return found


def _out(verification: ProviderVerification, images: list[ImageOut]) -> VerificationOut:
    return VerificationOut(
        id=verification.id,
        type=verification.type,
        title=verification.title,
        description=verification.description,
        issuer=verification.issuer,
        year=verification.year,
        status=verification.status,
        review_note=verification.review_note,
        reviewed_at=verification.reviewed_at,
        created_at=verification.created_at,
        images=images,
    )


async def list_own(
    db: AsyncSession, provider: Provider, page: PageRequest
) -> tuple[list[VerificationOut], bool]:
    rows, has_more = page.cut(
        await repository.of_provider(db, provider.id, limit=page.fetch, offset=page.offset)
    )
    images = await _images(db, [row.id for row in rows])
    return [_out(row, images.get(row.id, [])) for row in rows], has_more


async def create(db: AsyncSession, provider: Provider, data: VerificationIn) -> VerificationOut:
    await repository.lock_provider(db, provider.id)
    if await repository.pending_count(db, provider.id) >= MAX_PENDING:
        raise TooManyPending()
    row = await repository.add(
        db,
        ProviderVerification(
            provider_id=provider.id,
            type=data.type,
            title=data.title,
            description=data.description,
            issuer=data.issuer,
            year=data.year,
            status="pending",
        ),
    )
    return _out(row, [])


async def _own_unapproved(
    db: AsyncSession,
    provider: Provider,
    verification_id: str,
    approved: type[ApprovedNotEditable | ApprovedNotDeletable],
) -> ProviderVerification:
    """The provider's own request, while it is not approved (then `approved` is raised)."""
    row = await repository.own(db, verification_id, provider.id)
    if row is None:
        raise VerificationNotFound()
    if row.status == "approved":
        raise approved()
    return row


async def update(
    db: AsyncSession, provider: Provider, verification_id: str, data: VerificationUpdateIn
) -> VerificationOut:
    row = await _own_unapproved(db, provider, verification_id, ApprovedNotEditable)
    for field in data.model_fields_set:
        value = getattr(data, field)
        if value is None and field in ("type", "title"):
            continue  # required fields cannot be cleared
        setattr(row, field, value)
    if row.status == "rejected":
        # An edited rejection is a new request: back in the queue, the old review forgotten.
        await repository.lock_provider(db, provider.id)
        if await repository.pending_count(db, provider.id) >= MAX_PENDING:
            raise TooManyPending()
        row.status = "pending"
        row.reviewed_at = None
        row.reviewed_by = None
        row.review_note = None
    await db.flush()
    images = await _images(db, [row.id])
    return _out(row, images.get(row.id, []))


async def delete(
    db: AsyncSession, store: ObjectStore, provider: Provider, verification_id: str
) -> None:
    row = await _own_unapproved(db, provider, verification_id, ApprovedNotDeletable)
    await uploads.remove_verification_images(db, store, row.id)
    await repository.remove(db, row.id)


async def public_list(
    db: AsyncSession, provider_id: str, page: PageRequest
) -> tuple[list[PublicVerificationOut], bool]:
    rows, has_more = page.cut(
        await repository.public_of_provider(db, provider_id, limit=page.fetch, offset=page.offset)
    )
    return [PublicVerificationOut.model_validate(row) for row in rows], has_more


async def queue(db: AsyncSession, page: PageRequest) -> tuple[list[QueuedVerificationOut], bool]:
    """A page of the pending requests, oldest first."""
    rows, has_more = page.cut(
        await repository.pending_queue(db, limit=page.fetch, offset=page.offset)
    )
    images = await _images(db, [verification.id for verification, _ in rows])
    return [
        QueuedVerificationOut(
            id=verification.id,
            type=verification.type,
            title=verification.title,
            description=verification.description,
            issuer=verification.issuer,
            year=verification.year,
            status=verification.status,
            created_at=verification.created_at,
            provider=QueueProviderOut(id=provider.id, business_name=provider.business_name),
            images=images.get(verification.id, []),
        )
        for verification, provider in rows
    ], has_more


async def review(
    db: AsyncSession,
    settings: Settings,
    admin: User,
    verification_id: str,
    decision: ReviewIn,
    *,
    ip_address: str | None = None,
) -> VerificationOut:
    found = await repository.for_review(db, verification_id)
    if found is None:
        raise VerificationNotFound()
    row, provider, provider_user = found
    if row.status != "pending":
        raise AlreadyReviewed()
    if decision.action == "reject" and not decision.review_note:
        raise RejectionNeedsReason()
    before = audit.snapshot(row, AUDITED_FIELDS)
    was_verified = provider.is_verified
    row.status = "approved" if decision.action == "approve" else "rejected"
    row.reviewed_at = utcnow()
    row.reviewed_by = admin.id
    row.review_note = decision.review_note
    await db.flush()
    verified = await repository.recompute_verified(db, provider.id, admin.id)
    after = audit.snapshot(row, AUDITED_FIELDS)
    await audit.record(
        db,
        admin,
        action=f"verification.{decision.action}",
        target_type="ProviderVerification",
        target_id=row.id,
        before={**before, "providerIsVerified": was_verified},
        after={**after, "providerIsVerified": verified},
        ip_address=ip_address,
    )
    if decision.action == "approve":
        message = f'Din verifieringsansökan "{row.title}" har godkänts! Du är nu verifierad.'
        email = emails.verification_approved(
            settings, to=provider_user.email, first_name=provider_user.first_name, title=row.title
        )
    else:
        assert decision.review_note is not None
        message = (
            f'Din verifieringsansökan "{row.title}" har avvisats. Kommentar: {decision.review_note}'
        )
        email = emails.verification_rejected(
            settings,
            to=provider_user.email,
            first_name=provider_user.first_name,
            title=row.title,
            reason=decision.review_note,
        )
    await notify(
        db,
        user_id=provider_user.id,
        type="verification_approved" if decision.action == "approve" else "verification_rejected",
        message=message,
        link_url=VERIFICATION_LINK,
        metadata={"verificationId": row.id},
    )
    await queue_composed_email(db, email)
    if verified != was_verified:
        _invalidate_provider_listings(db, provider.id)
    images = await _images(db, [row.id])
    return _out(row, images.get(row.id, []))


async def remove_all_of_provider(db: AsyncSession, store: ObjectStore, provider_id: str) -> None:
    """Account deletion: every request and document goes, and the provider is unverified."""
    for row in await repository.of_provider(db, provider_id):
        await uploads.remove_verification_images(db, store, row.id)
        await repository.remove(db, row.id)
    await repository.recompute_verified(db, provider_id, None)


def _invalidate_provider_listings(db: AsyncSession, provider_id: str) -> None:
    from equinet.providers.cache import invalidate_provider_listings

    invalidate_provider_listings(db, provider_id)
