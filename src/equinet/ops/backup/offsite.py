"""Off-site copies (B5): push backups to an S3-compatible bucket or a folder, verified.

Every copy is checked after it is written: a folder copy is re-hashed, an S3 object is
downloaded again and hashed. The sha256 travels with an S3 object as metadata, so a later
push skips what is already there with the same checksum without downloading it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from equinet.kit import storage
from equinet.ops.backup import BackupError, Step, no_progress
from equinet.ops.backup.manifest import list_backups, sha256_of
from equinet.settings import Settings

_CHUNK = 1 << 20


class Destination(Protocol):
    def describe(self) -> str: ...

    def stored_sha256(self, name: str) -> str | None:
        """The checksum of the copy already there, or None when there is none."""

    def upload(self, source: Path, name: str, sha256: str) -> None: ...

    def copied_sha256(self, name: str) -> str:
        """Hash the copy as it is stored now (reads it back)."""


class FolderDestination:
    def __init__(self, folder: Path) -> None:
        self.folder = folder.expanduser()

    def describe(self) -> str:
        return str(self.folder)

    def stored_sha256(self, name: str) -> str | None:
        path = self.folder / name
        return sha256_of(path) if path.is_file() else None

    def upload(self, source: Path, name: str, sha256: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{name}.partial"
        shutil.copyfile(source, partial)
        with partial.open("rb+") as stream:
            os.fsync(stream.fileno())
        partial.replace(self.folder / name)

    def copied_sha256(self, name: str) -> str:
        return sha256_of(self.folder / name)


class S3Destination:
    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def stored_sha256(self, name: str) -> str | None:
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NOT_FOUND"}:
                return None
            raise
        value = head.get("Metadata", {}).get("sha256")
        return str(value) if value else ""

    def upload(self, source: Path, name: str, sha256: str) -> None:
        self.client.upload_file(
            str(source), self.bucket, self.key(name), ExtraArgs={"Metadata": {"sha256": sha256}}
        )

    def copied_sha256(self, name: str) -> str:
        import hashlib

        digest = hashlib.sha256()
        body = self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"]
        for chunk in _chunks(body):
            digest.update(chunk)
        return digest.hexdigest()


def _chunks(body: Any) -> Iterator[bytes]:
    while chunk := body.read(_CHUNK):
        yield chunk


def s3_client(settings: Settings) -> Any:
    """A boto3 S3 client from BACKUP_S3_* settings (the default AWS credential chain when the
    keys are unset); our own sha256 read-back check is the integrity guarantee."""
    return storage.s3_client(
        endpoint_url=settings.backup_s3_endpoint_url,
        access_key_id=settings.backup_s3_access_key_id,
        secret_access_key=settings.backup_s3_secret_access_key,
        region=settings.backup_s3_region,
    )


def destination_for(settings: Settings, to: str | None) -> Destination:
    """`s3://bucket/prefix` or a folder path; BACKUP_S3_URL when `to` is not given."""
    where = to or settings.backup_s3_url
    if not where:
        raise BackupError(
            "nowhere to push: pass --to s3://bucket/prefix or --to /some/folder, "
            "or set BACKUP_S3_URL"
        )
    if where.startswith("s3://"):
        parts = urlsplit(where)
        if not parts.netloc:
            raise BackupError(f"{where} names no bucket: use s3://bucket/prefix")
        return S3Destination(s3_client(settings), parts.netloc, parts.path)
    if "://" in where:
        raise BackupError(f"cannot push to {where}: use s3://bucket/prefix or a folder path")
    return FolderDestination(Path(where))


@dataclass
class PushReport:
    destination: str
    copied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    bytes_copied: int = 0


def push(folder: Path, destination: Destination, step: Step = no_progress) -> PushReport:
    """Copy every complete backup in `folder` to `destination`, dump first and manifest last
    (a manifest at the destination means its dump arrived whole), each verified."""
    report = PushReport(destination.describe())
    for entry in list_backups(folder):
        if entry.dump is None or entry.manifest is None or entry.manifest_file is None:
            continue  # incomplete: `equinet backup list` shows it, prune removes it
        step(f"hashing {entry.dump.name}")
        dump_sha = sha256_of(entry.dump)
        if dump_sha != entry.manifest.dump_sha256:
            report.failed.append(
                f"{entry.dump.name}: sha256 {dump_sha} differs from its manifest "
                f"({entry.manifest.dump_sha256}); not pushed, the local file is damaged"
            )
            continue
        for path, sha in (
            (entry.dump, dump_sha),
            (entry.manifest_file, sha256_of(entry.manifest_file)),
        ):
            _push_one(destination, path, sha, report, step)
    return report


def _push_one(
    destination: Destination, path: Path, sha: str, report: PushReport, step: Step
) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    where = destination.describe()
    try:
        step(f"checking {path.name} at {where}")
        if destination.stored_sha256(path.name) == sha:
            report.skipped.append(path.name)
            return
        step(f"copying {path.name} to {where}")
        destination.upload(path, path.name, sha)
        step(f"verifying the copy of {path.name}")
        copied = destination.copied_sha256(path.name)
    except (OSError, BotoCoreError, ClientError) as error:
        report.failed.append(f"{path.name}: {error}")
        return
    if copied != sha:
        report.failed.append(f"{path.name}: the copy at {where} has sha256 {copied}, not {sha}")
        return
    report.copied.append(path.name)
    report.bytes_copied += path.stat().st_size
