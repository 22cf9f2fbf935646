"""Route optimisation: time to optimise N stops and the distance saved over the given order.

For each of RUNS seeded random instances (N stables scattered within ~40 km of Uppsala, 30-90
minutes of work each, no time windows), the provider's "given" order is the random order the
stops came in. It reports the optimiser's wall time (median and worst) and the route length of
the given order against the optimised one; the optimised route must never be longer.

    .venv/bin/python bench/route_optimisation.py --stops 30 --runs 10
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from equinet.routes.optimiser import Point, TravelModel, Visit, optimise, walk
from equinet.settings import Settings

DEPOT = Point(59.8586, 17.6389)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stops", type=int, default=30)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--time-limit-ms", type=int, default=None)
    args = parser.parse_args()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    model = TravelModel(settings.route_road_factor, settings.route_average_speed_kmh)
    limit = args.time_limit_ms or settings.route_optimisation_time_limit_ms

    times, given_km, best_km = [], [], []
    for seed in range(args.runs):
        rng = random.Random(seed)
        visits = [
            Visit(
                Point(DEPOT.latitude + rng.uniform(-0.35, 0.35),
                      DEPOT.longitude + rng.uniform(-0.6, 0.6)),
                rng.choice((30, 45, 60, 90)),
            )
            for _ in range(args.stops)
        ]  # fmt: skip
        order = list(range(args.stops))
        given = walk(DEPOT, visits, 7 * 60, model, order)
        started = time.perf_counter()
        best = optimise(DEPOT, visits, 7 * 60, model, given_order=order, time_limit_ms=limit)
        times.append(time.perf_counter() - started)
        given_km.append(given.total_km)
        best_km.append(best.total_km)
        if best.total_km > given.total_km + 1e-9:
            print(f"run {seed}: optimised {best.total_km:.1f} km > given {given.total_km:.1f} km")
            return 1

    saved = [1 - b / g for b, g in zip(best_km, given_km, strict=True)]
    print(
        "| stops | runs | time limit | median time | worst time | given km (median) "
        "| optimised km (median) | saved (median) | never longer |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.stops} | {args.runs} | {limit} ms | {statistics.median(times) * 1000:.0f} ms "
        f"| {max(times) * 1000:.0f} ms | {statistics.median(given_km):.0f} "
        f"| {statistics.median(best_km):.0f} | {statistics.median(saved) * 100:.0f} % | yes |"
    )
    return 0 if max(times) < 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
