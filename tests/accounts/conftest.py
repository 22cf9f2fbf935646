"""Accounts test fixtures: a real SMTP server (aiosmtpd) catching mail, and apps with their own
settings (tight rate limits, their own Redis key prefix so runs never share counts)."""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from tests.conftest import make_settings
from tests.jobs.support import jobs_after_each_response


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Mailbox:
    """What the SMTP server received (aiosmtpd handler; runs in the controller's thread)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if m["To"] == address]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no e-mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    box, _ = smtp_server
    box.messages.clear()
    return box


AppFactory = Callable[..., AbstractAsyncContextManager[FastAPI]]


@pytest.fixture
def app_factory(
    test_database: DatabaseTarget,
    sessionmaker: async_sessionmaker[AsyncSession],
    smtp_server: tuple[Mailbox, int],
) -> AppFactory:
    """`async with app_factory(rate_limits={...}) as app:` an app on the test's transaction."""
    _, port = smtp_server

    @asynccontextmanager
    async def build(**overrides: Any) -> AsyncIterator[FastAPI]:
        values: dict[str, Any] = {
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "smtp_starttls": False,
            "rate_limit_key_prefix": f"test-{uuid.uuid4().hex}",
            **overrides,
        }
        application = create_app(make_settings(test_database, **values))
        async with LifespanManager(application):
            # The app's sessionmaker, replaced by one bound to the test's transaction.
            application.state.sessionmaker = sessionmaker
            yield application

    return build


@pytest.fixture
async def app(app_factory: AppFactory) -> AsyncIterator[FastAPI]:
    async with app_factory() as application:
        yield application


def client_for(application: FastAPI, **kwargs: Any) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application)
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        event_hooks=jobs_after_each_response(application),
        **kwargs,
    )
