"""Response bodies of the calendar feed routes."""

from __future__ import annotations

from equinet.kit.api_model import ApiModel
from equinet.kit.timestamps import UtcDateTime


class FeedCreated(ApiModel):
    """The secret URL, shown this once: only its hash is kept."""

    url: str
    created_at: UtcDateTime


class FeedStatus(ApiModel):
    active: bool
    created_at: UtcDateTime | None = None


class Message(ApiModel):
    message: str
