"""`equinet serve` as a newcomer runs it (`make run`): embedded PostgreSQL, migrated and seeded on
first start, reused on the next, stopped cleanly on exit."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

EQUINET = str(Path(sys.executable).with_name("equinet"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DIRECT_DATABASE_URL", "REDIS_URL"}
    }
    env.update(EQUINET_ENV="development", EMBEDDED_PG_DIR=str(data_dir), LOG_LEVEL="INFO")
    return env


def _serve_until_healthy(tmp_path: Path, data_dir: Path) -> tuple[str, dict[str, object]]:
    port = _free_port()
    process = subprocess.Popen(
        [EQUINET, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_environment(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    body: dict[str, object] = {}
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
                body = response.json()
                if response.status_code == 200:
                    assert httpx.get(f"http://127.0.0.1:{port}/docs").status_code == 200
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    return output, body


def _postgres_running_on(data_dir: Path) -> bool:
    for proc in psutil.process_iter(attrs=["name", "cmdline"]):
        if proc.info["name"] == "postgres" and str(data_dir) in " ".join(
            proc.info["cmdline"] or []
        ):
            return True
    return False


@pytest.mark.slow
def test_serve_starts_embedded_postgres_migrates_seeds_and_stops_cleanly(tmp_path: Path) -> None:
    data_dir = tmp_path / ".equinet" / "pgdata"
    first, health = _serve_until_healthy(tmp_path, data_dir)
    assert health.get("status") == "ok", first
    assert "embedded PostgreSQL" in first and "initialised" in first
    assert "migrated: 0001" in first
    assert "seeded demo data: 5 providers, 14 services" in first
    assert "on http://127.0.0.1:" in first and "database: equinet on socket" in first
    assert "stopping embedded PostgreSQL" in first
    assert not _postgres_running_on(data_dir)

    second, health = _serve_until_healthy(tmp_path, data_dir)
    assert health.get("status") == "ok", second
    assert "reused" in second
    assert "seeded demo data" not in second and "migrated:" not in second
    assert not _postgres_running_on(data_dir)


def test_serve_reports_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    env = _environment(tmp_path / "unused")
    env.update(DATABASE_URL="postgresql://postgres@127.0.0.1:1/equinet", DB_CONNECT_ATTEMPTS="2",
               DB_CONNECT_BACKOFF_SECONDS="0.05")  # fmt: skip
    result = subprocess.run(
        [EQUINET, "serve", "--port", str(_free_port())],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Database unreachable" in errors[0], result.stderr
