"""The payment gateway seam (spec §3.17). Only the demo gateway exists: it succeeds at once.

It is labelled as a demo everywhere it shows (API response, receipt) so nobody mistakes a
demo payment for money received.
"""

from __future__ import annotations

import secrets
import string
import time
from dataclasses import dataclass
from typing import Protocol

_BASE36 = string.digits + string.ascii_lowercase


@dataclass(frozen=True)
class GatewayResult:
    succeeded: bool
    provider: str
    provider_payment_id: str
    error: str | None = None


class PaymentGateway(Protocol):
    name: str
    is_demo: bool

    async def initiate_payment(
        self, *, booking_id: str, amount: float, currency: str
    ) -> GatewayResult: ...


class MockPaymentGateway:
    """`mock_pay_<epoch ms>_<6 base36 chars>`, always succeeded (the original's mock)."""

    name = "mock"
    is_demo = True

    async def initiate_payment(
        self, *, booking_id: str, amount: float, currency: str
    ) -> GatewayResult:
        suffix = "".join(secrets.choice(_BASE36) for _ in range(6))
        return GatewayResult(
            succeeded=True,
            provider=self.name,
            provider_payment_id=f"mock_pay_{int(time.time() * 1000)}_{suffix}",
        )


def default_gateway() -> PaymentGateway:
    return MockPaymentGateway()
