"""Input clean-up for account fields, without flattening text.

Names, business names and cities are one line: trimmed, control characters removed, runs of
whitespace collapsed. Descriptions keep their line breaks. Nothing here escapes HTML: output
is escaped where it is rendered (templates, e-mails).
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WHITESPACE = re.compile(r"\s+")
_PHONE_NOISE = re.compile(r"[^0-9\s\-()+]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def one_line(value: str) -> str:
    return _WHITESPACE.sub(" ", _CONTROL.sub("", value)).strip()


def multi_line(value: str) -> str:
    return _CONTROL.sub("", value.replace("\r\n", "\n")).strip()


def phone(value: str) -> str:
    return _WHITESPACE.sub(" ", _PHONE_NOISE.sub("", value)).strip()


def email(value: str) -> str:
    """Lower-cased and trimmed (e-mail addresses are compared case-insensitively)."""
    return value.strip().lower()


def is_email(value: str) -> bool:
    return len(value) <= 254 and _EMAIL.match(value) is not None
