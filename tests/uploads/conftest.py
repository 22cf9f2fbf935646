"""Uploads test fixtures: an app whose files go to the test's own folder (or a moto S3 server),
with small bucket limits so "one byte over" stays cheap, and image makers."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from moto.server import ThreadedMotoServer
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from tests.conftest import make_settings

LIMITS = {
    "upload_max_bytes_avatars": 40_000,
    "upload_max_bytes_horses": 60_000,
    "upload_max_bytes_verifications": 80_000,
}

AppFactory = Callable[..., AbstractAsyncContextManager[FastAPI]]


@pytest.fixture
def app_factory(
    test_database: DatabaseTarget, sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> AppFactory:
    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[FastAPI]:
        values: dict[str, Any] = {
            "upload_dir": tmp_path / "uploads",
            "email_outbox_dir": tmp_path / "outbox",
            **LIMITS,
            **overrides,
        }
        application = create_app(make_settings(test_database, **values))
        async with LifespanManager(application):
            application.state.sessionmaker = sessionmaker
            yield application

    return build


@pytest.fixture
async def app(app_factory: AppFactory) -> AsyncIterator[FastAPI]:
    async with app_factory() as application:
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def s3_server() -> Iterator[str]:
    """A local S3-compatible server (moto) on a free port of 127.0.0.1, over real HTTP."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def png(size: tuple[int, int] = (32, 24), color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


GPS_TAG = 0x8825


def jpeg_with_location(size: tuple[int, int] = (40, 30)) -> bytes:
    """A JPEG carrying EXIF with a GPS position (Uppsala) and a camera model."""
    image = Image.new("RGB", size, (10, 120, 60))
    exif = Image.Exif()
    exif[0x0110] = "Stallkamera 3000"  # Model
    exif[0x0112] = 1  # Orientation
    exif.get_ifd(GPS_TAG).update({1: "N", 2: (59.0, 51.0, 30.0), 3: "E", 4: (17.0, 38.0, 20.0)})
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def multipart(
    data: bytes, filename: str, bucket: str, entity_id: str | None, content_type: str
) -> dict[str, Any]:
    fields = {"bucket": bucket}
    if entity_id is not None:
        fields["entityId"] = entity_id
    return {"files": {"file": (filename, data, content_type)}, "data": fields}
