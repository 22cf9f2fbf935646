"""Provider search: an expression index for the case-insensitive "city starts with".

`GET /api/providers?city=...` matches `lower(city)` against a prefix (see
equinet.providers.repository.city_starts_with). The baseline's B-tree on "city" cannot answer
a case-insensitive match; `lower(city) text_pattern_ops` answers both `LIKE 'prefix%'` and
the byte-wise range the statement adds for generic plans. On the scale data (10,000
providers) the city listing's candidate scan went from a walk over all 9,320 active
providers to 1,457 index entries (docs/benchmarks.md, "Hot read paths vs the database").
A plain B-tree: the embedded PostgreSQL has no pg_trgm.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "Provider_city_lower_pattern_idx",
        "Provider",
        [sa.text("lower(city) text_pattern_ops")],
    )


def downgrade() -> None:
    op.drop_index("Provider_city_lower_pattern_idx", table_name="Provider")
