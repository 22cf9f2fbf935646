"""What every command shares: settings, logging, and one clear line instead of a traceback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from sqlalchemy.exc import DBAPIError

from equinet.db.engine import DatabaseUnreachable
from equinet.db.environment_stamp import DestructiveCommandRefused, EnvironmentMismatch
from equinet.db.revisions import MIGRATIONS_DIR
from equinet.settings import ConfigurationError, Settings, get_settings

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")


class MigrationFailed(Exception):
    """A revision failed; the message says which, why, and where the database was left."""


_EXPECTED = (
    ConfigurationError,
    EnvironmentMismatch,
    DestructiveCommandRefused,
    DatabaseUnreachable,
    MigrationFailed,
)
_VERSIONS_DIR = MIGRATIONS_DIR / "versions"


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    logging.getLogger("pgserver").setLevel(logging.WARNING)


def fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


def load_settings() -> Settings:
    try:
        return get_settings().check()
    except ConfigurationError as error:
        for problem in error.problems:
            errors.print(f"[bold red]configuration:[/] {problem}", highlight=False)
        raise typer.Exit(2) from None


def failed_revision(error: BaseException) -> str | None:
    """The migration file the error was raised in, as "0004 (20261125_0004_....py)", if any.

    Alembic runs each revision's `upgrade()` as module code of its file, so the innermost
    traceback frame inside the versions folder names the revision that failed."""
    found: str | None = None
    traceback = error.__traceback__
    while traceback is not None:
        frame = traceback.tb_frame
        path = Path(frame.f_code.co_filename)
        if path.parent == _VERSIONS_DIR and "revision" in frame.f_globals:
            found = f"{frame.f_globals['revision']} ({path.name})"
        traceback = traceback.tb_next
    return found


def database_error_line(error: BaseException) -> str:
    """The database's own message, first line only, with its kind: no SQL, no traceback."""
    original: BaseException = error
    if isinstance(error, DBAPIError) and error.orig is not None:
        original = error.orig
        # asyncpg's exception (DuplicateTableError, ...) sits behind SQLAlchemy's adapter.
        if original.__cause__ is not None:
            original = original.__cause__
    lines = str(original).strip().splitlines() or [""]
    return f"{lines[0]} ({type(original).__name__})"


def describe_failure(error: BaseException) -> str:
    revision = failed_revision(error)
    where = f"migration {revision} failed" if revision else "database error"
    return f"{where}: {database_error_line(error)}"


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; known failures become one red line and exit code 1."""
    try:
        return asyncio.run(work)
    except _EXPECTED as error:
        fail(str(error))
    except DBAPIError as error:
        hint = ""
        if failed_revision(error):
            # Revisions run in one transaction: a failure rolls back every one of the run.
            hint = "; none of this run's revisions was applied (`equinet db status`)"
        fail(describe_failure(error) + hint)
    except OSError as error:
        fail(f"database unreachable: {error}")
