"""The model base: Prisma-style naming convention, application-made ids and timestamps."""

from __future__ import annotations

import secrets
import string
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import MetaData
from sqlalchemy.dialects.postgresql import TIMESTAMP
from sqlalchemy.orm import DeclarativeBase

# The names Prisma gives, so that tables we add later look like the baseline's.
NAMING_CONVENTION = {
    "ix": "%(table_name)s_%(column_0_N_name)s_idx",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
    "ck": "%(table_name)s_%(constraint_name)s_check",
}

# TIMESTAMP(3) WITHOUT TIME ZONE holding UTC, as the original schema stores it.
Timestamp3 = TIMESTAMP(precision=3)

_BASE36 = string.digits + string.ascii_lowercase


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Now in UTC, naive, at millisecond precision (what TIMESTAMP(3) keeps)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def new_uuid() -> str:
    return str(uuid.uuid4())


def _base36(number: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, 36)
        digits.append(_BASE36[rest])
    return "".join(reversed(digits)) or "0"


def new_cuid() -> str:
    """A cuid-like id (`c` + time + randomness, 25 characters), as Prisma's `cuid()` makes."""
    stamp = _base36(int(time.time() * 1000)).rjust(8, "0")[-8:]
    randomness = "".join(secrets.choice(_BASE36) for _ in range(16))
    return f"c{stamp}{randomness}"
