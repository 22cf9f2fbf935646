"""Every fault drill, one after the other; exits non-zero when any of them failed.

Each drill is its own script (bench/drill_*.py) with its own throwaway services on loopback;
this runs them in turn on the same ports (each frees them before the next starts), prints each
drill's own report, and ends with one line per drill: passed or failed, and how long it took.

    .venv/bin/python bench/drills.py                    # default durations (about 16 min)
    .venv/bin/python bench/drills.py --quick            # shortened outages (9 to 14 min)
    .venv/bin/python bench/drills.py --only redis pool  # some of them
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name: (script, its arguments at default durations, the shortened ones of --quick)
DRILLS: dict[str, tuple[str, list[str], list[str]]] = {
    "postgres": ("drill_postgres_restart.py", [], ["--duration", "25", "--restart-at", "10"]),
    "redis": ("drill_redis.py", [], ["--outage", "20", "--baseline", "10", "--recovery", "35"]),
    "pool": ("drill_pool.py", [], ["--bursts", "3"]),
    "smtp": ("drill_smtp.py", [], ["--down", "20", "--before", "10", "--after", "10"]),
    "statement-timeout": ("drill_statement_timeout.py", [], ["--hold", "5"]),
    "worker-kill": ("drill_worker_kill.py", [], ["--bookings", "40", "--kill-after", "12"]),
}


def ports(name: str, args: argparse.Namespace) -> list[str]:
    if name == "smtp":  # a scratch database on BENCH_DATABASE_URL's server, its own SMTP port
        return ["--port", str(args.app_port)]
    found = ["--app-port", str(args.app_port), "--pg-port", str(args.pg_port)]
    if name == "redis":
        found += ["--redis-port", str(args.redis_port)]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(DRILLS), help="these drills only")
    parser.add_argument("--quick", action="store_true", help="shortened outages and loads")
    parser.add_argument("--app-port", type=int, default=8103)
    parser.add_argument("--pg-port", type=int, default=18103)
    parser.add_argument("--redis-port", type=int, default=18113)
    args = parser.parse_args()

    results: list[tuple[str, int, float, float]] = []
    began = time.monotonic()
    for name in args.only or list(DRILLS):
        script, normal, quick = DRILLS[name]
        command = [sys.executable, str(HERE / script), *ports(name, args)]
        command += quick if args.quick else normal
        print(f"=== drill {name}: {' '.join(command[1:])}", flush=True)
        started = time.monotonic()
        code = subprocess.run(command, check=False).returncode
        # Timings are noisy on a shared machine: the load at the end goes beside them.
        results.append((name, code, time.monotonic() - started, os.getloadavg()[1]))
    print("=== drills (load: 5-minute load average when the drill ended)")
    for name, code, seconds, load in results:
        verdict = "passed" if code == 0 else f"FAILED ({code})"
        print(f"{name:18} {verdict:12} {seconds:6.0f} s   load {load:.1f}")
    print(f"{'all':18} {'':12} {time.monotonic() - began:6.0f} s")
    raise SystemExit(0 if all(code == 0 for _, code, _, _ in results) else 1)


if __name__ == "__main__":
    main()
