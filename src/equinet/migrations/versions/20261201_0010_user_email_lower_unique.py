"""One account per e-mail address, whatever its case: a unique index on lower(email).

Login, registration and password reset look a user up by `lower(email)`; this index answers
that lookup (an unknown address used to scan the whole User table) and makes
"Anna@x.se" and "anna@x.se" the same account for the database too. An adopted database may
hold such case duplicates from before addresses were lower-cased: the upgrade then refuses,
listing each address and its accounts, so an operator merges or renames them first.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "User_email_lower_key"


class CaseDuplicateEmails(RuntimeError):
    """The User table holds addresses that differ only in case."""


def upgrade() -> None:
    if not context.is_offline_mode():  # printed SQL (`db migrate --sql`) has no rows to check
        _refuse_case_duplicates()
    op.create_index(INDEX, "User", [sa.text("lower(email)")], unique=True)


def _refuse_case_duplicates() -> None:
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT lower(email) AS address, string_agg(id || ' (' || email || ')', ', ' "
                'ORDER BY "createdAt", id) AS accounts FROM "User" '
                "GROUP BY lower(email) HAVING count(*) > 1 ORDER BY 1"
            )
        )
        .all()
    )
    if duplicates:
        listing = "\n".join(f"  {row.address}: {row.accounts}" for row in duplicates)
        raise CaseDuplicateEmails(
            f"{len(duplicates)} e-mail address(es) belong to several accounts that differ only "
            "in upper/lower case; merge or rename them, then migrate again:\n" + listing
        )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="User")
