"""Response bodies of the payment routes (camelCase on the wire, amounts as JSON numbers)."""

from __future__ import annotations

from typing import Literal

from equinet.kit.api_model import ApiModel
from equinet.kit.money import Money
from equinet.kit.timestamps import UtcDateTime

PaymentStatus = Literal["pending", "succeeded", "failed", "refunded"]


class PaymentOut(ApiModel):
    id: str
    amount: Money
    currency: str
    status: PaymentStatus
    paid_at: UtcDateTime | None
    invoice_number: str | None
    provider: str


class PaymentResult(ApiModel):
    """POST /api/bookings/{id}/payment: the payment that was just made."""

    success: bool
    message: str
    # A demo payment moved no money; `notice` says so in words.
    demo: bool
    notice: str | None = None
    payment: PaymentOut


class PaymentStatusOut(ApiModel):
    """GET /api/bookings/{id}/payment: `unpaid` with the amount due, or the payment."""

    status: Literal["unpaid", "pending", "succeeded", "failed", "refunded"]
    amount: Money
    currency: str
    id: str | None = None
    paid_at: UtcDateTime | None = None
    invoice_number: str | None = None
    invoice_url: str | None = None
    provider: str | None = None
    demo: bool | None = None
