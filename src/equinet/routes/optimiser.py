"""Route planning in-process: the day's walk through the stops, in a given order or optimised.

A route starts and ends at the provider's location and visits every stop once. Travel between
two points is the haversine distance times a road factor, driven at an average speed (both
settings). Each stop has a service duration and may have a time window for the arrival
(minutes after local midnight); arriving early means waiting. The optimiser is OR-Tools'
routing solver, started from the provider's own order, so its answer is never longer than
that order; the walk of the chosen order is then recomputed exactly here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from equinet.kit.geo import haversine_km

# Room for waiting on time windows, on top of the longest possible drive.
HORIZON_MINUTES = 24 * 60


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Visit:
    """One stop to make: where, for how long, and when the arrival must fall (if it must)."""

    point: Point
    service_minutes: int
    earliest: int | None = None
    latest: int | None = None


@dataclass(frozen=True)
class TravelModel:
    road_factor: float
    average_speed_kmh: float

    def km(self, a: Point, b: Point) -> float:
        return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude) * self.road_factor

    def minutes(self, a: Point, b: Point) -> float:
        return self.km(a, b) / self.average_speed_kmh * 60


@dataclass(frozen=True)
class PlannedStop:
    visit: int  # index into the visits
    arrival: float  # minutes after local midnight
    departure: float
    km_from_previous: float


@dataclass(frozen=True)
class Plan:
    order: tuple[int, ...]
    stops: tuple[PlannedStop, ...]
    total_km: float
    total_minutes: float  # from leaving the provider's location to being back
    back_at: float


class InfeasibleRoute(Exception):
    """No order of the stops meets every time window (or the given order does not)."""

    def __init__(self, late_visit: int | None = None) -> None:
        self.late_visit = late_visit
        super().__init__(f"visit {late_visit} cannot be reached in its time window")


def walk(
    depot: Point,
    visits: Sequence[Visit],
    start: int,
    model: TravelModel,
    order: Sequence[int],
) -> Plan:
    """The day as driven in `order`: arrivals, waits for windows, distance and duration."""
    if sorted(order) != list(range(len(visits))):
        raise ValueError("order must name every visit exactly once")
    clock = float(start)
    here = depot
    total_km = 0.0
    stops = []
    for index in order:
        visit = visits[index]
        leg = model.km(here, visit.point)
        clock += model.minutes(here, visit.point)
        if visit.earliest is not None and clock < visit.earliest:
            clock = float(visit.earliest)
        if visit.latest is not None and clock > visit.latest + 1e-6:
            raise InfeasibleRoute(index)
        arrival = clock
        clock += visit.service_minutes
        stops.append(PlannedStop(index, arrival, clock, leg))
        total_km += leg
        here = visit.point
    total_km += model.km(here, depot)
    clock += model.minutes(here, depot)
    return Plan(tuple(order), tuple(stops), total_km, clock - start, clock)


def _solver_order(
    depot: Point,
    visits: Sequence[Visit],
    start: int,
    model: TravelModel,
    initial: Sequence[int] | None,
    time_limit_ms: int,
) -> list[int] | None:
    points = [depot, *(v.point for v in visits)]
    size = len(points)
    metres = [[round(model.km(a, b) * 1000) for b in points] for a in points]
    # Whole minutes, rounded up, so a plan the solver accepts is never late when walked exactly.
    travel = [[math.ceil(model.minutes(a, b) - 1e-9) for b in points] for a in points]
    service = [0, *(v.service_minutes for v in visits)]
    # Imported here: OR-Tools adds ~20 MB to every worker, and only route planning needs it.
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    manager = pywrapcp.RoutingIndexManager(size, 1, 0)
    routing = pywrapcp.RoutingModel(manager)

    def distance(from_index: int, to_index: int) -> int:
        return int(metres[manager.IndexToNode(from_index)][manager.IndexToNode(to_index)])

    def elapsed(from_index: int, to_index: int) -> int:
        a, b = int(manager.IndexToNode(from_index)), int(manager.IndexToNode(to_index))
        return int(service[a] + travel[a][b])

    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitCallback(distance))
    time_callback = routing.RegisterTransitCallback(elapsed)
    # No route lasts longer than every stop's work plus its longest way out, waits aside.
    horizon = start + HORIZON_MINUTES + sum(service) + sum(max(row) for row in travel)
    routing.AddDimension(time_callback, horizon, horizon, False, "time")
    clock = routing.GetDimensionOrDie("time")
    clock.CumulVar(routing.Start(0)).SetRange(start, start)
    for node, visit in enumerate(visits, start=1):
        earliest = max(start, visit.earliest if visit.earliest is not None else start)
        latest = min(horizon, visit.latest if visit.latest is not None else horizon)
        if earliest > latest:
            return None
        clock.CumulVar(manager.NodeToIndex(node)).SetRange(earliest, latest)

    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    parameters.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    parameters.time_limit.FromMilliseconds(time_limit_ms)

    solution = None
    if initial is not None:
        routing.CloseModelWithParameters(parameters)
        assignment = routing.ReadAssignmentFromRoutes([[i + 1 for i in initial]], True)
        if assignment is not None:
            solution = routing.SolveFromAssignmentWithParameters(assignment, parameters)
    if solution is None:
        solution = routing.SolveWithParameters(parameters)
    if solution is None:
        return None
    order = []
    index = solution.Value(routing.NextVar(routing.Start(0)))
    while not routing.IsEnd(index):
        order.append(manager.IndexToNode(index) - 1)
        index = solution.Value(routing.NextVar(index))
    return order


def optimise(
    depot: Point,
    visits: Sequence[Visit],
    start: int,
    model: TravelModel,
    *,
    given_order: Sequence[int] | None = None,
    time_limit_ms: int = 500,
) -> Plan:
    """The shortest walk found within the time limit, never longer than `given_order`."""
    if not visits:
        return walk(depot, visits, start, model, [])
    order = list(given_order) if given_order is not None else list(range(len(visits)))
    baseline: Plan | None
    try:
        baseline = walk(depot, visits, start, model, order)
    except InfeasibleRoute:
        baseline = None
    best = baseline
    if len(visits) > 1:
        found = _solver_order(
            depot, visits, start, model, order if baseline else None, time_limit_ms
        )
        if found is not None:
            try:
                candidate = walk(depot, visits, start, model, found)
            except InfeasibleRoute:
                candidate = None
            if candidate is not None and (best is None or candidate.total_km < best.total_km):
                best = candidate
    if best is None:
        raise InfeasibleRoute()
    return best
