"""The JSON shapes of a booking for each reader, built from one joined row.

Amounts leave here as JSON numbers (`kit.money.json_number`): exact Decimals until this point.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def _positions() -> dict[str, int]:
    from equinet.bookings.repository import _BOOKING_COLUMNS

    columns: tuple[Any, ...] = _BOOKING_COLUMNS
    return {column.name: index for index, column in enumerate(columns)}


_AT = _positions()


def _list(rows: Sequence[Any], *, provider: bool) -> list[dict[str, Any]]:
    """`for_provider` / `for_customer` of every list row in one pass: positional reads of
    the tuples and the helpers inlined, since a list is up to a hundred rows per request."""
    at = _AT
    i_id, i_customer_id, i_provider_id, i_service_id = (
        at["id"], at["customer_id"], at["provider_id"], at["service_id"],
    )  # fmt: skip
    i_day, i_start, i_end, i_status = (
        at["booking_date"], at["start_time"], at["end_time"], at["status"],
    )  # fmt: skip
    i_price, i_horse_id, i_horse_name, i_horse_info = (
        at["price_at_booking"], at["horse_id"], at["horse_name"], at["horse_info"],
    )  # fmt: skip
    i_notes, i_cancel, i_created, i_updated = (
        at["customer_notes"], at["cancellation_message"], at["created_at"], at["updated_at"],
    )  # fmt: skip
    i_service_name, i_service_price, i_service_minutes = (
        at["service_name"], at["service_price"], at["service_duration_minutes"],
    )  # fmt: skip
    i_horse_rel, i_breed, i_gender = at["horse_rel_name"], at["horse_breed"], at["horse_gender"]
    i_payment = at["payment_id"]
    out = []
    for row in rows:
        horse_id = row[i_horse_id]
        horse_rel = row[i_horse_rel]
        item: dict[str, Any] = {
            "id": row[i_id],
            "customerId": row[i_customer_id],
            "providerId": row[i_provider_id],
            "serviceId": row[i_service_id],
            "bookingDate": format_date(date_of_booking_column(row[i_day])),
            "startTime": row[i_start],
            "endTime": row[i_end],
            "status": row[i_status],
            "priceAtBooking": json_number(row[i_price]),
            "horseId": horse_id,
            "horseName": row[i_horse_name],
            "horseInfo": row[i_horse_info],
            "customerNotes": row[i_notes],
            "cancellationMessage": row[i_cancel],
            "createdAt": iso_utc(row[i_created]),
            "updatedAt": iso_utc(row[i_updated]),
        }
        service = {
            "name": row[i_service_name],
            "price": json_number(row[i_service_price]),
            "durationMinutes": row[i_service_minutes],
        }
        horse = (
            None
            if horse_id is None or horse_rel is None
            else {"id": horse_id, "name": horse_rel, "breed": row[i_breed], "gender": row[i_gender]}
        )
        if provider:
            item["isManualBooking"] = row[at["is_manual_booking"]]
            item["createdByProviderId"] = row[at["created_by_provider_id"]]
            item["customer"] = {
                "firstName": row[at["customer_first_name"]],
                "lastName": row[at["customer_last_name"]],
                "email": row[at["customer_email"]],
                "phone": row[at["customer_phone"]],
            }
            item["service"] = service
            item["horse"] = horse
            item["payment"] = _payment(row, with_url=False) if row[i_payment] is not None else None
        else:
            item["provider"] = {
                "businessName": row[at["provider_business_name"]],
                "user": {
                    "firstName": row[at["provider_first_name"]],
                    "lastName": row[at["provider_last_name"]],
                },
            }
            item["service"] = service
            item["horse"] = horse
            item["payment"] = _payment(row, with_url=True) if row[i_payment] is not None else None
            item["review"] = _review(row) if row[at["review_id"]] is not None else None
        out.append(item)
    return out


def provider_list(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return _list(rows, provider=True)


def customer_list(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return _list(rows, provider=False)
