"""What every command shares: settings, logging, and one clear line instead of a traceback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from equinet.db.engine import DatabaseUnreachable
from equinet.db.environment_stamp import DestructiveCommandRefused, EnvironmentMismatch
from equinet.settings import ConfigurationError, Settings, get_settings

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

_EXPECTED = (
    ConfigurationError,
    EnvironmentMismatch,
    DestructiveCommandRefused,
    DatabaseUnreachable,
)


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


def run(work: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine; known failures become one red line and exit code 1."""
    try:
        return asyncio.run(work)
    except _EXPECTED as error:
        fail(str(error))
    except OSError as error:
        fail(f"database unreachable: {error}")
