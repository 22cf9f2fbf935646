"""Provider verification: requests, the admin's decision, isVerified, and what is public."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.models import AdminAuditLog, Notification, Provider, ProviderVerification, User
from equinet.settings import Settings
from tests import factories
from tests.accounts.conftest import Mailbox
from tests.accounts.helpers import logged_in

REQUEST = {"type": "education", "title": "Hovslagarexamen", "issuer": "SLU", "year": 2015}


async def provider_with_login(db: AsyncSession) -> tuple[Provider, User, dict[str, str]]:
    provider = await factories.provider(db)
    user = await db.get(User, provider.user_id)
    assert user is not None
    return provider, user, await logged_in(db, user)


async def admin_login(db: AsyncSession) -> tuple[User, dict[str, str]]:
    admin = await factories.customer(db, is_admin=True, email="admin@equinet.se")
    return admin, await logged_in(db, admin)


async def test_a_provider_submits_and_lists_requests(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    _, _, headers = await provider_with_login(db_session)

    created = await client.post(
        "/api/verification-requests", headers=headers, json={**REQUEST, "providerId": "x"}
    )
    assert created.status_code == 422  # strict body: a providerId cannot be smuggled in
    created = await client.post("/api/verification-requests", headers=headers, json=REQUEST)
    listed = await client.get("/api/verification-requests", headers=headers)

    assert created.status_code == 201, created.text
    assert created.json()["status"] == "pending"
    assert [v["id"] for v in listed.json()] == [created.json()["id"]]


async def test_at_most_five_pending_requests(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    _, _, headers = await provider_with_login(db_session)
    codes = [
        (await client.post("/api/verification-requests", headers=headers, json=REQUEST))
        for _ in range(6)
    ]
    assert [r.status_code for r in codes] == [201] * 5 + [400]
    assert codes[-1].json()["code"] == "TOO_MANY_PENDING"


async def test_another_providers_request_is_404_to_edit_and_delete(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner, _, _ = await provider_with_login(db_session)
    verification = await factories.provider_verification(db_session, owner)
    _, _, stranger = await provider_with_login(db_session)
    url = f"/api/verification-requests/{verification.id}"

    assert (await client.put(url, headers=stranger, json={"title": "Kapad"})).status_code == 404
    assert (await client.delete(url, headers=stranger)).status_code == 404
    assert (
        verification.id
        not in (await client.get("/api/verification-requests", headers=stranger)).text
    )
    await db_session.refresh(verification)
    assert verification.title == "Hovslagarexamen"


async def test_approval_verifies_notifies_emails_and_is_audited(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    provider, user, _ = await provider_with_login(db_session)
    verification = await factories.provider_verification(db_session, provider)
    admin, as_admin = await admin_login(db_session)

    queue = await client.get("/api/admin/verification-requests", headers=as_admin)
    assert verification.id in [v["id"] for v in queue.json()]
    response = await client.put(
        f"/api/admin/verification-requests/{verification.id}",
        headers=as_admin,
        json={"action": "approve"},
    )

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "approved"
    await db_session.refresh(provider)
    assert provider.is_verified and provider.verified_by == admin.id
    note = await db_session.scalar(select(Notification).where(Notification.user_id == user.id))
    assert note is not None and note.type == "verification_approved"
    assert "Hovslagarexamen" in note.message
    assert "godkänd" in mailbox.last_to(user.email)["Subject"]
    entry = await db_session.scalar(
        select(AdminAuditLog).where(AdminAuditLog.target_id == verification.id)
    )
    assert entry is not None and entry.actor_id == admin.id
    assert entry.action == "verification.approve"
    assert entry.before is not None and entry.before["status"] == "pending"
    assert entry.after is not None and entry.after["status"] == "approved"
    assert entry.before["providerIsVerified"] is False
    assert entry.after["providerIsVerified"] is True
    again = await client.put(
        f"/api/admin/verification-requests/{verification.id}",
        headers=as_admin,
        json={"action": "reject", "reviewNote": "Nej"},
    )
    assert (again.status_code, again.json()["code"]) == (409, "ALREADY_REVIEWED")


async def test_rejection_needs_a_reason_which_reaches_the_provider(
    client: httpx.AsyncClient, db_session: AsyncSession, mailbox: Mailbox
) -> None:
    provider, user, headers = await provider_with_login(db_session)
    verification = await factories.provider_verification(db_session, provider)
    _, as_admin = await admin_login(db_session)
    url = f"/api/admin/verification-requests/{verification.id}"

    bare = await client.put(url, headers=as_admin, json={"action": "reject"})
    response = await client.put(
        url, headers=as_admin, json={"action": "reject", "reviewNote": "Bilden är oläslig"}
    )

    assert bare.status_code == 422
    assert response.status_code == 200, response.text
    await db_session.refresh(provider)
    assert provider.is_verified is False
    assert "Bilden är oläslig" in mailbox.last_to(user.email).get_body(("plain",)).get_content()
    # Editing a rejected request puts it back in the queue, its old review forgotten.
    edited = await client.put(
        f"/api/verification-requests/{verification.id}", headers=headers, json={"year": 2016}
    )
    assert edited.json()["status"] == "pending" and edited.json()["reviewNote"] is None


async def test_is_verified_is_true_exactly_while_an_approved_verification_exists(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider, _, headers = await provider_with_login(db_session)
    first = await factories.provider_verification(db_session, provider)
    second = await factories.provider_verification(db_session, provider, title="Licens")
    _, as_admin = await admin_login(db_session)
    # A flag without an approved verification behind it (the original verified for ever).
    provider.is_verified = True
    await db_session.flush()

    async def decide(row: ProviderVerification, action: str) -> None:
        response = await client.put(
            f"/api/admin/verification-requests/{row.id}",
            headers=as_admin,
            json={"action": action, "reviewNote": "Granskad"},
        )
        assert response.status_code == 200, response.text

    await decide(first, "reject")
    await db_session.refresh(provider)
    assert provider.is_verified is False
    await decide(second, "approve")
    await db_session.refresh(provider)
    assert provider.is_verified is True
    # An approved verification cannot be withdrawn by the provider: it stays verified.
    withdrawn = await client.delete(f"/api/verification-requests/{second.id}", headers=headers)
    assert withdrawn.status_code == 400
    await db_session.refresh(provider)
    assert provider.is_verified is True


async def test_pending_and_rejected_requests_are_never_public(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider, _, _ = await provider_with_login(db_session)
    approved = await factories.provider_verification(
        db_session, provider, title="Godkänd examen", status="approved"
    )
    await factories.provider_verification(db_session, provider, title="Väntande kurs")
    await factories.provider_verification(
        db_session, provider, title="Avvisad licens", status="rejected", review_note="Falsk"
    )
    stranger = await logged_in(db_session, await factories.customer(db_session))

    for headers in ({}, stranger):
        response = await client.get(f"/api/providers/{provider.id}/verifications", headers=headers)
        assert response.status_code == 200, response.text
        assert [v["id"] for v in response.json()] == [approved.id]
        assert "Väntande" not in response.text and "Avvisad" not in response.text
        assert "Falsk" not in response.text
        # The provider's public profile (the original's leak) shows the approved one only.
        detail = await client.get(f"/api/providers/{provider.id}", headers=headers)
        assert detail.status_code == 200, detail.text
        assert [v["id"] for v in detail.json()["verifications"]] == [approved.id]
        assert "Väntande" not in detail.text and "Avvisad" not in detail.text
    page = await client.get(f"/providers/{provider.id}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "Godkänd examen" in page.text
    assert "Väntande kurs" not in page.text and "Avvisad licens" not in page.text


async def test_documents_are_seen_by_their_provider_and_admins_only(
    client: httpx.AsyncClient, db_session: AsyncSession, settings: Settings
) -> None:
    provider, user, _ = await provider_with_login(db_session)
    verification = await factories.provider_verification(db_session, provider)
    upload = await factories.upload(
        db_session, user, bucket="verifications", verification_id=verification.id,
        path="verifications/" + "a" * 32 + ".png", url="/api/upload/x", mime_type="image/png",
    )  # fmt: skip
    _, as_admin = await admin_login(db_session)
    _, _, stranger = await provider_with_login(db_session)

    queue = (await client.get("/api/admin/verification-requests", headers=as_admin)).json()
    mine = next(v for v in queue if v["id"] == verification.id)
    assert [i["id"] for i in mine["images"]] == [upload.id]
    assert mine["provider"]["businessName"] == provider.business_name
    for who, expected in ((stranger, 404), ({}, 404)):
        response = await client.get(f"/api/upload/{upload.id}", headers=who)
        assert response.status_code == expected
