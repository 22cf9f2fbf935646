"""In development the demo gateway needs no setup: the app mounts it on its own port and the
payments point there unless PAYMENT_GATEWAY_URL says otherwise; elsewhere it is never mounted."""

from __future__ import annotations

import httpx
from starlette.routing import Mount

from equinet.app import create_app
from equinet.settings import Environment
from tests.conftest import make_settings


def _mounts(environment: Environment) -> list[str]:
    app = create_app(make_settings(equinet_env=environment))
    return [route.path for route in app.routes if isinstance(route, Mount)]


def test_development_mounts_the_demo_gateway_and_test_does_not() -> None:
    assert "/_demo/gateway" in _mounts(Environment.development)
    assert "/_demo/gateway" not in _mounts(Environment.test)


def test_the_gateway_url_follows_the_app_in_development_only() -> None:
    development = make_settings(equinet_env=Environment.development, host="0.0.0.0", port=8101)
    assert development.payment_gateway_base_url == "http://127.0.0.1:8101/_demo/gateway"
    chosen = development.model_copy(update={"payment_gateway_url": "http://pay.example:9000"})
    assert chosen.payment_gateway_base_url == "http://pay.example:9000"
    assert make_settings(equinet_env=Environment.test).payment_gateway_base_url is None


async def test_the_mounted_gateway_keeps_a_ledger_by_key() -> None:
    app = create_app(make_settings(equinet_env=Environment.development))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t/_demo/gateway") as c:
        body = {"idempotencyKey": "k1", "amount": "12345.67", "currency": "SEK"}
        first = await c.post("/charges", json=body)
        again = await c.post("/charges", json=body)
        other_amount = await c.post("/charges", json={**body, "amount": "1.00"})
        ledger = (await c.get("/charges")).json()["charges"]
    assert first.status_code == 201 and first.json()["amount"] == "12345.67"
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert other_amount.status_code == 409
    assert [charge["idempotencyKey"] for charge in ledger] == ["k1"]
