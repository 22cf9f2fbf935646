"""Response bodies of the Fortnox routes."""

from __future__ import annotations

from equinet.kit.api_model import ApiModel


class FortnoxStatus(ApiModel):
    connected: bool
    connected_at: str | None
    invoiced: int
    unsynced: int


class SyncQueued(ApiModel):
    queued: int
    message: str


class Disconnected(ApiModel):
    success: bool
