"""/docs shows what the booking and payment routes answer: typed schemas, amounts as numbers."""

from __future__ import annotations

from typing import Any

import httpx

ROUTES = {
    ("get", "/api/bookings"): "200",
    ("post", "/api/bookings"): "201",
    ("post", "/api/bookings/manual"): "201",
    ("put", "/api/bookings/{booking_id}"): "200",
    ("delete", "/api/bookings/{booking_id}"): "200",
    ("post", "/api/bookings/{booking_id}/payment"): "200",
    ("get", "/api/bookings/{booking_id}/payment"): "200",
    ("get", "/api/customers/search"): "200",
    ("get", "/api/customers/{customer_id}/horses"): "200",
}


def _refs(schema: dict[str, Any]) -> list[str]:
    """Every component a response schema names (through arrays and unions)."""
    if "$ref" in schema:
        return [schema["$ref"].rsplit("/", 1)[1]]
    found: list[str] = []
    for key in ("items",):
        if key in schema:
            found += _refs(schema[key])
    for key in ("anyOf", "oneOf"):
        for part in schema.get(key, []):
            found += _refs(part)
    return found


async def test_booking_and_payment_responses_have_named_schemas(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    components = spec["components"]["schemas"]
    for (method, path), status in ROUTES.items():
        response = spec["paths"][path][method]["responses"][status]
        schema = response["content"]["application/json"]["schema"]
        names = _refs(schema)
        assert names, (method, path, schema)
        for name in names:
            assert components[name]["properties"], name


async def test_amounts_are_numbers_in_the_schemas(client: httpx.AsyncClient) -> None:
    components = (await client.get("/openapi.json")).json()["components"]["schemas"]
    assert components["PaymentOut"]["properties"]["amount"]["type"] == "number"
    assert components["BookingServiceOut"]["properties"]["price"]["type"] == "number"
    created = components["CreatedBookingOut"]["properties"]
    assert created["priceAtBooking"]["type"] == "number"
    assert set(created) >= {"id", "startTime", "endTime", "status", "service", "provider"}
