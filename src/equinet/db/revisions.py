"""Which revision a database is at and which the code's migrations end at, without Alembic.

The web app needs both at start-up and in `/api/health`; importing Alembic for them would cost
every worker 11 MB. The chain is read from the scripts' `revision` and `down_revision`
assignments (a test checks it against Alembic's own reading); the applied revision with one
plain statement.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from equinet.kit.errors import sqlstate_of

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_UNDEFINED_TABLE = "42P01"


@dataclass(frozen=True)
class MigrationStatus:
    current: str | None
    head: str
    pending: list[str]

    @property
    def at_head(self) -> bool:
        return self.current == self.head


@dataclass(frozen=True)
class RevisionChain:
    """The migration scripts' revisions, oldest first: read once, then compared cheaply."""

    order: tuple[str, ...]

    @property
    def head(self) -> str:
        return self.order[-1]

    def status(self, current: str | None) -> MigrationStatus:
        if current is None:
            pending = list(self.order)
        elif current in self.order:
            pending = list(self.order[self.order.index(current) + 1 :])
        else:  # a revision these scripts do not know (a newer deployment's): nothing to apply
            pending = []
        return MigrationStatus(current=current, head=self.head, pending=pending)


def _declared(script: Path) -> tuple[str, str | None]:
    """A script's `revision` and `down_revision`, read from its source without running it."""
    found: dict[str, object] = {}
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.AnnAssign | ast.Assign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id in {"revision", "down_revision"}:
                    found[target.id] = ast.literal_eval(node.value)
    revision, down = found.get("revision"), found.get("down_revision")
    if not isinstance(revision, str) or not (down is None or isinstance(down, str)):
        raise ValueError(f"{script.name}: no single revision and down_revision")
    return revision, down


def revision_chain(versions: Path = MIGRATIONS_DIR / "versions") -> RevisionChain:
    """The scripts' revisions from the base to the one head, oldest first."""
    parent_of = dict(_declared(script) for script in sorted(versions.glob("*.py"))
                     if script.name != "__init__.py")  # fmt: skip
    child_of = {down: revision for revision, down in parent_of.items()}
    if len(child_of) != len(parent_of):
        raise ValueError("the migration scripts branch: two revisions share a down_revision")
    order: list[str] = []
    current = child_of.get(None)
    while current is not None:
        order.append(current)
        current = child_of.get(current)
    if not order or len(order) != len(parent_of):
        raise ValueError("the migration scripts do not form one chain from the base")
    return RevisionChain(tuple(order))


async def applied_revision(connection: AsyncConnection) -> str | None:
    """The database's revision from `alembic_version`, read with plain SQL (no Alembic context,
    so nothing is logged). One statement: a database without the table (never migrated)
    answers "undefined table", and the connection's transaction is rolled back."""
    try:
        found = await connection.scalar(text("SELECT version_num FROM alembic_version LIMIT 1"))
    except sa_exc.ProgrammingError as error:
        if sqlstate_of(error) != _UNDEFINED_TABLE:
            raise
        await connection.rollback()
        return None
    return str(found) if found is not None else None


async def table_exists(connection: AsyncConnection, name: str) -> bool:
    found = await connection.scalar(
        text("SELECT to_regclass(:name) IS NOT NULL"), {"name": f'public."{name}"'}
    )
    return bool(found)
