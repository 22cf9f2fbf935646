"""The embedded PostgreSQL (pgserver) for development and tests on a machine with no database.

The server lives in a git-ignored folder of the project, is reused by every process that asks
for it (pgserver counts the handles) and is stopped cleanly when the last of them exits.
"""

from __future__ import annotations

import atexit
import logging
import subprocess
import warnings
from pathlib import Path

logger = logging.getLogger("equinet.db.embedded")

_started: dict[Path, str] = {}


def embedded_server_url(data_dir: Path) -> str:
    """Start (or join) the embedded server and return a URL to its `postgres` database."""
    data_dir = data_dir.expanduser().resolve()
    if data_dir in _started:
        return _started[data_dir]
    _quiet_import()
    import pgserver  # imported late: only development and tests need it

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = not (data_dir / "PG_VERSION").exists()
    server = pgserver.get_server(data_dir, cleanup_mode="stop")  # type: ignore[attr-defined]
    uri: str = server.get_uri()
    logger.info(
        "embedded PostgreSQL %s in %s (%s)",
        server_version(),
        data_dir,
        "initialised" if fresh else "reused",
    )

    def stop() -> None:
        logger.info("stopping embedded PostgreSQL in %s", data_dir)
        server.cleanup()

    atexit.register(stop)
    _started[data_dir] = uri
    return uri


def server_version() -> str:
    return bin_dir_version("postgres")


def bin_dir() -> Path:
    """The PostgreSQL programs shipped in the pgserver wheel (postgres, pg_dump, psql...)."""
    _quiet_import()
    from pgserver._commands import POSTGRES_BIN_PATH

    return Path(POSTGRES_BIN_PATH)


def _quiet_import() -> None:
    # pgserver's platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); harmless.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def bin_dir_version(program: str) -> str:
    out = subprocess.run(
        [str(bin_dir() / program), "--version"], capture_output=True, text=True, check=False
    ).stdout
    return out.strip().rsplit(" ", 1)[-1] if out else "unknown"
