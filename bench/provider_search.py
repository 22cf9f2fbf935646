"""Provider search in one process: app CPU per request and a pyinstrument profile.

`httpx.ASGITransport` drives `create_app` (every middleware, SQL, serialisation) one request
at a time for the three listing shapes (by city, free text, near a point), with the listing
cache off and on. App CPU (`time.process_time()` per request) moves far less with the
machine's background load than req/s, so it is the figure to compare before and after.

    .venv/bin/python bench/provider_search.py \
        --url postgresql://postgres@127.0.0.1:5432/equinet_perfprov --requests 200 [--profile]

Loopback databases only; the database must be stamped `development`. REDIS_URL (if set) is
the cache's Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time

import httpx
from asgi_lifespan import LifespanManager

from equinet.app import create_app
from equinet.db.urls import is_local_host, parse_database_url
from equinet.settings import Settings

PATHS = {
    "city": "/api/providers?city=Stockholm",
    "text": "/api/providers?search=sko",
    "near": "/api/providers?latitude=59.3293&longitude=18.0686&radiusKm=25",
}


def _settings(url: str, ttl: int) -> Settings:
    return Settings(
        database_url=url,
        equinet_env="development",
        rate_limit_enabled=False,
        provider_cache_ttl_seconds=ttl,
        redis_url=os.environ.get("REDIS_URL") or None,
        log_level="WARNING",
    )


async def run(args: argparse.Namespace, ttl: int) -> None:
    app = create_app(_settings(args.url, ttl))
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for name, url in PATHS.items():
                for _ in range(args.warmup):
                    response = await client.get(url)
                    assert response.status_code == 200, (url, response.text)
                cpu: list[float] = []
                rates: list[float] = []
                for _ in range(args.repeats):
                    started, cpu_started = time.perf_counter(), time.process_time()
                    for _ in range(args.requests):
                        await client.get(url)
                    rates.append(args.requests / (time.perf_counter() - started))
                    cpu.append((time.process_time() - cpu_started) * 1000 / args.requests)
                label = "cached" if ttl else "uncached"
                print(
                    f"{name:5} {label:9} req/s {statistics.median(rates):7.0f}  "
                    f"app CPU ms {statistics.median(cpu):6.2f} (min {min(cpu):.2f})"
                )
                if args.profile and not ttl:
                    from pyinstrument import Profiler

                    profiler = Profiler(async_mode="enabled")
                    profiler.start()
                    for _ in range(args.requests):
                        await client.get(url)
                    profiler.stop()
                    print(profiler.output_text(unicode=False, color=False, show_all=False))


async def main(args: argparse.Namespace) -> None:
    if not is_local_host(parse_database_url(args.url).host):
        raise SystemExit("loopback databases only")
    await run(args, 0)
    if not args.uncached_only:
        await run(args, 300)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--uncached-only", action="store_true")
    asyncio.run(main(parser.parse_args()))
