"""CSRF defence for cookie sessions: unsafe requests must come from our own origin.

A browser attaches the session cookie to any request to our host, including a form posted by
another site; `SameSite=Lax` already stops most of that, and this check stops the rest: a
POST/PUT/PATCH/DELETE that is authenticated by the cookie must carry an `Origin` (or, when a
browser omits it, a `Referer`) naming one of our origins, else 403 `CsrfRejected`. Requests
with `Authorization: Bearer` are exempt: a foreign page cannot make a browser add that header.
Our origins are PUBLIC_BASE_URL's, the request's own scheme and host, and ALLOWED_ORIGINS.

Logging in needs no cookie yet, but a foreign page must not log a browser into an account
(login CSRF): a login request that names a foreign `Origin` or `Referer` is refused too, while
one naming none (an API client, curl) is let through.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from equinet.kit.errors import error_body
from equinet.kit.rate_limit import mark_route
from equinet.settings import Settings

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_MESSAGE = "Förfrågan kom inte från Equinets egen webbplats och avvisades"
CSRF_CODE = "CSRF_REJECTED"
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# Routes that start a session: checked for a foreign origin even without a cookie.
LOGIN_PATHS = frozenset({"/api/auth/login", "/api/auth/login/totp", "/login", "/login/code"})


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` in lower case, without the default port; None if not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}:{port}"
    return f"{scheme}://{host}"


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.cookie_name = settings.session_cookie_name
        configured = [settings.public_base_url, *settings.allowed_origins]
        self.allowed = frozenset(o for o in map(origin_of, configured) if o)

    def _own_origin(self, scope: Scope, headers: Headers) -> str | None:
        host = headers.get("host")
        return origin_of(f"{scope.get('scheme', 'http')}://{host}") if host else None

    def _from_us(self, scope: Scope, headers: Headers, claimed: str) -> bool:
        origin = origin_of(claimed)
        return origin is not None and (
            origin in self.allowed or origin == self._own_origin(scope, headers)
        )

    def accepts(self, scope: Scope) -> bool:
        if scope["method"] not in UNSAFE_METHODS:
            return True
        headers = Headers(scope=scope)
        if scope["path"] in LOGIN_PATHS:
            claimed = headers.get("origin") or headers.get("referer")
            if claimed and claimed != "null" and not self._from_us(scope, headers, claimed):
                return False
            if claimed == "null":  # a sandboxed or opaque foreign page
                return False
        scheme, _, credentials = headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return True
        if self.cookie_name not in cookie_parser(headers.get("cookie", "")):
            return True  # not cookie-authenticated: there is no session to ride on
        claimed = headers.get("origin") or headers.get("referer")
        if not claimed:
            return False
        return self._from_us(scope, headers, claimed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.accepts(scope):
            await self.app(scope, receive, send)
            return
        mark_route(scope["app"], scope)
        response = JSONResponse(error_body(CSRF_MESSAGE, CSRF_CODE), status_code=403)
        await response(scope, receive, send)
