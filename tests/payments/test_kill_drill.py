"""The kill drill: the app process is SIGKILLed after the gateway charged, before the payment's
outcome was written. The payment stays pending; reconciliation (or the customer's retry) records
it as paid from the gateway's ledger, and nothing is ever charged twice.

The app runs as a real uvicorn process on its own port; the demo gateway runs in this process
and holds each new charge's answer for 30 s, which is the window the kill lands in.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from equinet.db.base import utcnow
from equinet.db.urls import DatabaseTarget
from equinet.jobs.registry import TASKS, WorkContext, load_tasks
from equinet.payments.reconciliation import reconcile_pending_payments
from tests.conftest import PROJECT_ROOT, make_settings, url_of
from tests.payments.support import (
    GatewayServer,
    committed_booking,
    free_port,
    payment_row,
    remove,
    running_gateway,
)
from tests.payments.test_gateway_flow import client_of

HOLD_SECONDS = 30.0


@pytest.fixture
def holding_gateway() -> Iterator[GatewayServer]:
    with running_gateway(hold_seconds=HOLD_SECONDS) as server:
        yield server


def _start_app(target: DatabaseTarget, gateway: GatewayServer, folder: Path) -> tuple[Any, str]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(PROJECT_ROOT / "src"), os.environ.get("PYTHONPATH", "")]
        ),
        "EQUINET_ENV": "test",
        "DATABASE_URL": url_of(target),
        "PAYMENT_GATEWAY_URL": gateway.url,
        "EMAIL_OUTBOX_DIR": str(folder / "outbox"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "equinet.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"the app exited: {process.stderr.read().decode() if process.stderr else ''}"
            )
        try:
            if httpx.get(f"{url}/api/health", timeout=1).status_code < 500:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("the app did not start")


@pytest.mark.parametrize("settled_by", ["reconciliation", "periodic job", "retry"])
async def test_a_payment_killed_between_charge_and_record_is_settled_once(
    test_database: DatabaseTarget,
    engine: AsyncEngine,
    holding_gateway: GatewayServer,
    tmp_path: Path,
    settled_by: str,
) -> None:
    settings = make_settings(
        test_database, email_outbox_dir=tmp_path / "outbox",
        payment_gateway_url=holding_gateway.url,
    )  # fmt: skip
    made = await committed_booking(engine, settings)
    process, url = await asyncio.to_thread(_start_app, test_database, holding_gateway, tmp_path)
    headers = {"Authorization": f"Bearer {made.customer_token}"}
    try:
        async with httpx.AsyncClient(base_url=url, timeout=HOLD_SECONDS * 2) as remote:
            started = time.monotonic()
            paying = asyncio.create_task(
                remote.post(f"/api/bookings/{made.booking_id}/payment", headers=headers)
            )
            while not await asyncio.to_thread(holding_gateway.charges_for, made.booking_id):
                assert time.monotonic() - started < 20, "the charge never reached the gateway"
                await asyncio.sleep(0.02)
            charged_after = time.monotonic() - started
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
            with pytest.raises(httpx.HTTPError):
                await paying
        assert process.returncode == -signal.SIGKILL

        [charge] = holding_gateway.charges_for(made.booking_id)
        left = await payment_row(engine, made.booking_id)
        assert left.status == "pending" and left.invoice_number is None
        assert left.idempotency_key == charge["idempotencyKey"]

        settling = time.monotonic()
        if settled_by == "reconciliation":
            done = await reconcile_pending_payments(
                async_sessionmaker(engine, expire_on_commit=False),
                settings,
                older_than_seconds=0,
                now=utcnow() + timedelta(seconds=1),
            )
            assert done.paid >= 1
        elif settled_by == "periodic job":  # what `equinet worker` runs every minute
            load_tasks()
            grace_over = settings.model_copy(update={"payment_reconcile_after_seconds": 0})
            await TASKS["reconcile_pending_payments"].run(
                WorkContext(grace_over, async_sessionmaker(engine, expire_on_commit=False))
            )
        async with client_of(settings) as client:
            retry = await client.post(f"/api/bookings/{made.booking_id}/payment", headers=headers)
        settled_in = time.monotonic() - settling
        if settled_by != "retry":
            assert retry.status_code == 400 and retry.json()["code"] == "ALREADY_PAID"
        else:
            assert retry.status_code == 200, retry.text  # the same key: the gateway replays
            assert retry.json()["payment"]["amount"] == 800

        paid = await payment_row(engine, made.booking_id)
        assert paid.status == "succeeded" and paid.invoice_number
        assert paid.provider_payment_id == charge["id"]
        assert len(holding_gateway.charges_for(made.booking_id)) == 1  # charged once, ever
        print(
            f"\nkill drill ({settled_by}): charge in the ledger {charged_after:.2f} s after the "
            f"request, killed; settled in {settled_in:.2f} s; charges under the booking: 1"
        )
    finally:
        if process.poll() is None:
            process.kill()
        await remove(engine, made)
