"""One request, one transaction: commit once on success, roll back everything on error, run
side effects only after the commit, and map database conflicts to JSON errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import delete, func, select

from equinet.app import create_app
from equinet.db.base import new_uuid
from equinet.db.session import DbSession, after_commit
from equinet.db.urls import DatabaseTarget
from equinet.kit.errors import Conflict
from equinet.models import Provider, User
from tests.conftest import make_settings

PREFIX = "tx-test-"


class NewUser(BaseModel):
    email: str = Field(min_length=3)
    fail_after_insert: bool = False


def _user(email: str) -> User:
    return User(email=email, password_hash="x", user_type="customer", first_name="T", last_name="T")


@pytest.fixture
async def live(test_database: DatabaseTarget) -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    app: FastAPI = create_app(make_settings(test_database))
    effects: list[str] = []

    @app.post("/test/users", status_code=201)
    async def create(body: NewUser, db: DbSession) -> dict[str, str]:
        user = _user(PREFIX + body.email)
        db.add(user)
        await db.flush()

        async def record() -> None:
            effects.append(user.email)

        after_commit(db, record)
        if body.fail_after_insert:
            raise Conflict("avsiktligt fel", code="PLANNED")
        return {"id": user.id}

    @app.post("/test/providers/{user_id}", status_code=201)
    async def create_provider(user_id: str, db: DbSession) -> dict[str, str]:
        provider = Provider(user_id=user_id, business_name="Test")
        db.add(provider)
        await db.flush()
        return {"id": provider.id}

    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client, effects
        async with app.state.sessionmaker() as session, session.begin():
            await session.execute(delete(User).where(User.email.startswith(PREFIX)))


async def _count(client: httpx.AsyncClient, email: str) -> int:
    maker = client._transport.app.state.sessionmaker  # type: ignore[attr-defined]
    async with maker() as session:
        return int(
            await session.scalar(select(func.count()).where(User.email == PREFIX + email)) or 0
        )


async def test_successful_request_commits_and_runs_after_commit_effects(live) -> None:  # type: ignore[no-untyped-def]
    client, effects = live
    response = await client.post("/test/users", json={"email": "ok@example.se"})
    assert response.status_code == 201
    assert await _count(client, "ok@example.se") == 1
    assert effects == [PREFIX + "ok@example.se"]


async def test_failed_request_leaves_no_rows_and_drops_its_effects(live) -> None:  # type: ignore[no-untyped-def]
    client, effects = live
    response = await client.post(
        "/test/users", json={"email": "fail@example.se", "fail_after_insert": True}
    )
    assert response.status_code == 409
    assert response.json() == {"error": "avsiktligt fel", "code": "PLANNED"}
    assert await _count(client, "fail@example.se") == 0
    assert effects == []


async def test_unique_violation_is_a_409_not_a_500(live) -> None:  # type: ignore[no-untyped-def]
    client, _ = live
    assert (await client.post("/test/users", json={"email": "twice@example.se"})).status_code == 201
    response = await client.post("/test/users", json={"email": "twice@example.se"})
    assert response.status_code == 409
    assert response.json()["code"] == "UNIQUE_VIOLATION"
    assert await _count(client, "twice@example.se") == 1


async def test_foreign_key_violation_is_a_409(live) -> None:  # type: ignore[no-untyped-def]
    client, _ = live
    response = await client.post(f"/test/providers/{new_uuid()}")
    assert response.status_code == 409
    assert response.json()["code"] == "FOREIGN_KEY_VIOLATION"


async def test_malformed_payload_is_422_with_field_details(live) -> None:  # type: ignore[no-untyped-def]
    client, _ = live
    response = await client.post("/test/users", json={"email": "x"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR"
    assert body["details"][0]["field"] == "email"
    response = await client.post(
        "/test/users", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "VALIDATION_ERROR"
