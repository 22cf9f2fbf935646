"""Geography on a sphere: haversine distances, bounding boxes and travel-time estimates."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0
KM_PER_DEGREE_LATITUDE = 111.0

# average driving speed and a safety margin for roads that are not straight lines.
AVERAGE_SPEED_KMH = 50.0
TRAVEL_MARGIN_FACTOR = 1.2


@dataclass(frozen=True)
class BoundingBox:
    min_latitude: float
    max_latitude: float
    min_longitude: float
    max_longitude: float


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = math.radians(lat2 - lat1)
    d_lambda = math.radians(lng2 - lng1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(latitude: float, longitude: float, radius_km: float) -> BoundingBox:
    """A box that contains every point within `radius_km`, for an index-friendly first filter.

    The longitude span widens with latitude (a degree of longitude shrinks towards the poles);
    near a pole the box covers every longitude.
    """
    lat_delta = radius_km / KM_PER_DEGREE_LATITUDE
    cos_lat = math.cos(math.radians(latitude))
    if cos_lat < 1e-6 or radius_km / (KM_PER_DEGREE_LATITUDE * cos_lat) >= 180:
        lng_delta = 180.0
    else:
        lng_delta = radius_km / (KM_PER_DEGREE_LATITUDE * cos_lat)
    return BoundingBox(
        min_latitude=max(-90.0, latitude - lat_delta),
        max_latitude=min(90.0, latitude + lat_delta),
        min_longitude=longitude - lng_delta,
        max_longitude=longitude + lng_delta,
    )


def travel_minutes(lat1: float, lng1: float, lat2: float, lng2: float) -> int:
    """Estimated driving minutes between two points: ceil(km / 50 km/h × 60 × 1.2)."""
    distance = haversine_km(lat1, lng1, lat2, lng2)
    if distance == 0:
        return 0
    return math.ceil(distance / AVERAGE_SPEED_KMH * 60 * TRAVEL_MARGIN_FACTOR)
