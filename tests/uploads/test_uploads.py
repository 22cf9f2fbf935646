"""Uploads: type from the content, cleaned images, per-bucket limits, ownership, serving
headers, and deletion that removes the object and every reference."""

from __future__ import annotations

import io
from pathlib import Path

import boto3
import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.storage import LocalStore
from equinet.models import Horse, Upload, User
from tests import factories
from tests.accounts.helpers import logged_in
from tests.uploads.conftest import GPS_TAG, LIMITS, AppFactory, jpeg_with_location, multipart, png


def stored_files(app: FastAPI) -> list[Path]:
    folder: Path = app.state.settings.upload_dir
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


async def send(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    data: bytes,
    *,
    filename: str = "foto.png",
    bucket: str = "horses",
    entity_id: str | None = None,
    content_type: str = "image/png",
) -> httpx.Response:
    return await client.post(
        "/api/upload",
        headers=headers,
        **multipart(data, filename, bucket, entity_id, content_type),
    )


async def test_horse_photo_is_stored_linked_and_served_as_an_inert_image(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    headers = await logged_in(db_session, owner)

    response = await send(client, headers, png(), entity_id=horse.id)

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["mimeType"] == "image/png" and body["bucket"] == "horses"
    await db_session.refresh(horse)
    assert horse.photo_url == body["url"]
    assert len(stored_files(app)) == 1
    served = await client.get(body["url"], headers=headers)
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    assert served.headers["content-disposition"].startswith("inline; filename=")
    assert Image.open(io.BytesIO(served.content)).size == (32, 24)


async def test_png_renamed_pdf_is_stored_as_the_png_it_is(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    headers = await logged_in(db_session, owner)

    response = await send(
        client, headers, png(), filename="intyg.pdf", content_type="application/pdf",
        entity_id=horse.id,
    )  # fmt: skip

    assert response.status_code == 201, response.text
    assert response.json()["mimeType"] == "image/png"
    row = await db_session.scalar(select(Upload).where(Upload.id == response.json()["id"]))
    assert row is not None and row.path.endswith(".png")


async def test_html_renamed_png_is_refused_and_nothing_is_stored(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    headers = await logged_in(db_session, owner)
    page = b"<html><body><script>alert(document.cookie)</script></body></html>"

    response = await send(client, headers, page, filename="foto.png", entity_id=horse.id)

    assert response.status_code == 415, response.text
    assert response.json()["code"] == "UNSUPPORTED_FILE_TYPE"
    await db_session.refresh(horse)
    assert horse.photo_url is None
    assert stored_files(app) == []
    assert await db_session.scalar(select(Upload).where(Upload.user_id == owner.id)) is None


async def test_a_pdf_is_accepted_only_for_verifications(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    user = await db_session.get(User, provider.user_id)
    assert user is not None
    horse = await factories.horse(db_session, user)
    verification = await factories.provider_verification(db_session, provider)
    headers = await logged_in(db_session, user)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

    refused = await send(client, headers, pdf, filename="a.pdf", entity_id=horse.id)
    accepted = await send(
        client, headers, pdf, filename="intyg.pdf", bucket="verifications",
        entity_id=verification.id, content_type="application/pdf",
    )  # fmt: skip

    assert refused.status_code == 415
    assert accepted.status_code == 201, accepted.text
    served = await client.get(accepted.json()["url"], headers=headers)
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"].startswith("attachment;")


async def test_a_file_one_byte_over_the_bucket_limit_is_413_and_at_the_limit_is_accepted(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    headers = await logged_in(db_session, owner)
    limit = LIMITS["upload_max_bytes_horses"]
    image = png()
    # Bytes after a PNG's end are ignored by decoders: the same picture at any size we like.
    at_limit = image + b"\0" * (limit - len(image))

    over = await send(client, headers, at_limit + b"\0", entity_id=horse.id)
    exact = await send(client, headers, at_limit, entity_id=horse.id)

    assert over.status_code == 413, over.text
    assert over.json()["code"] == "FILE_TOO_LARGE"
    assert over.json()["details"] == {"maxBytes": limit}
    assert exact.status_code == 201, exact.text


async def test_a_body_far_beyond_every_limit_is_refused_while_streaming(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    headers = await logged_in(db_session, owner)
    sent = 0

    async def endless() -> object:
        nonlocal sent
        for _ in range(10_000):
            sent += 16_384
            yield b"x" * 16_384

    response = await client.post(
        "/api/upload",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=x"},
        content=endless(),
    )
    assert response.status_code == 413
    assert sent < 1_000_000  # stopped reading long before the 160 MB were sent


async def test_images_lose_their_exif_location_when_stored(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    headers = await logged_in(db_session, owner)
    original = jpeg_with_location()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_TAG)  # the test's premise

    response = await send(
        client, headers, original, filename="hage.jpg", content_type="image/jpeg",
        entity_id=horse.id,
    )  # fmt: skip

    assert response.status_code == 201, response.text
    served = await client.get(response.json()["url"], headers=headers)
    cleaned = Image.open(io.BytesIO(served.content))
    assert cleaned.format == "JPEG"
    assert not cleaned.getexif()
    assert b"Stallkamera" not in served.content and b"Exif" not in served.content


async def test_avatar_sets_the_providers_profile_image_and_is_public(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    user = await db_session.get(User, provider.user_id)
    assert user is not None
    headers = await logged_in(db_session, user)

    response = await send(client, headers, png(), bucket="avatars", entity_id=provider.id)

    assert response.status_code == 201, response.text
    await db_session.refresh(provider)
    assert provider.profile_image_url == response.json()["url"]
    anonymous = await client.get(response.json()["url"])
    assert anonymous.status_code == 200


async def test_other_peoples_targets_are_404_and_nothing_is_stored(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    provider = await factories.provider(db_session)
    verification = await factories.provider_verification(db_session, provider)
    stranger = await factories.provider(db_session)
    stranger_user = await db_session.get(User, stranger.user_id)
    assert stranger_user is not None
    headers = await logged_in(db_session, stranger_user)

    for bucket, entity_id, code in (
        ("horses", horse.id, "HORSE_NOT_FOUND"),
        ("avatars", provider.id, "PROVIDER_NOT_FOUND"),
        ("verifications", verification.id, "VERIFICATION_NOT_FOUND"),
    ):
        response = await send(client, headers, png(), bucket=bucket, entity_id=entity_id)
        assert response.status_code == 404, (bucket, response.text)
        assert response.json()["code"] == code
    assert stored_files(app) == []


async def test_someone_elses_upload_is_404_to_fetch_and_to_delete(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    mine = await send(client, await logged_in(db_session, owner), png(), entity_id=horse.id)
    url = mine.json()["url"]
    stranger = await logged_in(db_session, await factories.customer(db_session))

    assert (await client.get(url, headers=stranger)).status_code == 404
    assert (await client.get(url)).status_code == 404
    assert (await client.delete(url, headers=stranger)).status_code == 404
    assert await db_session.get(Upload, mine.json()["id"]) is not None


async def test_deleting_removes_the_object_and_clears_the_reference(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    headers = await logged_in(db_session, owner)
    created = (await send(client, headers, png(), entity_id=horse.id)).json()
    assert len(stored_files(app)) == 1

    response = await client.delete(created["url"], headers=headers)

    assert response.status_code == 200, response.text
    await db_session.refresh(horse)
    assert horse.photo_url is None
    assert await db_session.get(Upload, created["id"]) is None
    assert stored_files(app) == []
    assert (await client.get(created["url"], headers=headers)).status_code == 404


async def test_a_new_photo_replaces_the_old_one_entirely(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    headers = await logged_in(db_session, owner)
    first = (await send(client, headers, png(), entity_id=horse.id)).json()
    second = (await send(client, headers, png(color=(1, 2, 3)), entity_id=horse.id)).json()

    await db_session.refresh(horse)
    assert horse.photo_url == second["url"]
    assert await db_session.get(Upload, first["id"]) is None
    assert len(stored_files(app)) == 1


async def test_form_errors_are_clear_json(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    headers = await logged_in(db_session, owner)

    not_multipart = await client.post("/api/upload", headers=headers, json={"bucket": "horses"})
    no_file = await client.post(
        "/api/upload", headers=headers, data={"bucket": "horses", "entityId": horse.id},
        files={"other": ("x.txt", b"x", "text/plain")},
    )  # fmt: skip
    bad_bucket = await send(client, headers, png(), bucket="services", entity_id=horse.id)
    no_entity = await send(client, headers, png())

    assert (not_multipart.status_code, not_multipart.json()["code"]) == (400, "INVALID_FORM")
    assert (no_file.status_code, no_file.json()["code"]) == (400, "NO_FILE")
    assert (bad_bucket.status_code, bad_bucket.json()["code"]) == (400, "INVALID_BUCKET")
    assert (no_entity.status_code, no_entity.json()["code"]) == (400, "ENTITY_ID_REQUIRED")


async def test_at_most_five_images_per_verification(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    user = await db_session.get(User, provider.user_id)
    assert user is not None
    verification = await factories.provider_verification(db_session, provider)
    headers = await logged_in(db_session, user)
    codes = [
        (
            await send(client, headers, png(), bucket="verifications", entity_id=verification.id)
        ).status_code
        for _ in range(6)
    ]
    assert codes == [201] * 5 + [400]


async def test_s3_storage_round_trip_against_a_local_s3_server(
    app_factory: AppFactory, s3_server: str, db_session: AsyncSession
) -> None:
    keys = {"aws_access_key_id": "equinet-test", "aws_secret_access_key": "equinet-secret"}
    s3 = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **keys)
    s3.create_bucket(Bucket="equinet-uploads")
    owner = await factories.customer(db_session)
    horse = await factories.horse(db_session, owner)
    headers = await logged_in(db_session, owner)

    async with app_factory(
        upload_storage="s3",
        upload_s3_bucket="equinet-uploads",
        upload_s3_prefix="test",
        upload_s3_endpoint_url=s3_server,
        upload_s3_access_key_id=keys["aws_access_key_id"],
        upload_s3_secret_access_key=keys["aws_secret_access_key"],
    ) as application:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            created = (await send(client, headers, png(), entity_id=horse.id)).json()
            row = await db_session.get(Upload, created["id"])
            assert row is not None
            objects = s3.list_objects_v2(Bucket="equinet-uploads").get("Contents", [])
            assert [o["Key"] for o in objects] == [f"test/{row.path}"]
            served = await client.get(created["url"], headers=headers)
            assert served.status_code == 200 and served.content.startswith(b"\x89PNG")
            assert (await client.delete(created["url"], headers=headers)).status_code == 200
            assert s3.list_objects_v2(Bucket="equinet-uploads").get("KeyCount") == 0
    assert (await db_session.scalar(select(Horse.photo_url).where(Horse.id == horse.id))) is None


async def test_approved_verification_images_stay_and_withdrawal_removes_the_rest(
    app: FastAPI, client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session)
    user = await db_session.get(User, provider.user_id)
    assert user is not None
    headers = await logged_in(db_session, user)
    approved = await factories.provider_verification(db_session, provider)
    pending = await factories.provider_verification(db_session, provider, title="Kurs")
    kept = await send(client, headers, png(), bucket="verifications", entity_id=approved.id)
    dropped = await send(client, headers, png(), bucket="verifications", entity_id=pending.id)
    approved.status = "approved"
    await db_session.flush()

    refused = await client.delete(kept.json()["url"], headers=headers)
    withdrawn = await client.delete(f"/api/verification-requests/{pending.id}", headers=headers)

    assert (refused.status_code, refused.json()["code"]) == (400, "APPROVED_VERIFICATION_IMAGE")
    assert withdrawn.status_code == 204, withdrawn.text
    assert await db_session.get(Upload, dropped.json()["id"]) is None
    assert len(stored_files(app)) == 1  # only the approved document's file is left


def test_the_store_refuses_keys_that_are_not_ours(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    for key in ("../etc/passwd", "horses/../../x.png", "/abs/" + "a" * 32 + ".png"):
        with pytest.raises(ValueError):
            store._path(key)
