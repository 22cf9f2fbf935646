"""The route optimiser: every stop once, windows kept, never longer than the given order."""

from __future__ import annotations

import random
import time

import pytest

from equinet.routes.optimiser import InfeasibleRoute, Point, TravelModel, Visit, optimise, walk

MODEL = TravelModel(road_factor=1.3, average_speed_kmh=50.0)
DEPOT = Point(59.8586, 17.6389)  # Uppsala


def _random_visits(rng: random.Random, count: int) -> list[Visit]:
    return [
        Visit(
            Point(
                DEPOT.latitude + rng.uniform(-0.4, 0.4), DEPOT.longitude + rng.uniform(-0.7, 0.7)
            ),
            rng.choice((30, 45, 60, 90)),
        )
        for _ in range(count)
    ]


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_optimised_route_is_never_longer_than_the_given_order(seed: int) -> None:
    rng = random.Random(seed)
    visits = _random_visits(rng, rng.randint(3, 12))
    given = list(range(len(visits)))
    rng.shuffle(given)

    chosen = walk(DEPOT, visits, 8 * 60, MODEL, given)
    best = optimise(DEPOT, visits, 8 * 60, MODEL, given_order=given, time_limit_ms=100)

    assert sorted(best.order) == list(range(len(visits)))
    assert best.total_km <= chosen.total_km + 1e-9
    # Starts and ends at the provider's location: the legs add up to the total.
    legs = sum(s.km_from_previous for s in best.stops)
    last = visits[best.order[-1]].point
    assert best.total_km == pytest.approx(legs + MODEL.km(last, DEPOT))


def test_a_zigzag_order_is_untangled() -> None:
    # Four stables on a line east of the depot, given in a zigzag: the best is out and back.
    visits = [Visit(Point(59.8586, 17.6389 + 0.2 * k), 30) for k in (4, 1, 3, 2)]
    chosen = walk(DEPOT, visits, 480, MODEL, [0, 1, 2, 3])
    best = optimise(DEPOT, visits, 480, MODEL, given_order=[0, 1, 2, 3], time_limit_ms=100)
    farthest = MODEL.km(DEPOT, visits[0].point)
    assert best.total_km == pytest.approx(2 * farthest, rel=1e-3)
    assert best.total_km < chosen.total_km * 0.8


def test_time_windows_and_service_durations_shape_the_plan() -> None:
    morning = Visit(Point(59.95, 17.70), 60, earliest=8 * 60, latest=9 * 60)
    # Must be visited from 13:00; arriving earlier means waiting.
    afternoon = Visit(Point(59.80, 17.60), 30, earliest=13 * 60, latest=14 * 60)
    # The given order (afternoon first) cannot be driven: the morning window has closed.
    with pytest.raises(InfeasibleRoute):
        walk(DEPOT, [afternoon, morning], 8 * 60, MODEL, [0, 1])
    best = optimise(
        DEPOT, [afternoon, morning], 8 * 60, MODEL, given_order=[0, 1], time_limit_ms=100
    )
    assert best.order == (1, 0)
    first, second = best.stops
    assert 8 * 60 <= first.arrival <= 9 * 60
    assert first.departure == pytest.approx(first.arrival + 60)
    assert second.arrival == 13 * 60  # waited for the window
    assert second.departure == 13 * 60 + 30
    assert best.total_minutes == pytest.approx(best.back_at - 8 * 60)


def test_a_window_nobody_can_reach_is_infeasible() -> None:
    far = Visit(Point(63.8, 20.3), 30, earliest=8 * 60, latest=8 * 60 + 30)  # Umeå by 08:30
    with pytest.raises(InfeasibleRoute):
        optimise(DEPOT, [far], 8 * 60, MODEL)
    with pytest.raises(InfeasibleRoute):
        walk(DEPOT, [far], 8 * 60, MODEL, [0])


def test_thirty_stops_optimise_in_under_a_second() -> None:
    visits = _random_visits(random.Random(30), 30)
    started = time.perf_counter()
    best = optimise(DEPOT, visits, 8 * 60, MODEL, time_limit_ms=300)
    assert time.perf_counter() - started < 1.0
    assert len(best.stops) == 30


def test_stops_are_projected_into_the_svg_viewbox_north_up() -> None:
    from equinet.routes.map import SvgPoint, project

    points = [(59.86, 17.64), (59.96, 17.64), (59.86, 17.84)]
    drawn = project(points, width=600, height=400, padding=20)
    assert all(20 <= p.x <= 580 and 20 <= p.y <= 380 for p in drawn)
    assert drawn[1].y < drawn[0].y  # further north is higher up
    assert drawn[2].x > drawn[0].x  # further east is to the right
    assert project([(59.0, 17.0)], width=600, height=400) == [SvgPoint(300, 200)]
