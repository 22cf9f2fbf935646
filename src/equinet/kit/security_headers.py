"""The security headers on every response, as a pure ASGI middleware.

HSTS and `upgrade-insecure-requests` only in production (they would lock a developer's
http://127.0.0.1 out); `'unsafe-eval'` only in development. /docs and /redoc load Swagger UI and
ReDoc from our own origin (fastapi-offline), so they need nothing beyond 'self'.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from equinet.settings import Environment, Settings


def content_security_policy(settings: Settings) -> str:
    script = ["'self'", "'unsafe-inline'"]
    if settings.equinet_env is Environment.development:
        script.append("'unsafe-eval'")
    style = ["'self'", "'unsafe-inline'"]
    directives = [
        "default-src 'self'",
        f"script-src {' '.join(script)}",
        f"style-src {' '.join(style)}",
        "img-src 'self' data: blob: https:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
    if settings.equinet_env is Environment.production:
        directives.append("upgrade-insecure-requests")
    return "; ".join(directives)


def security_headers(settings: Settings) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "strict-origin-when-cross-origin",
        "Permissions-Policy": (
            "camera=(), microphone=(), geolocation=(self), payment=(), usb=(), interest-cohort=()"
        ),
        "X-XSS-Protection": "1; mode=block",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "cross-origin",
        "Cross-Origin-Embedder-Policy": "unsafe-none",
    }
    if settings.equinet_env is Environment.production:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def _encoded(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    # As MutableHeaders stores them: lower-case name, latin-1 bytes.
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        # Encoded once: every response only compares names and appends ready pairs.
        self.headers = _encoded(security_headers(settings))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                raw.extend(pair for pair in extra if pair[0] not in present)
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)
