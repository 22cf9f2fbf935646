"""`make bench` (bench/make_bench.py): its slot file, its wrk Lua scripts and its report writer.

No timing assertions: the slots are checked by booking every one of them, the Lua scripts
against a tiny local HTTP server, the report from made-up results.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from rich.console import Console

from equinet.app import create_app
from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from equinet.ops.scale_seed import seed_scale
from equinet.ops.scratch import scratch_database
from tests.conftest import make_settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import make_bench

WRK = shutil.which("wrk")


@pytest.fixture(scope="module")
async def scale_db(database_server: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    async with scratch_database(database_server, "bench") as target:
        await database.migrate(target, make_settings(target))
        await seed_scale(
            target, make_settings(target), providers=3, console=Console(file=io.StringIO())
        )
        yield target


async def test_the_slot_file_holds_distinct_free_slots_that_can_all_be_booked(
    scale_db: DatabaseTarget,
) -> None:
    settings = make_settings(scale_db, rate_limit_multiplier=1_000_000.0)
    scene = await make_bench.build_scene(settings, 20)
    assert len(scene.slots) == 20
    keys = [make_bench.slot_key(line) for line in scene.slots]
    assert len(set(keys)) == len(keys)
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            answers: Counter[int] = Counter()
            for line in scene.slots:
                token, body = line.split("\t", 1)
                response = await client.post(
                    "/api/bookings",
                    content=body,
                    headers={"Authorization": f"Bearer {token}", **make_bench._JSON},
                )
                answers[response.status_code] += 1
    assert answers == {201: 20}
    assert await make_bench.cleanup(settings, sessions=True) == 20


class _Recorder(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str]] = []  # method, Authorization or Cookie, body
    lock = threading.Lock()

    def _answer(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization") or self.headers.get("Cookie") or ""
        with self.lock:
            self.seen.append(("GET", auth, ""))
        self._answer(200 if auth else 401)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        with self.lock:
            self.seen.append(("POST", self.headers.get("Authorization", ""), body))
        self._answer(201)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[str]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _wrk(command: list[str]) -> make_bench.WrkRun:
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=True)
    return make_bench.parse_wrk(done.stdout, 2)


@pytest.mark.skipif(WRK is None, reason="wrk is not installed (make bench installs it)")
def test_the_booking_script_never_sends_a_slot_twice_and_counts_statuses(
    stub: str, tmp_path: Path
) -> None:
    slots = tmp_path / "slots.tsv"
    lines = [f"token-{n % 7}\t{json.dumps({'slot': n})}" for n in range(50_000)]
    slots.write_text("\n".join(lines) + "\n")
    endpoint = make_bench.Endpoint("bookings-create", "POST", "/api/bookings", method="POST")
    run = _wrk(make_bench.wrk_command(stub, endpoint, 2, 1, slots))
    posted = [(auth, body) for method, auth, body in _Recorder.seen if method == "POST"]
    assert posted
    bodies = [body for _auth, body in posted]
    assert len(set(bodies)) == len(bodies)  # distinct slots, across both threads
    number = {json.loads(line.split("\t")[1])["slot"]: line.split("\t")[0] for line in lines}
    assert all(auth == f"Bearer {number[json.loads(body)['slot']]}" for auth, body in posted)
    assert run.statuses == {"201": run.requests}
    assert not run.slots_short
    # The next run starts after the slots this one handed out.
    _Recorder.seen = []
    _wrk(make_bench.wrk_command(stub, endpoint, 2, 1, slots, offset=run.last_line))
    again = {body for method, _auth, body in _Recorder.seen if method == "POST"}
    assert again and not again & set(bodies)


@pytest.mark.skipif(WRK is None, reason="wrk is not installed (make bench installs it)")
def test_the_get_script_sends_the_session_and_counts_non_2xx(stub: str) -> None:
    with_token = make_bench.Endpoint("x", "GET", "/api/bookings", bearer="abc")
    run = _wrk(make_bench.wrk_command(stub, with_token, 2, 1, None))
    assert {auth for _m, auth, _b in _Recorder.seen} == {"Bearer abc"}
    assert run.non_2xx == {}
    _Recorder.seen = []
    cookie = make_bench.Endpoint("y", "GET", "/my/bookings", cookie="equinet_session=xyz")
    run = _wrk(make_bench.wrk_command(stub, cookie, 2, 1, None))
    assert {a for _m, a, _b in _Recorder.seen} == {"equinet_session=xyz"}
    anonymous = make_bench.Endpoint("z", "GET", "/api/health")
    run = _wrk(make_bench.wrk_command(stub, anonymous, 2, 1, None))
    assert run.non_2xx == {"401": run.requests}


def _fake_report(fast: bool) -> dict[str, Any]:
    def runs(rps: float, p95: float) -> list[dict[str, Any]]:
        return [
            {
                "connections": c,
                "requests": int(rps * 10),
                "seconds": 10.0,
                "p50_ms": p95 / 2,
                "p95_ms": p95,
                "p99_ms": p95 * 1.5,
                "statuses": {"201": int(rps * 10)} if c == 50 else {"200": int(rps * 10)},
                "socket_errors": {},
                "rss_mb": [120.0, 130.0] if fast else [210.0, 220.0],
                "slots_short": False,
            }
            for c in (1, 10, 50)
        ]

    def scale(providers: int, p95: float) -> dict[str, Any]:
        return {
            "providers": providers,
            "bookings": providers * 100,
            "database": f"equinet_bench_{providers}",
            "seeded_seconds": None,
            "load_before": [1.0, 1.0, 1.0],
            "load_after": [2.0, 2.0, 2.0],
            "slots": 1000,
            "endpoints": [
                {
                    "key": "bookings-create",
                    "label": "POST /api/bookings",
                    "kind": "api",
                    "target": "booking",
                    "cached": False,
                    "statements": 10,
                    "runs": runs(400 if fast else 50, p95),
                    "pgbench_tps": 500.0,
                    "pgbench_p95_ms": 5.0,
                    "scripts": 100,
                },
                {
                    "key": "health",
                    "label": "GET /api/health",
                    "kind": "api",
                    "target": "other",
                    "cached": False,
                    "statements": 1,
                    "runs": runs(900, p95),
                    "pgbench_tps": 3000.0,
                    "pgbench_p95_ms": 1.0,
                },
            ],
        }

    machine = {
        "cpu": "Test CPU",
        "cores": 2,
        "memory_gb": 8.0,
        "os": "Linux",
        "python": "3.11",
        "postgres": "15.0",
        "wrk": "wrk 4.1.0",
        "commit": "abc1234",
    }
    return {
        "command": "make bench",
        "finished": "2026-12-01 12:00 UTC",
        "machine": machine,
        "workers": 2,
        "pool_size": 10,
        "duration": 10,
        "scales": [scale(10_000, 20.0), scale(100, 10.0 if not fast else 19.0)],
    }


def test_the_report_judges_the_targets_and_replaces_only_its_own_section(
    tmp_path: Path,
) -> None:
    slow = make_bench.render_section(_fake_report(fast=False))
    assert make_bench.START_MARKER in slow and make_bench.END_MARKER in slow
    booking_row = next(
        line for line in slow.splitlines() if line.startswith("| POST /api/bookings | 10 |")
    )
    assert "50 < 175 req/s" in booking_row and "RSS 220 MB" in booking_row
    assert "p95 2.00× > 1.3×" in booking_row
    fast = make_bench.render_section(_fake_report(fast=True))
    booking_row = next(
        line for line in fast.splitlines() if line.startswith("| POST /api/bookings | 10 |")
    )
    assert booking_row.endswith("| pass |")
    document = tmp_path / "benchmarks.md"
    document.write_text("# Benchmarks\n\n## Pool sizes\n\nkept\n")
    make_bench.write_section(document, slow)
    make_bench.write_section(document, fast)
    text = document.read_text()
    assert text.count(make_bench.START_MARKER) == 1
    assert "## Pool sizes\n\nkept" in text
    assert fast in text and slow not in text
