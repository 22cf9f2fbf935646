"""The JSON shapes of a booking for each reader, built from one joined row.

Amounts leave here as JSON numbers (`kit.money.json_number`): exact Decimals until this point.
"""

from __future__ import annotations

from typing import Any

from equinet.kit.dates import date_of_booking_column, format_date
from equinet.kit.money import json_number
from equinet.kit.timestamps import iso_utc


def _core(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "customerId": row.customer_id,
        "providerId": row.provider_id,
        "serviceId": row.service_id,
        # A calendar date: "YYYY-MM-DD", the Stockholm date of the visit.
        "bookingDate": format_date(date_of_booking_column(row.booking_date)),
        "startTime": row.start_time,
        "endTime": row.end_time,
        "status": row.status,
        # What the customer pays: the service's price when the booking was made.
        "priceAtBooking": json_number(row.price_at_booking),
        "horseId": row.horse_id,
        "horseName": row.horse_name,
        "horseInfo": row.horse_info,
        "customerNotes": row.customer_notes,
        "cancellationMessage": row.cancellation_message,
        "createdAt": iso_utc(row.created_at),
        "updatedAt": iso_utc(row.updated_at),
    }


def _service(row: Any) -> dict[str, Any]:
    return {
        "name": row.service_name,
        "price": json_number(row.service_price),
        "durationMinutes": row.service_duration_minutes,
    }


def _provider(row: Any) -> dict[str, Any]:
    return {
        "businessName": row.provider_business_name,
        "user": {"firstName": row.provider_first_name, "lastName": row.provider_last_name},
    }


def _horse(row: Any) -> dict[str, Any] | None:
    if row.horse_id is None or row.horse_rel_name is None:
        return None
    return {
        "id": row.horse_id,
        "name": row.horse_rel_name,
        "breed": row.horse_breed,
        "gender": row.horse_gender,
    }


def _payment(row: Any, *, with_url: bool) -> dict[str, Any] | None:
    if row.payment_id is None:
        return None
    payment = {
        "id": row.payment_id,
        "status": row.payment_status,
        "amount": json_number(row.payment_amount),
        "currency": row.payment_currency,
        "paidAt": iso_utc(row.payment_paid_at),
        "invoiceNumber": row.payment_invoice_number,
    }
    if with_url:
        payment["invoiceUrl"] = row.payment_invoice_url
    return payment


def _review(row: Any) -> dict[str, Any] | None:
    if row.review_id is None:
        return None
    return {
        "id": row.review_id,
        "rating": row.review_rating,
        "comment": row.review_comment,
        "reply": row.review_reply,
        "repliedAt": iso_utc(row.review_replied_at),
    }


def for_provider(row: Any) -> dict[str, Any]:
    return {
        **_core(row),
        "isManualBooking": row.is_manual_booking,
        "createdByProviderId": row.created_by_provider_id,
        "customer": {
            "firstName": row.customer_first_name,
            "lastName": row.customer_last_name,
            "email": row.customer_email,
            "phone": row.customer_phone,
        },
        "service": _service(row),
        "horse": _horse(row),
        "payment": _payment(row, with_url=False),
    }


def for_customer(row: Any) -> dict[str, Any]:
    return {
        **_core(row),
        "provider": _provider(row),
        "service": _service(row),
        "horse": _horse(row),
        "payment": _payment(row, with_url=True),
        "review": _review(row),
    }


def created(row: Any) -> dict[str, Any]:
    """POST /api/bookings and /api/bookings/manual: with routeOrderId and travel time."""
    return {
        **_core(row),
        "isManualBooking": row.is_manual_booking,
        "createdByProviderId": row.created_by_provider_id,
        "routeOrderId": row.route_order_id,
        "travelTimeMinutes": row.travel_time_minutes,
        "customer": {
            "firstName": row.customer_first_name,
            "lastName": row.customer_last_name,
            "email": row.customer_email,
            "phone": row.customer_phone,
        },
        "service": _service(row),
        "provider": _provider(row),
        "horse": _horse(row),
    }


def updated(row: Any) -> dict[str, Any]:
    return {
        **_core(row),
        "customer": {
            "firstName": row.customer_first_name,
            "lastName": row.customer_last_name,
            "email": row.customer_email,
        },
        "service": _service(row),
        "provider": _provider(row),
    }
