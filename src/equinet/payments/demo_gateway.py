"""The demo payment gateway: a small HTTP service that "charges" without moving money.

It keeps a ledger by idempotency key (in memory, one per process), the way a real processor
does: the same key replays the first charge, a key can be closed (`cancel`) so that no charge
is ever made under it. `hold_seconds` keeps a charge's answer back after the charge is in the
ledger: the window in which the kill drill stops the app. `decline_above` declines amounts
over a limit, so a refused card can be tried.

Run it on its own port:

    python -m equinet.payments.demo_gateway --port 8090 [--hold-seconds 0] [--decline-above 5000]

and point PAYMENT_GATEWAY_URL at it. In development `equinet serve` mounts it at
`/_demo/gateway` on the app's own port, so `make run` needs nothing else.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import string
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DEMO_GATEWAY_PATH = "/_demo/gateway"
PROVIDER = "mock"
_BASE36 = string.digits + string.ascii_lowercase


def _payment_id() -> str:
    """`mock_pay_<epoch ms>_<6 base36 chars>`, the original mock's shape."""
    suffix = "".join(secrets.choice(_BASE36) for _ in range(6))
    return f"mock_pay_{int(time.time() * 1000)}_{suffix}"


@dataclass
class Ledger:
    """Every key the gateway has seen, with what it did under it."""

    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def charged(self) -> list[dict[str, Any]]:
        return [c for c in self.charges.values() if c["status"] == "succeeded"]


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def create_app(*, hold_seconds: float = 0.0, decline_above: Decimal | None = None) -> Starlette:
    ledger = Ledger()

    async def charge(request: Request) -> JSONResponse:
        try:
            body = await request.json()
            key = str(body["idempotencyKey"])
            amount = Decimal(str(body["amount"]))
            currency = str(body.get("currency") or "SEK")
        except (ValueError, KeyError, TypeError, InvalidOperation):
            return _error("idempotencyKey, amount and currency are required", 400)
        if not key or amount <= 0:
            return _error("a key and a positive amount are required", 400)
        async with ledger.lock:
            existing = ledger.charges.get(key)
            if existing is not None:
                if existing["status"] != "cancelled" and (
                    Decimal(existing["amount"]) != amount or existing["currency"] != currency
                ):
                    return _error("this key was used for another amount", 409)
                return JSONResponse({**existing, "replayed": True}, status_code=200)
            declined = decline_above is not None and amount > decline_above
            record = {
                "id": _payment_id(),
                "idempotencyKey": key,
                "status": "declined" if declined else "succeeded",
                "amount": str(amount),
                "currency": currency,
                "reference": body.get("reference"),
                "provider": PROVIDER,
                "demo": True,
                "error": "Kortet nekades (demo: beloppet är över gränsen)" if declined else None,
                "createdAt": datetime.now(UTC).isoformat(),
            }
            ledger.charges[key] = record
        if hold_seconds:
            # The charge is in the ledger; the caller hears of it only later (the kill drill).
            await asyncio.sleep(hold_seconds)
        return JSONResponse(record, status_code=201)

    async def find(request: Request) -> JSONResponse:
        record = ledger.charges.get(request.path_params["key"])
        if record is None:
            return _error("no charge under this key", 404)
        return JSONResponse(record)

    async def cancel(request: Request) -> JSONResponse:
        key = request.path_params["key"]
        async with ledger.lock:
            record = ledger.charges.get(key)
            if record is None:
                record = {
                    "id": None,
                    "idempotencyKey": key,
                    "status": "cancelled",
                    "amount": None,
                    "currency": None,
                    "reference": None,
                    "provider": PROVIDER,
                    "demo": True,
                    "error": None,
                    "createdAt": datetime.now(UTC).isoformat(),
                }
                ledger.charges[key] = record
        return JSONResponse(record)

    async def listing(request: Request) -> JSONResponse:
        return JSONResponse({"charges": list(ledger.charges.values())})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "charges": len(ledger.charged())})

    app = Starlette(
        routes=[
            Route("/charges", charge, methods=["POST"]),
            Route("/charges", listing, methods=["GET"]),
            Route("/charges/{key}", find, methods=["GET"]),
            Route("/charges/{key}/cancel", cancel, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
    app.state.ledger = ledger
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Equinet's demo payment gateway (no money moves)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--hold-seconds", type=float, default=0.0, help="delay each answer")
    parser.add_argument(
        "--decline-above", type=Decimal, default=None, help="decline larger amounts"
    )
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(
        create_app(hold_seconds=args.hold_seconds, decline_above=args.decline_above),
        host=args.host,
        port=args.port,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
