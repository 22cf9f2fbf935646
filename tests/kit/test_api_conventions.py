"""One API convention: error bodies and codes, Swedish messages, query strings, OpenAPI."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.kit.i18n import _catalogue
from equinet.kit.validation import MESSAGES
from equinet.ops.api_docs import error_classes, error_codes
from tests import factories

CODE_STYLE = re.compile(r"^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")


def test_every_error_code_is_screaming_snake_case() -> None:
    wrong = sorted(code for code in error_codes() if not CODE_STYLE.match(code))
    assert not wrong, f"codes not in SCREAMING_SNAKE_CASE: {wrong}"
    # The original's clients compare against these.
    assert {"EMAIL_NOT_VERIFIED", "INACTIVE_SERVICE", "OVERLAP"} <= set(error_codes())


def test_each_not_found_code_has_one_class_and_one_message() -> None:
    # Copies per domain drift apart in wording; every domain raises the one class.
    owners: dict[str, list[str]] = {}
    for kind in error_classes():
        if kind.code.endswith("_NOT_FOUND") and kind.__dict__.get("code") == kind.code:
            owners.setdefault(kind.code, []).append(f"{kind.__module__}.{kind.__qualname__}")
    assert {code: names for code, names in owners.items() if len(names) > 1} == {}


def test_every_error_message_has_an_english_entry() -> None:
    english = _catalogue("en")
    missing = sorted(
        {kind.message for kind in error_classes() if kind.__module__.startswith("equinet.")}
        - set(english)
    )
    assert not missing, f"add English entries to messages.po for: {missing}"


def test_every_validation_message_has_an_english_entry() -> None:
    english = _catalogue("en")
    assert not sorted(set(MESSAGES.values()) - set(english))


async def test_a_missing_field_is_explained_in_swedish_without_pydantic_words(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/auth/login", json={"email": "a@b.se"})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "VALIDATION_ERROR" and body["error"] == "Valideringsfel"
    assert body["details"] == [
        {"field": "password", "message": "Fältet är obligatoriskt", "type": "missing"}
    ]
    english = await client.post(
        "/api/auth/login", json={"email": "a@b.se"}, headers={"Accept-Language": "en"}
    )
    assert english.json()["error"] == "Validation error"
    assert english.json()["details"][0]["message"] == "Field required"


async def test_a_validators_own_message_loses_pydantics_value_error_prefix(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    response = await client.post(
        "/api/auth/register",
        json={"email": "inte-en-adress", "password": "x" * 12, "firstName": "A",
              "lastName": "B", "userType": "customer"},
    )  # fmt: skip
    assert response.status_code == 422
    messages = [detail["message"] for detail in response.json()["details"]]
    assert messages and not any("Value error" in m or "Field required" in m for m in messages)
    assert "Ogiltig e-postadress" in messages


async def test_a_domain_error_speaks_english_on_request(client: httpx.AsyncClient) -> None:
    swedish = await client.get("/api/providers/no-such-provider")
    english = await client.get("/api/providers/no-such-provider", headers={"Accept-Language": "en"})
    assert swedish.json() == {"error": "Leverantören hittades inte", "code": "PROVIDER_NOT_FOUND"}
    assert english.json() == {"error": "Provider not found", "code": "PROVIDER_NOT_FOUND"}


async def test_unknown_query_parameters_are_a_422_naming_them(
    client: httpx.AsyncClient, db_session: AsyncSession
) -> None:
    provider = await factories.provider(db_session, city="Frågeby")
    misspelt = await client.get("/api/providers", params={"cty": "Frågeby"})
    assert misspelt.status_code == 422
    assert misspelt.json()["code"] == "VALIDATION_ERROR"
    assert misspelt.json()["details"] == [
        {"field": "cty", "message": "Okänd parameter", "type": "unknown_query_parameter"}
    ]
    # Declared parameters, the language switch and a dependency's parameters still pass.
    fine = await client.get("/api/providers", params={"city": "Frågeby", "lang": "en", "limit": 5})
    assert fine.status_code == 200, fine.text
    reviews = await client.get(f"/api/providers/{provider.id}/reviews", params={"page": 1})
    assert reviews.status_code == 200


async def test_malformed_query_values_are_a_422(client: httpx.AsyncClient) -> None:
    for url in (
        "/api/providers?limit=abc",
        "/api/providers?latitude=59.3",
        "/api/providers?offset=2147483648",
        "/api/providers/visiting-area?location=Uppsala&page=2147483647",
    ):
        response = await client.get(url)
        assert response.status_code == 422, (url, response.text)
        assert set(response.json()) >= {"error", "code"}


async def test_openapi_declares_the_error_schema_and_both_security_schemes(
    client: httpx.AsyncClient,
) -> None:
    schema = (await client.get("/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": schemes["bearerAuth"]["description"]
    }  # fmt: skip
    assert schemes["cookieAuth"]["type"] == "apiKey" and schemes["cookieAuth"]["in"] == "cookie"
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    error_ref = {"$ref": "#/components/schemas/ErrorBody"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
            assert "422" in errors, (method, path)
            for status, response in errors.items():
                assert response["content"]["application/json"]["schema"] == error_ref, (
                    method, path, status
                )  # fmt: skip
    bookings = schema["paths"]["/api/bookings"]["get"]
    assert bookings["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert "401" in bookings["responses"] and "429" in bookings["responses"]
    assert "security" not in schema["paths"]["/api/providers"]["get"]
    detail = schema["paths"]["/api/providers/{provider_id}"]["get"]["responses"]["404"]
    assert "PROVIDER_NOT_FOUND" in detail["description"]
