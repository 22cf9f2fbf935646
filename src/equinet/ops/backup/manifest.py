"""Backup files on disk: the dump's name, the manifest JSON beside it, and the listing.

A backup is a pair `<database>-<YYYYmmddTHHMMSSZ>.dump` + `<same>.manifest.json`. The manifest
says what the dump must contain when restored (per-table row counts and checksums), where it
came from (server version, migration revision, environment stamp) and the dump's sha256.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from equinet.ops.backup import BackupError
from equinet.ops.backup.fingerprint import TableFingerprint

MANIFEST_FORMAT = "equinet-backup/1"
DUMP_SUFFIX = ".dump"
MANIFEST_SUFFIX = ".manifest.json"
_STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_NAME = re.compile(r"^(?P<database>.+)-(?P<stamp>\d{8}T\d{6}Z)(?:-(?P<n>\d+))?\.dump$")


@dataclass
class Manifest:
    file: str
    database: str
    created_at: datetime
    server_version: str
    pg_dump_version: str
    revision: str | None
    environment: str | None
    dump_sha256: str
    dump_bytes: int
    tables: dict[str, TableFingerprint] = field(default_factory=dict)
    dump_format: str = "custom"

    @property
    def total_rows(self) -> int:
        return sum(table.rows for table in self.tables.values())

    def to_json(self) -> str:
        body: dict[str, Any] = {
            "format": MANIFEST_FORMAT,
            "file": self.file,
            "database": self.database,
            "created_at": self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "server_version": self.server_version,
            "pg_dump_version": self.pg_dump_version,
            "revision": self.revision,
            "environment": self.environment,
            "dump_format": self.dump_format,
            "dump_sha256": self.dump_sha256,
            "dump_bytes": self.dump_bytes,
            "tables": {
                name: {"rows": table.rows, "checksum": table.checksum}
                for name, table in sorted(self.tables.items())
            },
        }
        return json.dumps(body, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: Path) -> Manifest:
        try:
            body = json.loads(text)
            if body.get("format") != MANIFEST_FORMAT:
                raise ValueError(f"unknown format {body.get('format')!r}")
            return cls(
                file=body["file"],
                database=body["database"],
                created_at=datetime.fromisoformat(body["created_at"].replace("Z", "+00:00")),
                server_version=body["server_version"],
                pg_dump_version=body["pg_dump_version"],
                revision=body.get("revision"),
                environment=body.get("environment"),
                dump_format=body.get("dump_format", "custom"),
                dump_sha256=body["dump_sha256"],
                dump_bytes=int(body["dump_bytes"]),
                tables={
                    name: TableFingerprint(rows=int(t["rows"]), checksum=str(t["checksum"]))
                    for name, t in body["tables"].items()
                },
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise BackupError(f"{source} is not a valid backup manifest: {error}") from None


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_STAMP_FORMAT)


def new_dump_path(folder: Path, database: str, moment: datetime) -> Path:
    """A dump file name that does not exist yet (a counter separates two in the same second)."""
    safe = re.sub(r"[^A-Za-z0-9_.]+", "_", database) or "database"
    base = f"{safe}-{stamp(moment)}"
    path = folder / f"{base}{DUMP_SUFFIX}"
    counter = 2
    while path.exists() or manifest_path(path).exists():
        path = folder / f"{base}-{counter}{DUMP_SUFFIX}"
        counter += 1
    return path


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name.removesuffix(DUMP_SUFFIX) + MANIFEST_SUFFIX)


def dump_path(manifest: Path) -> Path:
    return manifest.with_name(manifest.name.removesuffix(MANIFEST_SUFFIX) + DUMP_SUFFIX)


def timestamp_from_name(path: Path) -> datetime | None:
    name = path.name
    if name.endswith(MANIFEST_SUFFIX):
        name = name.removesuffix(MANIFEST_SUFFIX) + DUMP_SUFFIX
    match = _NAME.match(name)
    if match is None:
        return None
    return datetime.strptime(match.group("stamp"), _STAMP_FORMAT).replace(tzinfo=UTC)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(dump: Path, manifest: Manifest) -> Path:
    path = manifest_path(dump)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(manifest.to_json(), encoding="utf-8")
    partial.replace(path)
    return path


def read_manifest(dump: Path) -> Manifest:
    path = manifest_path(dump)
    if not path.exists():
        raise BackupError(f"{path.name} is missing: a dump without its manifest cannot be verified")
    return Manifest.from_json(path.read_text(encoding="utf-8"), path)


def resolve_dump(name: Path, backup_dir: Path) -> Path:
    """The dump a user means by NAME: a dump or manifest path, or a file name in the backup
    folder."""
    candidates = [name] if name.is_absolute() or name.exists() else [name, backup_dir / name]
    for candidate in candidates:
        dump = dump_path(candidate) if candidate.name.endswith(MANIFEST_SUFFIX) else candidate
        if dump.is_file():
            return dump
    raise BackupError(f"no backup file {name} (looked in . and {backup_dir})")


@dataclass(frozen=True)
class BackupEntry:
    """One backup in a folder, as `equinet backup list` and `prune` see it."""

    dump: Path | None
    manifest_file: Path | None
    created_at: datetime | None
    manifest: Manifest | None
    problem: str | None = None

    @property
    def size(self) -> int:
        return self.dump.stat().st_size if self.dump and self.dump.exists() else 0

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.dump, self.manifest_file) if p is not None]

    @property
    def name(self) -> str:
        first = self.dump or self.manifest_file
        assert first is not None
        return first.name


def list_backups(folder: Path) -> list[BackupEntry]:
    """Every backup in `folder`, oldest first; dumps without manifests (and the reverse) are
    listed with a problem so that they can be noticed and pruned."""
    if not folder.is_dir():
        return []
    entries: list[BackupEntry] = []
    dumps = {p for p in folder.iterdir() if p.name.endswith(DUMP_SUFFIX) and p.is_file()}
    manifests = {p for p in folder.iterdir() if p.name.endswith(MANIFEST_SUFFIX) and p.is_file()}
    for dump in sorted(dumps):
        manifest_file = manifest_path(dump)
        if manifest_file in manifests:
            try:
                manifest = Manifest.from_json(manifest_file.read_text(encoding="utf-8"), dump)
            except BackupError as error:
                entries.append(
                    BackupEntry(dump, manifest_file, timestamp_from_name(dump), None, str(error))
                )
                continue
            entries.append(BackupEntry(dump, manifest_file, manifest.created_at, manifest))
        else:
            entries.append(
                BackupEntry(dump, None, timestamp_from_name(dump), None, "manifest missing")
            )
    for manifest_file in sorted(manifests):
        if dump_path(manifest_file) not in dumps:
            entries.append(
                BackupEntry(
                    None, manifest_file, timestamp_from_name(manifest_file), None, "dump missing"
                )
            )
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(entries, key=lambda entry: (entry.created_at or oldest, entry.name))
