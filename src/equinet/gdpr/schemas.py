"""Request and response shapes of the personal-data routes."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from equinet.kit.api_model import ApiModel


class DeleteAccountIn(ApiModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=1024)


class AccountDeletedOut(ApiModel):
    message: str
