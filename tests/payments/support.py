"""The demo payment gateway served by uvicorn on a free port, for tests that pay over HTTP."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
import uvicorn

from equinet.payments import demo_gateway


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class GatewayServer:
    url: str

    def ledger(self) -> list[dict[str, Any]]:
        """Every key the gateway has seen, read over its HTTP API."""
        response = httpx.get(f"{self.url}/charges", timeout=5)
        response.raise_for_status()
        charges: list[dict[str, Any]] = response.json()["charges"]
        return charges

    def charges_for(self, reference: str) -> list[dict[str, Any]]:
        return [
            c for c in self.ledger() if c["reference"] == reference and c["status"] == "succeeded"
        ]


@contextmanager
def running_gateway(
    *, hold_seconds: float = 0.0, decline_above: Decimal | None = None
) -> Iterator[GatewayServer]:
    """The demo gateway listening on 127.0.0.1:<free port> in a thread of this process."""
    port = free_port()
    config = uvicorn.Config(
        demo_gateway.create_app(hold_seconds=hold_seconds, decline_above=decline_above),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"demo-gateway-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the demo gateway did not start")
        time.sleep(0.02)
    try:
        yield GatewayServer(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
