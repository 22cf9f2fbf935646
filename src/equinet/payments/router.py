"""Payment and receipt routes of a booking (spec §2.7)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from equinet.accounts.dependencies import CurrentUser
from equinet.db.session import DbSession
from equinet.kit.errors import errors
from equinet.payments import receipt, service
from equinet.payments.gateway import default_gateway
from equinet.payments.service import (
    AlreadyPaid,
    BookingNotFound,
    NoPayment,
    NotPayable,
    PaymentFailed,
)

router = APIRouter(prefix="/api/bookings", tags=["payments"])


@router.post(
    "/{booking_id}/payment",
    responses=errors(BookingNotFound, AlreadyPaid, NotPayable, PaymentFailed),
)
async def pay_booking(
    request: Request, db: DbSession, user: CurrentUser, booking_id: str
) -> dict[str, Any]:
    # Only the booking's customer may pay; anyone else (a provider too) gets 404 (spec §4.4).
    gateway = getattr(request.app.state, "payment_gateway", None) or default_gateway()
    return await service.pay(db, request.app.state.settings, gateway, user.id, booking_id)


@router.get("/{booking_id}/payment", responses=errors(BookingNotFound, NoPayment))
async def get_payment(db: DbSession, user: CurrentUser, booking_id: str) -> dict[str, Any]:
    return await service.payment_status(db, user.id, booking_id)


@router.get(
    "/{booking_id}/receipt",
    response_class=HTMLResponse,
    responses={
        **errors(BookingNotFound, NoPayment),
        200: {"content": {"text/html": {}, "application/pdf": {}}},
    },
)
async def get_receipt(
    db: DbSession, user: CurrentUser, booking_id: str, format: Literal["html", "pdf"] = "html"
) -> Response:
    built = receipt.build(await service.paid_booking(db, user.id, booking_id))
    if format == "pdf":
        filename = f"kvitto-{built.invoice_number or booking_id}.pdf"
        return Response(
            receipt.to_pdf(built),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
    return HTMLResponse(receipt.to_html(built))
