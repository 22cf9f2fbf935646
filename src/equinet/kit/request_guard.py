"""Bad input stopped before it is parsed: body size cap (413), slow bodies (408), NUL (422).

A pure ASGI middleware in front of the routes. It reads the request body itself, bounded by
REQUEST_MAX_BODY_BYTES and REQUEST_BODY_TIMEOUT_SECONDS (a Content-Length above the cap is
refused without reading anything), then hands the body on unchanged. PostgreSQL cannot store a
NUL character in text, so a NUL anywhere in the path, the query string or a JSON or form body
is a 422 here, once for every field, instead of a driver error deep in some query.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from equinet.kit.errors import error_body
from equinet.kit.i18n import gettext
from equinet.settings import Settings

TOO_LARGE_MESSAGE = "Förfrågans innehåll är för stort."
TOO_SLOW_MESSAGE = "Förfrågans innehåll kom för långsamt och avbröts. Försök igen."
NUL_MESSAGE = "Texten innehåller ett otillåtet tecken (NUL)."

# `\u0000` as a JSON escape: preceded by an even number of backslashes (an odd number would
# make it the literal text "\u0000").
_JSON_NUL = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u0000")


class _Refused(Exception):
    def __init__(self, response: JSONResponse) -> None:
        self.response = response


def _nul_refusal(field: str) -> JSONResponse:
    details = [{"field": field, "message": gettext(NUL_MESSAGE), "type": "string_nul"}]
    return JSONResponse(error_body("Valideringsfel", "VALIDATION_ERROR", details), status_code=422)


def _path_to_nul(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a NUL in decoded JSON."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return name
            found = _path_to_nul(item, name)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _path_to_nul(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def nul_field_in_target(scope: Scope) -> str | None:
    """`path` or the query parameter's name when the URL carries a NUL, else None."""
    if "\x00" in scope.get("path", ""):
        return "path"
    query = scope.get("query_string", b"")
    if b"%00" not in query and b"\x00" not in query:
        return None
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", "") or "query"
    return None


def nul_field_in_body(content_type: str, body: bytes) -> str | None:
    """The field holding a NUL in a JSON or urlencoded body, else None (others are opaque)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        if b"%00" not in body and b"\x00" not in body:
            return None
        for key, value in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                return key.replace("\x00", "") or "body"
        return None
    if not (media == "application/json" or media.endswith("+json")):
        return None
    if b"\x00" in body:
        return "body"
    if not _JSON_NUL.search(body):
        return None
    try:
        decoded = json.loads(body)
    except ValueError:
        return None  # not JSON at all: the validation layer says so
    return _path_to_nul(decoded) or "body"


class RequestGuardMiddleware:
    """Refuses oversized, slow and NUL-carrying requests before any route parses them."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.max_bytes = settings.request_max_body_bytes
        self.timeout = settings.request_body_timeout_seconds
        # Uploads stream through to their route, which counts every byte against its bucket.
        self.max_upload_bytes = (
            max(
                settings.upload_max_bytes_avatars,
                settings.upload_max_bytes_horses,
                settings.upload_max_bytes_verifications,
            )
            + 64 * 1024
        )

    def _too_large(self) -> JSONResponse:
        return JSONResponse(
            error_body(TOO_LARGE_MESSAGE, "PAYLOAD_TOO_LARGE", {"maxBytes": self.max_bytes}),
            status_code=413,
            headers={"Connection": "close"},
        )

    async def _read_body(self, receive: Receive) -> tuple[bytes, list[Message]]:
        chunks: list[bytes] = []
        size = 0
        extra: list[Message] = []
        try:
            async with asyncio.timeout(self.timeout):
                while True:
                    message = await receive()
                    if message["type"] != "http.request":
                        extra.append(message)  # a disconnect: the app will see it
                        break
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise _Refused(self._too_large())
                    chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            raise _Refused(
                JSONResponse(
                    error_body(TOO_SLOW_MESSAGE, "REQUEST_TIMEOUT"),
                    status_code=408,
                    headers={"Connection": "close"},
                )
            ) from None
        return b"".join(chunks), extra

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        field = nul_field_in_target(scope)
        if field is not None:
            await _nul_refusal(field)(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        if length is None and not chunked:
            await self.app(scope, receive, send)  # no body to guard
            return
        multipart = headers.get("content-type", "").startswith("multipart/form-data")
        try:
            limit = self.max_upload_bytes if multipart else self.max_bytes
            if length is not None and int(length) > limit:
                await self._too_large()(scope, receive, send)
                return
        except ValueError:
            pass  # an unreadable Content-Length: the server itself refuses those
        if multipart:
            await self.app(scope, receive, send)
            return
        try:
            body, extra = await self._read_body(receive)
        except _Refused as refused:
            await refused.response(scope, receive, send)
            return
        field = nul_field_in_body(headers.get("content-type", ""), body)
        if field is not None:
            await _nul_refusal(field)(scope, receive, send)
            return
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            if extra:
                return extra.pop(0)
            return await receive()

        await self.app(scope, replay, send)
