"""The Fortnox HTTP client: the OAuth2 authorisation-code flow (Authlib) and the few API calls
the invoice sync makes (customers, invoices), with one token refresh on a 401.

Nothing here touches the database: the caller hands in a `TokenSource` that knows where the
connection's tokens live and how to store refreshed ones.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import httpx

from equinet.settings import Settings

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import AsyncOAuth2Client

logger = logging.getLogger("equinet.accounting.fortnox")

FORTNOX_API_HOST = "api.fortnox.se"
FORTNOX_OAUTH_URL = "https://apps.fortnox.se/oauth-v1"
CALLBACK_PATH = "/api/integrations/fortnox/callback"


class FortnoxUnavailable(Exception):
    """Fortnox did not answer usefully (network, 5xx, 429): the job tries again later."""


class FortnoxUnauthorised(Exception):
    """Fortnox refuses the connection's tokens even after a refresh: the provider must reconnect."""


class FortnoxRejected(Exception):
    """Fortnox refused the request itself (4xx): its message says why."""

    def __init__(self, status: int, message: str) -> None:
        self.status = status
        super().__init__(f"Fortnox answered {status}: {message}")


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_at: datetime
    scope: str | None


def oauth_url(settings: Settings) -> str:
    """The OAuth base (…/oauth-v1): FORTNOX_AUTH_URL, else derived from FORTNOX_BASE_URL."""
    if settings.fortnox_auth_url:
        return settings.fortnox_auth_url.rstrip("/")
    parts = urlsplit(settings.fortnox_base_url)
    if parts.hostname == FORTNOX_API_HOST:
        return FORTNOX_OAUTH_URL
    return f"{parts.scheme}://{parts.netloc}/oauth-v1"


def redirect_uri(settings: Settings) -> str:
    return settings.fortnox_redirect_uri or settings.public_base_url.rstrip("/") + CALLBACK_PATH


def is_configured(settings: Settings) -> bool:
    return bool(settings.fortnox_client_id and settings.fortnox_client_secret)


def _oauth_client(settings: Settings) -> AsyncOAuth2Client:
    # Imported here: Authlib costs every web worker 13 MB, and only the Fortnox flow uses it.
    from authlib.integrations.httpx_client import AsyncOAuth2Client

    return AsyncOAuth2Client(
        client_id=settings.fortnox_client_id,
        client_secret=settings.fortnox_client_secret,
        scope=settings.fortnox_scope,
        redirect_uri=redirect_uri(settings),
        token_endpoint_auth_method="client_secret_basic",
        timeout=settings.fortnox_timeout_seconds,
    )


def authorization_url(settings: Settings, state: str) -> str:
    """Where the provider's browser goes to grant Equinet access (offline: with a refresh token)."""
    client = _oauth_client(settings)
    url, _ = client.create_authorization_url(
        f"{oauth_url(settings)}/auth", state=state, access_type="offline"
    )
    return str(url)


def _issued(token: dict[str, Any], previous_refresh: str | None = None) -> IssuedTokens:
    refresh = token.get("refresh_token") or previous_refresh
    access = token.get("access_token")
    if not access or not refresh:
        raise FortnoxUnauthorised("the token endpoint answered without tokens")
    expires_in = int(token.get("expires_in") or 3600)
    return IssuedTokens(
        access_token=str(access),
        refresh_token=str(refresh),
        expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
        scope=token.get("scope"),
    )


async def exchange_code(settings: Settings, code: str) -> IssuedTokens:
    """The authorisation code for the connection's first tokens."""
    async with _oauth_client(settings) as client:
        token = await _token_call(client.fetch_token(f"{oauth_url(settings)}/token", code=code))
    return _issued(token)


async def refresh_tokens(settings: Settings, refresh_token: str) -> IssuedTokens:
    """New tokens for a refresh token; Fortnox rotates refresh tokens, so store both."""
    async with _oauth_client(settings) as client:
        token = await _token_call(
            client.refresh_token(f"{oauth_url(settings)}/token", refresh_token=refresh_token)
        )
    return _issued(token, previous_refresh=refresh_token)


async def revoke_token(settings: Settings, refresh_token: str) -> None:
    async with _oauth_client(settings) as client:
        try:
            response = await client.revoke_token(
                f"{oauth_url(settings)}/revoke",
                token=refresh_token,
                token_type_hint="refresh_token",
            )
        except httpx.TransportError as error:
            raise FortnoxUnavailable(str(error)) from error
    if response.status_code >= 500:
        raise FortnoxUnavailable(f"revoke answered {response.status_code}")


async def _token_call(call: Any) -> dict[str, Any]:
    from authlib.integrations.base_client import OAuthError

    try:
        token: dict[str, Any] = await call
    except OAuthError as error:
        raise FortnoxUnauthorised(f"{error.error}: {error.description}") from error
    except httpx.HTTPStatusError as error:
        raise FortnoxUnavailable(f"token endpoint answered {error.response.status_code}") from error
    except httpx.TransportError as error:
        raise FortnoxUnavailable(str(error)) from error
    return token


class TokenSource(Protocol):
    """Where a connection's access token comes from, and how a rejected one is replaced."""

    async def access_token(self) -> str: ...

    async def refreshed(self, rejected: str) -> str: ...


def _message_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    info = body.get("ErrorInformation") if isinstance(body, dict) else None
    if isinstance(info, dict):
        return str(info.get("message") or info.get("Message") or info)
    return str(body)[:200]


class FortnoxApi:
    """Fortnox API v3 calls on behalf of one connection."""

    def __init__(self, settings: Settings, tokens: TokenSource, http: httpx.AsyncClient) -> None:
        self._base = settings.fortnox_base_url.rstrip("/")
        self._tokens = tokens
        self._http = http

    async def _send(self, method: str, path: str, token: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            return await self._http.request(method, self._base + path, headers=headers, **kwargs)
        except httpx.TransportError as error:
            raise FortnoxUnavailable(f"{method} {path}: {error!r}") from error

    async def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        token = await self._tokens.access_token()
        response = await self._send(method, path, token, **kwargs)
        if response.status_code == 401:
            # Expired or revoked early: one refresh, one more try.
            token = await self._tokens.refreshed(token)
            response = await self._send(method, path, token, **kwargs)
            if response.status_code == 401:
                raise FortnoxUnauthorised(f"{method} {path} refused a fresh token")
        if response.status_code == 429 or response.status_code >= 500:
            raise FortnoxUnavailable(f"{method} {path} answered {response.status_code}")
        return response

    def _checked(self, response: httpx.Response) -> dict[str, Any]:
        if response.status_code >= 400:
            raise FortnoxRejected(response.status_code, _message_of(response))
        body: dict[str, Any] = response.json()
        return body

    async def customer(self, customer_number: str) -> dict[str, Any] | None:
        response = await self._call("GET", f"/customers/{customer_number}")
        if response.status_code == 404:
            return None
        found: dict[str, Any] = self._checked(response)["Customer"]
        return found

    async def create_customer(self, customer: dict[str, Any]) -> dict[str, Any]:
        response = await self._call("POST", "/customers", json={"Customer": customer})
        created: dict[str, Any] = self._checked(response)["Customer"]
        return created

    async def invoice_with_reference(self, reference: str) -> dict[str, Any] | None:
        """The invoice whose ExternalInvoiceReference1 is exactly `reference`, if any."""
        # Fortnox searches by substring: keep only the exact match.
        response = await self._call(
            "GET", "/invoices", params={"externalinvoicereference1": reference}
        )
        for invoice in self._checked(response).get("Invoices", []):
            if invoice.get("ExternalInvoiceReference1") == reference:
                found: dict[str, Any] = invoice
                return found
        return None

    async def create_invoice(self, invoice: dict[str, Any]) -> dict[str, Any]:
        response = await self._call("POST", "/invoices", json={"Invoice": invoice})
        created: dict[str, Any] = self._checked(response)["Invoice"]
        return created


def invoice_status(invoice: dict[str, Any]) -> str:
    """Our `fortnoxStatus` for a Fortnox invoice."""
    if invoice.get("Cancelled"):
        return "cancelled"
    if invoice.get("Booked"):
        return "booked"
    if invoice.get("Sent"):
        return "sent"
    return "draft"
