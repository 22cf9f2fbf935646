"""Payment and receipt routes of a booking."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from equinet.accounts.dependencies import CurrentUser
from equinet.db.session import DbSession
from equinet.kit.errors import errors
from equinet.payments import receipt, service
from equinet.payments.gateway import gateway_for
from equinet.payments.schemas import PaymentResult, PaymentStatusOut
from equinet.payments.service import (
    AlreadyPaid,
    BookingNotFound,
    NoPayment,
    NotPayable,
    PaymentFailed,
    PaymentPending,
    PaymentsUnavailable,
)

router = APIRouter(prefix="/api/bookings", tags=["payments"])


@router.post(
    "/{booking_id}/payment",
    response_model=PaymentResult,
    response_model_exclude_none=True,
    responses=errors(
        BookingNotFound, AlreadyPaid, NotPayable, PaymentFailed, PaymentPending, PaymentsUnavailable
    ),
)
async def pay_booking(
    request: Request, db: DbSession, user: CurrentUser, booking_id: str
) -> PaymentResult:
    # Only the booking's customer may pay; anyone else (a provider too) gets 404.
    settings = request.app.state.settings
    return await service.pay(db, settings, gateway_for(settings), user.id, booking_id)


@router.get(
    "/{booking_id}/payment",
    response_model=PaymentStatusOut,
    response_model_exclude_none=True,
    responses=errors(BookingNotFound, NoPayment),
)
async def get_payment(db: DbSession, user: CurrentUser, booking_id: str) -> PaymentStatusOut:
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
    request: Request,
    db: DbSession,
    user: CurrentUser,
    booking_id: str,
    format: Literal["html", "pdf"] = "html",
) -> Response:
    paid = await service.paid_booking(db, user.id, booking_id)
    built = receipt.build(paid, request.app.state.settings.vat_rate)
    if format == "pdf":
        filename = f"kvitto-{built.invoice_number or booking_id}.pdf"
        return Response(
            receipt.to_pdf(built),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{filename}"'},
        )
    return HTMLResponse(receipt.to_html(built))
