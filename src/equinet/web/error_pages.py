"""Errors as pages: a browser that asks for a page gets 404/403/429/500/503 as HTML.

The API's handlers and middleware (rate limits, CSRF, maintenance) keep answering JSON; this
middleware sits outside them and, for a browser request to a non-API path (Accept ranks
text/html above JSON), replaces a JSON error body with the error page in the visitor's
language, keeping the status and headers such as Retry-After. An unexpected exception becomes
the 500 page for such requests (logged here, since it does not reach the server's handler).
"""

from __future__ import annotations

import html
import json
import logging
import re
from typing import Any

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from equinet.kit.i18n import LANGUAGE_COOKIE, language, mark, negotiate
from equinet.ops.maintenance import prefers_html
from equinet.ops.metrics import MAINTENANCE_SCOPE_KEY
from equinet.web.templating import render_text

logger = logging.getLogger("equinet.web.errors")

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_NOT_PAGES = ("/api/", "/metrics", "/docs", "/redoc", "/openapi.json", "/static/")

TITLES = {
    400: mark("Något blev fel"),
    401: mark("Du måste vara inloggad"),
    403: mark("Åtkomst nekad"),
    404: mark("Sidan finns inte"),
    405: mark("Sidan finns inte"),
    409: mark("Något hann ändras"),
    422: mark("Något blev fel"),
    429: mark("För många försök"),
    500: mark("Ett internt fel uppstod"),
    503: mark("Tjänsten är inte tillgänglig just nu"),
    504: mark("Det tog för lång tid"),
}
EXPLANATIONS = {
    403: mark("Du har inte behörighet att se den här sidan."),
    404: mark("Sidan du letade efter finns inte, eller så har den flyttats."),
    405: mark("Sidan du letade efter finns inte, eller så har den flyttats."),
    429: mark("Du har gjort för många försök på kort tid."),
    500: mark("Något gick fel hos oss. Felet är loggat; försök igen om en stund."),
    503: mark("Equinet är inte tillgängligt just nu. Försök igen om en stund."),
    504: mark("Equinet svarade inte i tid. Försök igen om en stund."),
}


def is_page_request(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    if path.startswith(_NOT_PAGES) or path in ("/api", "/metrics"):
        return False
    return prefers_html(Headers(scope=scope).get("accept", ""))


def _language(scope: Scope) -> str:
    headers = Headers(scope=scope)
    query_lang = None
    for pair in scope.get("query_string", b"").decode("latin-1").split("&"):
        key, _sep, value = pair.partition("=")
        if key == "lang":
            query_lang = value
    cookies = dict(
        part.strip().split("=", 1) for part in headers.get("cookie", "").split(";") if "=" in part
    )
    return negotiate(query_lang, cookies.get(LANGUAGE_COOKIE), headers.get("accept-language"))


def error_page(
    scope: Scope, status: int, message: str | None = None, retry_after: str | None = None
) -> str:
    maintenance = status == 503 and bool(scope.get(MAINTENANCE_SCOPE_KEY))
    with language(_language(scope)):
        return render_text(
            "errors/error.html",
            status=status,
            title=TITLES.get(status, TITLES[400] if status < 500 else TITLES[500]),
            explanation=EXPLANATIONS.get(status),
            message=message,
            retry_after=int(retry_after) if retry_after and retry_after.isdigit() else None,
            maintenance=maintenance,
        )


class ErrorPageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_page_request(scope):
            await self.app(scope, receive, send)
            return
        started: dict[str, Any] = {}
        held: list[bytes] = []

        async def send_page(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = Headers(raw=message.get("headers", []))
                status = int(message["status"])
                content_type = headers.get("content-type", "")
                replace = status >= 400 and (
                    content_type.startswith("application/json")
                    or (status == 503 and scope.get(MAINTENANCE_SCOPE_KEY))
                )
                started.update(status=status, headers=headers, replace=replace, sent=not replace)
                if not replace:
                    await send(message)
                return
            if message["type"] == "http.response.body" and started.get("replace"):
                held.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                await _send_page(b"".join(held))
                return
            await send(message)

        async def _send_page(body: bytes) -> None:
            status: int = started["status"]
            headers: Headers = started["headers"]
            text: str | None = None
            if headers.get("content-type", "").startswith("application/json"):
                try:
                    parsed = json.loads(body or b"{}")
                    text = parsed.get("error") if isinstance(parsed, dict) else None
                except ValueError:
                    text = None
            elif scope.get(MAINTENANCE_SCOPE_KEY):
                # The maintenance gate's own page carries the operator's message in its <p>.
                found = _PARAGRAPH.search(body.decode("utf-8", "replace"))
                text = html.unescape(found.group(1)) if found else None
            keep = {
                name: value
                for name, value in headers.items()
                if name in ("retry-after", "set-cookie", "cache-control")
            }
            page = error_page(scope, status, text, headers.get("retry-after"))
            started["sent"] = True
            await HTMLResponse(page, status_code=status, headers=keep)(scope, receive, send)

        try:
            await self.app(scope, receive, send_page)
        except Exception:
            if started.get("sent"):
                raise
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            page = error_page(scope, 500)
            await HTMLResponse(page, status_code=500)(scope, receive, send)
