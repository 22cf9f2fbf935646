"""Alembic environment: runs revisions on the connection `equinet.db.migrations` hands over."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

from equinet.db.migrations import include_object
from equinet.models import Base

config = context.config
target_metadata = Base.metadata


def _configure(**kwargs: Any) -> None:
    context.configure(
        target_metadata=target_metadata,
        compare_type=True,
        compare_server_default=True,
        include_object=include_object,
        transaction_per_migration=False,
        **kwargs,
    )


def run_offline() -> None:
    _configure(url=config.attributes["offline_url"], literal_binds=True, dialect_name="postgresql")
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online(config.attributes["connection"])
