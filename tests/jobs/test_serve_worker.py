"""`equinet serve` (what `make run` starts) runs a job worker beside the server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from equinet.db.urls import DatabaseTarget
from tests.accounts.conftest import free_port
from tests.accounts.helpers import STRONG_PASSWORD
from tests.conftest import url_of

ROOT = Path(__file__).resolve().parents[2]


def _workers_of(parent_pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"worker" in command and str(parent_pid).encode() in command:
            found.append(int(entry.name))
    return found


def test_serve_starts_a_worker_that_sends_the_mail_and_stops_with_it(
    queue_database: DatabaseTarget, tmp_path: Path
) -> None:
    port = free_port()
    outbox = tmp_path / "outbox"
    env = {
        **os.environ,
        "EQUINET_ENV": "test",
        "DATABASE_URL": url_of(queue_database),
        "EMAIL_OUTBOX_DIR": str(outbox),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT / "src"),
    }
    env.pop("SMTP_HOST", None)
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "equinet", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        assert _workers_of(server.pid), "serve started no worker"

        response = httpx.post(
            f"{base}/api/auth/register",
            json={
                "email": "serve-worker@example.se",
                "password": STRONG_PASSWORD,
                "firstName": "Sara",
                "lastName": "Sadel",
                "userType": "customer",
            },
            timeout=10,
        )
        assert response.status_code == 201, response.text
        deadline = time.monotonic() + 30
        while not list(outbox.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [p for p in outbox.glob("*.eml") if b"serve-worker@example.se" in p.read_bytes()]
    finally:
        server.terminate()
        server.wait(timeout=20)
    deadline = time.monotonic() + 20
    while _workers_of(server.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _workers_of(server.pid) == []
