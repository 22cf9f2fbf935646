"""A local stand-in for the few Fortnox endpoints Equinet uses, speaking real HTTP.

OAuth2 (`/oauth-v1/auth`, `/token`, `/revoke`: authorisation codes, single-use rotating refresh
tokens, client authentication by HTTP Basic) and API v3 (`/3/customers`, `/3/invoices`,
bearer tokens, Fortnox's `ErrorInformation` error bodies, substring search on invoices).
Tests can make access tokens expire after a number of calls and make the next calls fail with
a status of their choice. Served by uvicorn on a free port in a thread of the test process.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlencode

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CENT = Decimal("0.01")


@dataclass
class AccessToken:
    value: str
    expires_at: float
    calls_left: int | None = None


@dataclass
class FortnoxState:
    client_id: str
    client_secret: str
    codes: dict[str, str] = field(default_factory=dict)  # code -> redirect_uri
    access: dict[str, AccessToken] = field(default_factory=dict)
    refresh: dict[str, bool] = field(default_factory=dict)  # token -> still usable
    revoked: list[str] = field(default_factory=list)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    token_grants: list[str] = field(default_factory=list)
    # (method, path prefix, status): the next matching API calls answer that status.
    failures: list[tuple[str, str, int]] = field(default_factory=list)
    calls_per_token: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


def _error(status: int, message: str, code: int = 2000000) -> JSONResponse:
    body = {"ErrorInformation": {"error": 1, "message": message, "code": code}}
    return JSONResponse(body, status_code=status)


class FortnoxStandIn:
    def __init__(self, client_id: str = "equinet-test", client_secret: str = "s3cret") -> None:
        self.state = FortnoxState(client_id=client_id, client_secret=client_secret)
        app = Starlette(
            routes=[
                Route("/oauth-v1/auth", self._authorise, methods=["GET"]),
                Route("/oauth-v1/token", self._token, methods=["POST"]),
                Route("/oauth-v1/revoke", self._revoke, methods=["POST"]),
                Route("/3/customers/{number}", self._customer, methods=["GET"]),
                Route("/3/customers", self._create_customer, methods=["POST"]),
                Route("/3/invoices", self._invoices, methods=["GET", "POST"]),
            ]
        )
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    # --- lifecycle and test controls ---------------------------------------------------

    def __enter__(self) -> FortnoxStandIn:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the Fortnox stand-in did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def reset(self) -> None:
        with self.state.lock:
            fresh = FortnoxState(self.state.client_id, self.state.client_secret)
            for name in fresh.__dataclass_fields__:
                if name != "lock":
                    setattr(self.state, name, getattr(fresh, name))

    def fail_next(self, method: str, path: str, status: int, times: int = 1) -> None:
        with self.state.lock:
            self.state.failures.extend([(method, path, status)] * times)

    def expire_tokens_after(self, calls: int) -> None:
        """Every access token issued so far stops working after `calls` more API calls."""
        with self.state.lock:
            for token in self.state.access.values():
                token.calls_left = calls

    def issue_tokens(self) -> dict[str, Any]:
        """Tokens as if a provider had just connected (for tests that skip the browser)."""
        with self.state.lock:
            return self._new_tokens()

    def invoices_with_reference(self, reference: str) -> list[dict[str, Any]]:
        return [i for i in self.state.invoices if i["ExternalInvoiceReference1"] == reference]

    def api_calls(self) -> list[tuple[str, str, int]]:
        return [r for r in self.state.requests if r[1].startswith("/3/")]

    # --- OAuth2 ----------------------------------------------------------------------

    def _new_tokens(self) -> dict[str, Any]:
        access = secrets.token_urlsafe(24)
        refresh = secrets.token_urlsafe(24)
        self.state.access[access] = AccessToken(access, time.time() + 3600)
        self.state.refresh[refresh] = True
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": 3600,
            "token_type": "bearer",
            "scope": "customer invoice",
        }

    def _client_ok(self, request: Request) -> bool:
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        decoded = base64.b64decode(credentials).decode()
        return decoded == f"{self.state.client_id}:{self.state.client_secret}"

    async def _authorise(self, request: Request) -> Response:
        query = request.query_params
        if query.get("client_id") != self.state.client_id or query.get("response_type") != "code":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        with self.state.lock:
            self.state.codes[code] = query["redirect_uri"]
        target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query['state']})}"
        return RedirectResponse(target, status_code=302)

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        grant = str(form.get("grant_type"))
        with self.state.lock:
            self.state.token_grants.append(grant)
            failure = self._failure("POST", "/oauth-v1/token")
            if failure:
                return JSONResponse({"message": "unavailable"}, status_code=failure)
            if not self._client_ok(request):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            if grant == "authorization_code":
                redirect = self.state.codes.pop(str(form.get("code")), None)
                if redirect is None or redirect != form.get("redirect_uri"):
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                return JSONResponse(self._new_tokens())
            if grant == "refresh_token":
                token = str(form.get("refresh_token"))
                if not self.state.refresh.get(token):
                    return JSONResponse({"error": "invalid_grant"}, status_code=400)
                self.state.refresh[token] = False  # single use: rotated
                return JSONResponse(self._new_tokens())
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)

    async def _revoke(self, request: Request) -> Response:
        form = await request.form()
        token = str(form.get("token"))
        with self.state.lock:
            if not self._client_ok(request):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            self.state.refresh[token] = False
            self.state.revoked.append(token)
        return Response(status_code=200)

    # --- API v3 ----------------------------------------------------------------------

    def _failure(self, method: str, path: str) -> int | None:
        for index, (m, prefix, status) in enumerate(self.state.failures):
            if m == method and path.startswith(prefix):
                del self.state.failures[index]
                return status
        return None

    def _guard(self, request: Request) -> Response | None:
        """401 without a live bearer token; an injected failure; else None (go ahead)."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        token = self.state.access.get(value) if scheme.lower() == "bearer" else None
        path = request.url.path
        if token is None or token.expires_at < time.time() or token.calls_left == 0:
            self.state.requests.append((request.method, path, 401))
            return _error(401, "Unauthorized request", 2000311)
        if token.calls_left is not None:
            token.calls_left -= 1
        failure = self._failure(request.method, path)
        if failure:
            self.state.requests.append((request.method, path, failure))
            return _error(failure, "Internal server error")
        return None

    def _log(self, request: Request, response: Response) -> Response:
        self.state.requests.append((request.method, request.url.path, response.status_code))
        return response

    async def _customer(self, request: Request) -> Response:
        with self.state.lock:
            refused = self._guard(request)
            if refused:
                return refused
            found = self.state.customers.get(request.path_params["number"])
            if found is None:
                return self._log(request, _error(404, "Kan inte hitta kunden", 2000433))
            return self._log(request, JSONResponse({"Customer": found}))

    async def _create_customer(self, request: Request) -> Response:
        body = (await request.json()).get("Customer", {})
        with self.state.lock:
            refused = self._guard(request)
            if refused:
                return refused
            number = str(body.get("CustomerNumber") or len(self.state.customers) + 1)
            if not body.get("Name"):
                return self._log(request, _error(400, "Namn måste anges", 2000580))
            if number in self.state.customers:
                return self._log(request, _error(400, "Kundnummer används redan", 2000637))
            customer = {**body, "CustomerNumber": number}
            self.state.customers[number] = customer
            return self._log(request, JSONResponse({"Customer": customer}, status_code=201))

    async def _invoices(self, request: Request) -> Response:
        body = await request.json() if request.method == "POST" else None
        with self.state.lock:
            refused = self._guard(request)
            if refused:
                return refused
            if body is None:
                needle = request.query_params.get("externalinvoicereference1", "").lower()
                found = [
                    i for i in self.state.invoices
                    if needle in i["ExternalInvoiceReference1"].lower()
                ]  # fmt: skip
                meta = {"@TotalResources": len(found), "@TotalPages": 1, "@CurrentPage": 1}
                return self._log(
                    request, JSONResponse({"Invoices": found, "MetaInformation": meta})
                )
            return self._log(request, self._create_invoice(body.get("Invoice", {})))

    def _create_invoice(self, invoice: dict[str, Any]) -> Response:
        if invoice.get("CustomerNumber") not in self.state.customers:
            return _error(400, "Kunden finns inte", 2000433)
        rows = invoice.get("InvoiceRows") or []
        if not rows:
            return _error(400, "Fakturan saknar rader", 2000000)
        total = Decimal(0)
        vat = Decimal(0)
        for row in rows:
            amount = Decimal(str(row["Price"])) * Decimal(str(row.get("DeliveredQuantity", 1)))
            rate = Decimal(str(row.get("VAT", 25)))
            if invoice.get("VATIncluded"):
                row_vat = amount * rate / (100 + rate)
            else:
                row_vat = amount * rate / 100
                amount += row_vat
            total += amount
            vat += row_vat
        stored = {
            **invoice,
            "DocumentNumber": str(len(self.state.invoices) + 1),
            "ExternalInvoiceReference1": invoice.get("ExternalInvoiceReference1", ""),
            "Total": float(total.quantize(CENT, ROUND_HALF_UP)),
            "TotalVAT": float(vat.quantize(CENT, ROUND_HALF_UP)),
            "Booked": False,
            "Cancelled": False,
            "Sent": False,
        }
        self.state.invoices.append(stored)
        return JSONResponse({"Invoice": stored}, status_code=201)


@contextmanager
def running_standin() -> Iterator[FortnoxStandIn]:
    with FortnoxStandIn() as standin:
        yield standin
