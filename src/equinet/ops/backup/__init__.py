"""Backups with a verified restore (design document B1-B5): create, list, verify, restore,
prune and push. Each module owns one step; the CLI in `equinet.cli.backup` drives them."""

from __future__ import annotations

from collections.abc import Callable


class BackupError(RuntimeError):
    """A backup operation cannot go on; the message is one line saying why and what to do."""


# Progress callback: the ops modules describe each step, the CLI shows it (rich).
Step = Callable[[str], None]


def no_progress(_: str) -> None:
    return None
