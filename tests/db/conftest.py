"""Fixtures of the schema tests: a scratch database already at head, stamped `test`."""

from __future__ import annotations

import pytest

from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from tests.conftest import make_settings


@pytest.fixture
async def migrated(scratch: DatabaseTarget) -> DatabaseTarget:
    await database.migrate(scratch, make_settings(scratch))
    return scratch
