"""Every provider test starts with an empty listing cache (Redis outlives rolled-back rows)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from equinet.providers.cache import invalidate_all_listings


@pytest.fixture(autouse=True)
async def _fresh_listings(app: FastAPI) -> None:
    await invalidate_all_listings()
