"""/metrics (design document O1-O3, O5) and Sentry reports of database errors."""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import sentry_sdk
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from equinet.app import create_app
from equinet.db.session import DbSession
from equinet.db.urls import DatabaseTarget
from equinet.kit.metrics import RATE_LIMIT_REJECTIONS
from tests.conftest import make_settings


def metric(body: str, name: str, **labels: str) -> float:
    """The value of one sample in a /metrics body (0 when absent)."""
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_request_latency_is_labelled_by_route_template_not_raw_path(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    @app.get("/api/test-horses/{horse_id}")
    async def horse(horse_id: int) -> dict[str, int]:
        return {"id": horse_id}

    route = "/api/test-horses/{horse_id}"
    before = await scrape(client)
    for horse_id in (1, 2, 3):
        assert (await client.get(f"/api/test-horses/{horse_id}")).status_code == 200
    assert (await client.get("/api/test-horses/not-a-number")).status_code == 422
    after = await scrape(client)

    count = "equinet_http_request_duration_seconds_count"
    assert (
        metric(after, count, method="GET", route=route)
        - metric(before, count, method="GET", route=route)
        == 4
    )
    requests = "equinet_http_requests_total"
    assert (
        metric(after, requests, route=route, status="2xx")
        - metric(before, requests, route=route, status="2xx")
        == 3
    )
    assert (
        metric(after, requests, route=route, status="4xx")
        - metric(before, requests, route=route, status="4xx")
        == 1
    )
    assert "/api/test-horses/1" not in after


async def test_unknown_paths_share_one_label(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    for path in ("/api/nope-1", "/api/nope-2", "/wp-login.php"):
        assert (await client.get(path)).status_code == 404
    after = await scrape(client)

    name = "equinet_http_requests_total"
    labels = {"route": "<unmatched>", "status": "4xx"}
    assert metric(after, name, **labels) - metric(before, name, **labels) == 3
    assert "nope-1" not in after


async def test_unique_violation_moves_the_database_error_counter(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    @app.post("/api/test-duplicate")
    async def duplicate(db: DbSession) -> None:
        await db.execute(text("CREATE TEMP TABLE IF NOT EXISTS dup (id int PRIMARY KEY)"))
        await db.execute(text("INSERT INTO dup VALUES (1), (1)"))

    before = await scrape(client)
    response = await client.post("/api/test-duplicate")
    after = await scrape(client)

    assert response.status_code == 409
    assert response.json()["code"] == "UNIQUE_VIOLATION"
    name = "equinet_database_errors_total"
    assert (
        metric(after, name, kind="unique_violation") - metric(before, name, kind="unique_violation")
        == 1
    )


async def test_every_statement_feeds_the_query_histogram(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    before = await scrape(client)
    assert (await client.get("/api/health")).status_code == 200  # runs a few statements
    after = await scrape(client)

    name = "equinet_db_query_duration_seconds_count"
    assert metric(after, name) > metric(before, name)


async def test_slow_statements_are_counted_by_level(test_database: DatabaseTarget) -> None:
    settings = make_settings(test_database, db_slow_query_info_ms=50, db_slow_query_warning_ms=300)
    app = create_app(settings)

    @app.get("/api/test-slow/{seconds}")
    async def slow(seconds: float, db: DbSession) -> None:
        await db.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})

    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            before = await scrape(client)
            assert (await client.get("/api/test-slow/0.1")).status_code == 200
            assert (await client.get("/api/test-slow/0.35")).status_code == 200
            after = await scrape(client)

    name = "equinet_db_slow_queries_total"
    assert metric(after, name, level="info") - metric(before, name, level="info") == 1
    assert metric(after, name, level="warning") - metric(before, name, level="warning") == 1


async def test_pool_gauges_describe_the_apps_pool(app: FastAPI, client: httpx.AsyncClient) -> None:
    body = await scrape(client)

    assert metric(body, "equinet_db_pool_size") == app.state.engine.pool.size()
    for gauge in ("checked_out", "overflow", "waiting"):
        assert f"equinet_db_pool_{gauge} " in body


async def test_rate_limit_rejections_are_exported_by_limiter(client: httpx.AsyncClient) -> None:
    before = await scrape(client)
    RATE_LIMIT_REJECTIONS.labels(limiter="login").inc()  # what the limiter does on a 429
    after = await scrape(client)

    name = "equinet_rate_limit_rejections_total"
    assert metric(after, name, limiter="login") - metric(before, name, limiter="login") == 1


# --- Sentry: a local HTTP endpoint that accepts envelopes, as sentry.io would ---------------


class EnvelopeInbox(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _EnvelopeHandler)
        self.events: list[dict[str, Any]] = []
        self.received = threading.Event()

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server_address[1]}/42"


class _EnvelopeHandler(BaseHTTPRequestHandler):
    server: EnvelopeInbox

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        if self.path == "/api/42/envelope/":
            # Envelope: a header line, then (item header, item payload) line pairs.
            lines = body.split(b"\n")[1:]
            for header, payload in zip(lines[::2], lines[1::2], strict=False):
                if json.loads(header).get("type") == "event":
                    self.server.events.append(json.loads(payload))
                    self.server.received.set()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def sentry_inbox() -> Iterator[EnvelopeInbox]:
    inbox = EnvelopeInbox()
    thread = threading.Thread(target=inbox.serve_forever, daemon=True)
    thread.start()
    try:
        yield inbox
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init(dsn=None)  # leave no live client behind for other tests
        inbox.shutdown()
        inbox.server_close()


@pytest.fixture
async def sentry_app(
    test_database: DatabaseTarget, sentry_inbox: EnvelopeInbox
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(test_database, sentry_dsn=sentry_inbox.dsn))

    @app.get("/api/test-timeout")
    async def timeout(db: DbSession) -> None:
        await db.execute(text("SET LOCAL statement_timeout = '50ms'"))
        await db.execute(text("SELECT pg_sleep(2)"))

    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client


async def test_database_timeout_is_reported_to_sentry(
    sentry_app: httpx.AsyncClient, sentry_inbox: EnvelopeInbox
) -> None:
    response = await sentry_app.get("/api/test-timeout")
    assert response.status_code == 504
    assert response.json()["code"] == "DATABASE_TIMEOUT"

    sentry_sdk.flush(timeout=5)
    assert sentry_inbox.received.wait(5), "no event reached the Sentry endpoint"
    [event] = sentry_inbox.events
    assert event["tags"]["database_error"] == "timeout"
    exception_types = [value["type"] for value in event["exception"]["values"]]
    assert any("QueryCanceled" in name for name in exception_types), exception_types
    assert event["environment"] == "test"
