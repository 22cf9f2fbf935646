"""Retention (B1/B2): delete backups older than N days, never the newest good ones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from equinet.ops.backup.manifest import BackupEntry, list_backups


@dataclass(frozen=True)
class PruneResult:
    deleted: list[BackupEntry]
    kept: list[BackupEntry]


def prune(
    folder: Path,
    keep_days: int,
    *,
    keep_newest: int = 1,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PruneResult:
    """Delete dump + manifest pairs created more than `keep_days` days ago.

    Age comes from the manifest's `created_at` (the file name's timestamp when the manifest
    is missing); files whose name carries no timestamp are never touched. The `keep_newest`
    newest complete backups survive whatever their age: if backups stopped being made, a
    nightly prune must not delete the last good one.
    """
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=keep_days)
    entries = list_backups(folder)
    complete = [e for e in entries if e.manifest is not None and e.dump is not None]
    protected = {e.name for e in complete[-keep_newest:]} if keep_newest > 0 else set()
    deleted: list[BackupEntry] = []
    kept: list[BackupEntry] = []
    for entry in entries:
        if entry.created_at is None or entry.created_at >= cutoff or entry.name in protected:
            kept.append(entry)
            continue
        if not dry_run:
            for path in entry.files:
                path.unlink(missing_ok=True)
        deleted.append(entry)
    return PruneResult(deleted=deleted, kept=kept)
