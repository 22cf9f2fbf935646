"""Response shapes of the upload routes, camelCase on the wire."""

from __future__ import annotations

from equinet.kit.api_model import ApiModel
from equinet.kit.timestamps import UtcDateTime


class UploadOut(ApiModel):
    id: str
    bucket: str
    url: str
    mime_type: str
    original_name: str | None
    size_bytes: int
    verification_id: str | None
    created_at: UtcDateTime


class DeletedOut(ApiModel):
    success: bool = True
