"""The geocode route's answer."""

from __future__ import annotations

from equinet.kit.api_model import ApiModel


class GeocodeOut(ApiModel):
    latitude: float
    longitude: float
    place: str
    source: str
