"""A route's stops projected onto an SVG viewBox, for drawing a map without a tile server."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SvgPoint:
    x: float
    y: float


def project(
    points: Sequence[tuple[float, float]],
    *,
    width: float = 600,
    height: float = 400,
    padding: float = 20,
) -> list[SvgPoint]:
    """(latitude, longitude) pairs → x/y in a `0 0 width height` viewBox, north up.

    Longitudes are shrunk by cos(mean latitude) so distances look the same in both
    directions; the drawing keeps its aspect ratio and is centred.
    """
    if not points:
        return []
    mean_lat = math.radians(sum(p[0] for p in points) / len(points))
    xs = [p[1] * math.cos(mean_lat) for p in points]
    ys = [p[0] for p in points]
    span_x = max(xs) - min(xs)
    span_y = max(ys) - min(ys)
    inner_w, inner_h = width - 2 * padding, height - 2 * padding
    scale = min(inner_w / span_x if span_x else math.inf, inner_h / span_y if span_y else math.inf)
    if math.isinf(scale):
        return [SvgPoint(width / 2, height / 2) for _ in points]
    offset_x = padding + (inner_w - span_x * scale) / 2
    offset_y = padding + (inner_h - span_y * scale) / 2
    return [
        SvgPoint(
            round(offset_x + (x - min(xs)) * scale, 1),
            round(offset_y + (max(ys) - y) * scale, 1),
        )
        for x, y in zip(xs, ys, strict=True)
    ]
