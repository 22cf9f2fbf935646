"""The PostgreSQL client programs a backup runs (pg_dump, pg_restore) and how to call them.

A dump is only as good as the pg_dump that made it: pg_dump must be at least the server's
major version, and pg_restore at least the version of the pg_dump that wrote the archive.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from equinet.db import embedded
from equinet.db.urls import DatabaseTarget
from equinet.ops.backup import BackupError
from equinet.settings import Settings

_VERSION = re.compile(r"\(PostgreSQL\)\s+((\d+)(?:\.\d+)*)")


@dataclass(frozen=True)
class ClientTool:
    path: Path
    version: str  # "15.20"
    major: int


def tool_folder(settings: Settings) -> Path | None:
    """Where the client programs come from: PG_BIN_DIR, pgserver's for the embedded
    database, or None for PATH."""
    if settings.pg_bin_dir is not None:
        return settings.pg_bin_dir
    if settings.uses_embedded_database:
        return embedded.bin_dir()
    return None


def find_tool(settings: Settings, name: str) -> ClientTool:
    folder = tool_folder(settings)
    if folder is not None:
        path = folder / name
        if not path.exists():
            raise BackupError(f"{name} not found in {folder} (PG_BIN_DIR or pgserver's programs)")
    else:
        found = shutil.which(name)
        if found is None:
            raise BackupError(
                f"{name} not found on PATH: install the PostgreSQL client programs "
                "(e.g. apt-get install postgresql-client) or set PG_BIN_DIR"
            )
        path = Path(found)
    version, major = _version_of(path)
    return ClientTool(path=path, version=version, major=major)


def _version_of(path: Path) -> tuple[str, int]:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError) as error:
        raise BackupError(f"cannot run {path} --version: {error}") from None
    match = _VERSION.search(out)
    if match is None:
        raise BackupError(f"cannot read the version of {path}: {out.strip()!r}")
    return match.group(1), int(match.group(2))


def major_of(version_num: int) -> int:
    """`server_version_num` 160002 -> 16 (the scheme of PostgreSQL 10 and later)."""
    return version_num // 10_000


def version_text(version_num: int) -> str:
    return f"{version_num // 10_000}.{version_num % 10_000}"


def require_pg_dump(settings: Settings, server_version_num: int) -> ClientTool:
    """The pg_dump to use; refuses one older than the server (it would abort or miss objects)."""
    tool = find_tool(settings, "pg_dump")
    if tool.major < major_of(server_version_num):
        raise BackupError(
            f"pg_dump {tool.version} ({tool.path}) is older than the server "
            f"(PostgreSQL {version_text(server_version_num)}): install pg_dump "
            f"{major_of(server_version_num)} or newer, or point PG_BIN_DIR at its folder"
        )
    return tool


def require_pg_restore(settings: Settings, dumped_with: str) -> ClientTool:
    """The pg_restore to use; it must read archives of the pg_dump version that wrote them."""
    tool = find_tool(settings, "pg_restore")
    dump_major = int(dumped_with.split(".", 1)[0])
    if tool.major < dump_major:
        raise BackupError(
            f"pg_restore {tool.version} ({tool.path}) cannot read a dump made by pg_dump "
            f"{dumped_with}: install pg_restore {dump_major} or newer, or set PG_BIN_DIR"
        )
    return tool


def connection_arguments(target: DatabaseTarget) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password, and the environment that carries it.

    The password goes in PGPASSWORD so that it never shows in `ps` output.
    """
    password = target.url.password
    bare = dataclasses.replace(target, url=target.url.set(password=None))
    env = dict(os.environ)
    env["PGAPPNAME"] = "equinet-backup"
    if password:
        env["PGPASSWORD"] = str(password)
    if target.connect_timeout:
        env["PGCONNECT_TIMEOUT"] = str(int(target.connect_timeout))
    return bare.libpq_url(), env
