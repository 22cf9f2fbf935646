"""Personal data kept out of logs and error reports: e-mail addresses, tokens, password hashes.

`mask_email` is for log lines that must say which message went where ("a…@stall.se");
`redact` removes whatever slipped into a text anyway, and is what the Sentry hook applies to
every event before it leaves the process.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+\.)+[A-Za-z]{2,}")
# Password hashes; session and link tokens (URL-safe base64 or hex, 40+ characters: longer
# than the 36 of a row's UUID, which stays readable in paths).
_HASH = re.compile(r"\$(argon2(id|i|d)|2[aby])\$[^\s'\"]+")
_TOKEN = re.compile(r"(?<![A-Za-z0-9_\-])[A-Za-z0-9_\-]{40,}(?![A-Za-z0-9_\-])")


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


class RedactingFilter(logging.Filter):
    """Redacts a record's message arguments (uvicorn's access log prints paths with their
    query, where e-mail links carry tokens)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True


ACCESS_LOGGERS = ("uvicorn.access",)


def install_log_redaction() -> None:
    """Once per process: the access log never prints a token or an address."""
    for name in ACCESS_LOGGERS:
        target = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in target.filters):
            target.addFilter(RedactingFilter())
