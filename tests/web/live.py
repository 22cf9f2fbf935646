"""A live Equinet for the browser: the app under uvicorn on a free port, on a migrated scratch
database of the real PostgreSQL, with a real SMTP server (aiosmtpd) catching its e-mail, and
Debian's Chromium driven by Playwright.

Used by the browser tests (tests/web/conftest.py) and by `make screenshots`. The server runs
in a thread with its own event loop; `LiveApp.run` executes a coroutine there with a database
session (committed), so tests can arrange data with the factories.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvicorn
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts.sessions import create_session
from equinet.app import create_app
from equinet.models import User
from equinet.ops import database
from equinet.ops.scratch import scratch_database
from tests.accounts.conftest import Mailbox
from tests.conftest import make_settings, server_target
from tests.jobs.support import run_queued_jobs

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not CHROMIUM.exists() and not shutil.which("chromium"):
        return f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)"
    return None


def chromium_path() -> str | None:
    return str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveApp:
    url: str
    mailbox: Mailbox
    loop: asyncio.AbstractEventLoop
    app: Any
    settings: Any

    def run(self, work: Callable[[AsyncSession], Awaitable[T]], timeout: float = 30) -> T:
        """`work(db)` on the server's loop in a session of its own, committed afterwards."""

        async def in_session() -> T:
            async with self.app.state.sessionmaker() as db:
                result = await work(db)
                await db.commit()
                return result

        return asyncio.run_coroutine_threadsafe(in_session(), self.loop).result(timeout)

    def session_cookie(self, user: User) -> dict[str, Any]:
        """A logged-in session for `user`, as a cookie for a browser context."""

        async def start(db: AsyncSession) -> str:
            return await create_session(db, user, self.settings, user_agent="browser test")

        token = self.run(start)
        return {
            "name": self.settings.session_cookie_name,
            "value": token,
            "url": self.url,
            "httpOnly": True,
            "sameSite": "Lax",
        }

    def link_in_mail(self, address: str, path: str) -> str:
        """The link to `path` in the newest e-mail to `address` (waits for it a little)."""
        pattern = re.compile(re.escape(self.url) + re.escape(path) + r"\?token=[0-9A-Za-z%_-]+")
        for _attempt in range(50):
            for message in reversed(self.mailbox.to(address)):
                body = message.get_body(preferencelist=("plain",))
                found = pattern.search(str(body.get_content())) if body is not None else None  # type: ignore[attr-defined]
                if found:
                    return found.group(0)
            threading.Event().wait(0.1)
        raise AssertionError(f"no e-mail to {address} with a {path} link")


@contextmanager
def live_app(*, seed_demo: bool = False, **overrides: Any) -> Iterator[LiveApp]:
    """Start the app (and an SMTP server) for the duration of the block."""
    mailbox = Mailbox()
    smtp_port = free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def serve() -> None:
        async with scratch_database(server_target(), "web") as target:
            await database.migrate(target, make_settings(target))
            settings = make_settings(
                target,
                public_base_url=url,
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                smtp_starttls=False,
                rate_limit_key_prefix=f"web-{uuid.uuid4().hex[:8]}",
                **overrides,
            )
            app = create_app(settings)
            server = uvicorn.Server(
                uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
            )
            holder.update(loop=asyncio.get_running_loop(), app=app, server=server,
                          settings=settings)  # fmt: skip
            task = asyncio.create_task(server.serve())
            while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn's flag
                await asyncio.sleep(0.05)
            if seed_demo and server.started:
                from equinet.ops.seed import seed_demo as seed

                async with app.state.sessionmaker() as db:
                    await seed(db)
                    await db.commit()
            ready.set()

            async def work_the_queue() -> None:
                # The job worker's part: e-mails and other queued work of the pages' requests.
                while True:
                    await run_queued_jobs(app.state.sessionmaker, settings)
                    await asyncio.sleep(0.1)

            worker = asyncio.create_task(work_the_queue())
            try:
                await task
            finally:
                worker.cancel()

    def thread_main() -> None:
        try:
            asyncio.run(serve())
        except BaseException as error:  # reported to the waiting test below
            holder["error"] = error
        finally:
            ready.set()

    thread = threading.Thread(target=thread_main, name="equinet-live", daemon=True)
    thread.start()
    ready.wait(120)
    if "error" in holder or "server" not in holder:
        smtp.stop()
        raise RuntimeError(f"the app did not start: {holder.get('error')!r}")
    try:
        yield LiveApp(url, mailbox, holder["loop"], holder["app"], holder["settings"])
    finally:
        holder["loop"].call_soon_threadsafe(setattr, holder["server"], "should_exit", True)
        thread.join(60)
        smtp.stop()


@asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """Headless Debian Chromium; every launch starts with a fresh temporary profile.

    Playwright's async API, so the browser shares the test session's event loop with the
    async tests (its sync API would claim the main thread's loop for itself)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()
