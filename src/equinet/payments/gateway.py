"""The payment gateway as Equinet sees it: an HTTP API that charges under an idempotency key.

A charge is sent with a key that Equinet chose and stored (as a pending payment) before the
call; the gateway keeps a ledger by key, so sending the same key twice replays the first
charge instead of charging again. `cancel` asks for the charge under a key and, if none was
made, makes sure none will be: what the reconciliation uses for a payment left pending.

Only the demo gateway (`equinet.payments.demo_gateway`) speaks this API today; it is labelled
as a demo everywhere it shows (API response, receipt) so nobody mistakes it for money.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from equinet.settings import Settings

SUCCEEDED = "succeeded"
DECLINED = "declined"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class Charge:
    """The gateway's record of the charge under one idempotency key."""

    key: str
    status: str  # succeeded | declined | cancelled (never charged)
    provider: str
    provider_payment_id: str | None
    amount: Decimal | None
    currency: str | None
    demo: bool
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Charge:
        amount = body.get("amount")
        return cls(
            key=str(body["idempotencyKey"]),
            status=str(body["status"]),
            provider=str(body.get("provider") or "unknown"),
            provider_payment_id=body.get("id"),
            amount=Decimal(str(amount)) if amount is not None else None,
            currency=body.get("currency"),
            demo=bool(body.get("demo", False)),
            error=body.get("error"),
        )


class GatewayUnavailable(Exception):
    """The gateway could not be asked, or did not answer: the outcome of a charge is unknown."""


class PaymentGateway:
    """The HTTP client of the gateway API (one short-lived connection pool per call)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout_seconds: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = httpx.Timeout(timeout_seconds)
        self.transport = transport

    async def _call(self, method: str, path: str, json: Any = None) -> httpx.Response:
        try:
            async with httpx.AsyncClient(
                base_url=self.base_url, timeout=self.timeout, transport=self.transport
            ) as client:
                response = await client.request(method, path, json=json)
        except httpx.HTTPError as error:
            raise GatewayUnavailable(f"{method} {path}: {error!r}") from error
        if response.status_code >= 500:
            raise GatewayUnavailable(f"{method} {path}: HTTP {response.status_code}")
        return response

    async def charge(self, *, key: str, amount: Decimal, currency: str, reference: str) -> Charge:
        """Charge `amount` under `key`; the same key again returns the same charge."""
        response = await self._call(
            "POST",
            "/charges",
            {
                "idempotencyKey": key,
                # Exact: the amount travels as a decimal string, never as a float.
                "amount": str(amount),
                "currency": currency,
                "reference": reference,
            },
        )
        if response.status_code not in (200, 201):
            raise GatewayUnavailable(f"charge {key}: HTTP {response.status_code} {response.text}")
        return Charge.from_json(response.json())

    async def find(self, key: str) -> Charge | None:
        response = await self._call("GET", f"/charges/{key}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise GatewayUnavailable(f"find {key}: HTTP {response.status_code}")
        return Charge.from_json(response.json())

    async def cancel(self, key: str) -> Charge:
        """The charge under `key` if one was made; otherwise the key is closed (`cancelled`)
        so that a charge still on its way under it is refused, not made."""
        response = await self._call("POST", f"/charges/{key}/cancel")
        if response.status_code != 200:
            raise GatewayUnavailable(f"cancel {key}: HTTP {response.status_code}")
        return Charge.from_json(response.json())


def gateway_for(settings: Settings) -> PaymentGateway | None:
    """The configured gateway, or None when no URL is known (payments then answer 503)."""
    base_url = settings.payment_gateway_base_url
    if not base_url:
        return None
    return PaymentGateway(base_url, timeout_seconds=settings.payment_gateway_timeout_seconds)
