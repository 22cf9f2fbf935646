"""Enable row-level security, with no policies, on every table and on alembic_version.

Deny-all for API roles such as Supabase's `anon` and `authenticated`; the application connects
as the table owner (or a BYPASSRLS role) and is unaffected. FORCE is deliberately not set.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "User", "Provider", "Service", "Availability", "AvailabilityException", "Booking", "Horse",
    "HorsePassportToken", "Upload", "FortnoxConnection", "Payment", "Notification", "RouteOrder",
    "Route", "RouteStop", "EmailVerificationToken", "Review", "HorseNote", "ProviderVerification",
    "GroupBookingRequest", "GroupBookingParticipant", "alembic_version",
)  # fmt: skip


def upgrade() -> None:
    for table in TABLES:
        op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')


def downgrade() -> None:
    for table in TABLES:
        op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')
