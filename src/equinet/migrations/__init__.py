"""Alembic migrations: the baseline of the Equinet schema and every revision after it."""
