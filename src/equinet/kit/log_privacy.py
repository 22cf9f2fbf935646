"""Personal data kept out of logs and error reports: e-mail addresses, tokens, password hashes.

`mask_email` is for log lines that must say which message went where ("a…@stall.se");
`redact` removes whatever slipped into a text anyway, and is what the Sentry hook applies to
every event before it leaves the process.
"""

from __future__ import annotations

import re
from typing import Any

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+\.)+[A-Za-z]{2,}")
# Session and reset tokens (hex or URL-safe base64, 32+ characters), password hashes.
_HASH = re.compile(r"\$(argon2(id|i|d)|2[aby])\$[^\s'\"]+")
_TOKEN = re.compile(r"\b[A-Za-z0-9_\-]{32,}\b")


def mask_email(address: str) -> str:
    """`anna@stall.se` → `a…@stall.se`: enough to tell messages apart, not to write to."""
    local, _, domain = address.rpartition("@")
    if not local:
        return "…"
    return f"{local[0]}…@{domain}"


def redact(text: str) -> str:
    text = _HASH.sub("[hash]", text)
    text = _EMAIL.sub("[e-mail]", text)
    return _TOKEN.sub("[token]", text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_value(item) for item in value]
    return value


def redact_event(event: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """Sentry's `before_send`: every string of the event, redacted."""
    redacted: dict[str, Any] = _redact_value(event)
    return redacted
