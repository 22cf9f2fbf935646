"""The password policy for passwords set through the API (OWASP ASVS v5, chapter 6).

ASVS v5 asks for: at least 8 characters, at least 64 allowed, every character allowed (spaces
and any Unicode), no composition rules (upper/lower/digit/special), no periodic changes, and
a check against commonly used and context-specific passwords. We allow up to 128 characters.

The common-password list is zxcvbn's ranked list of 30,000 passwords from public breach
corpora (mostly English), plus our own hand-written Swedish list of about 200 entries
(`data/common-passwords-sv.txt`: seasons, cities, horse words, names). A password is refused
when it is on either list, or is such an entry (or the user's own name / e-mail name, or
"equinet") followed only by digits and punctuation, as in "sommar2024" or "Hästar123!".

Accounts seeded with the demo password "test123" predate this policy; it applies only to
new passwords (registration, reset, change), never to logging in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from importlib import resources

MIN_LENGTH = 8
MAX_LENGTH = 128
# Stems shorter than this are too short to be worth refusing with any suffix.
_MIN_STEM = 3
_TRAILING_NOISE = re.compile(r"[\d\W_]+$")

TOO_SHORT = f"Lösenordet måste vara minst {MIN_LENGTH} tecken"
TOO_LONG = f"Lösenordet får vara högst {MAX_LENGTH} tecken"
TOO_COMMON = "Lösenordet är för vanligt och lätt att gissa. Välj ett annat."
TOO_PERSONAL = "Lösenordet får inte bygga på ditt namn eller din e-postadress"


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@cache
def swedish_passwords() -> frozenset[str]:
    text = resources.files("equinet.accounts").joinpath("data/common-passwords-sv.txt")
    entries = (line.strip() for line in text.read_text(encoding="utf-8").splitlines())
    return frozenset(_normalise(e) for e in entries if e and not e.startswith("#"))


@cache
def common_passwords() -> frozenset[str]:
    """Both lists, normalised (loaded once per process: about 30,000 short strings)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    breached = (_normalise(p) for p in FREQUENCY_LISTS["passwords"])
    return frozenset(breached) | swedish_passwords()


def _stem(password: str) -> str:
    return _TRAILING_NOISE.sub("", password)


def _context_words(context: Iterable[str | None]) -> set[str]:
    words = {"equinet"}
    for value in context:
        if not value:
            continue
        value = _normalise(value).split("@", 1)[0]
        words.update(w for w in re.split(r"[\s._+-]+", value) if len(w) >= _MIN_STEM)
        if len(value) >= _MIN_STEM:
            words.add(value)
    return words


def password_problem(password: str, *, context: Iterable[str | None] = ()) -> str | None:
    """Why `password` is not acceptable (a Swedish message), or None when it is.

    `context` holds the user's e-mail and names; a password built on them is refused.
    """
    if len(password) < MIN_LENGTH:
        return TOO_SHORT
    if len(password) > MAX_LENGTH:
        return TOO_LONG
    normalised = _normalise(password)
    stem = _stem(normalised)
    common = common_passwords()
    if normalised in common or (len(stem) >= _MIN_STEM and stem in common):
        return TOO_COMMON
    if stem in _context_words(context):
        return TOO_PERSONAL
    return None
