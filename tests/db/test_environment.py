"""Environments cannot be confused (E1-E3, design.md rule 8): each database carries the stamp of
the environment that first migrated it, and production refuses an unsafe configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager

from equinet.app import create_app
from equinet.db import migrations
from equinet.db.environment_stamp import DestructiveCommandRefused, EnvironmentMismatch
from equinet.db.urls import DatabaseTarget
from equinet.ops import database
from equinet.ops.scratch import scratch_database
from equinet.settings import ConfigurationError, Environment, Settings
from tests.conftest import make_settings
from tests.db.support import public_tables, row_counts, run_cli, value

pytestmark = pytest.mark.schema

STRONG_SECRET = "k3y-" + "x" * 44
# What `equinet db ...` needs to accept a production configuration at all (no real Redis use).
PRODUCTION_CONFIG = {"secret_key": STRONG_SECRET, "redis_url": "redis://127.0.0.1:6379/0"}


async def _stamp(target: DatabaseTarget) -> str | None:
    return await value(target, 'SELECT environment FROM "EnvironmentStamp" WHERE id = 1')


async def _revision(target: DatabaseTarget) -> str | None:
    return await value(target, "SELECT version_num FROM alembic_version")


@pytest.fixture(scope="module")
async def staging_database(database_server: DatabaseTarget) -> AsyncIterator[DatabaseTarget]:
    """A database first migrated by staging: it belongs to staging from now on. Shared by the
    tests below, which only ever see it refused (and check that it stays unchanged)."""
    async with scratch_database(database_server, "staging") as target:
        await database.migrate(target, make_settings(target, equinet_env="staging"))
        yield target


async def test_first_migration_stamps_the_running_environment(scratch: DatabaseTarget) -> None:
    run = await database.migrate(scratch, make_settings(scratch))
    assert run.environment == "test"
    assert await _stamp(scratch) == "test"
    again = await database.migrate(scratch, make_settings(scratch))
    assert again.environment == "test" and again.applied == []


async def test_tools_refuse_a_database_stamped_by_another_environment(
    staging_database: DatabaseTarget,
) -> None:
    settings = make_settings(staging_database)  # EQUINET_ENV=test
    attempts: dict[str, Callable[[], Awaitable[object]]] = {
        "migrate": lambda: database.migrate(staging_database, settings),
        "seed": lambda: database.seed(staging_database, settings),
        "seed --force": lambda: database.seed(staging_database, settings, force=True),
        "reset": lambda: database.reset(staging_database, settings),
        "downgrade": lambda: database.downgrade(staging_database, settings, "0002"),
    }
    for name, attempt in attempts.items():
        with pytest.raises(EnvironmentMismatch) as refused:
            await attempt()
        message = str(refused.value)
        assert "stamped 'staging'" in message and "EQUINET_ENV is 'test'" in message, name
    assert await _stamp(staging_database) == "staging"
    assert await _revision(staging_database) == migrations.head_revision()
    assert not any((await row_counts(staging_database)).values())


async def test_cli_commands_refuse_a_database_stamped_by_another_environment(
    staging_database: DatabaseTarget,
) -> None:
    for command in (
        ["db", "migrate"],
        ["db", "seed"],
        ["db", "seed", "--force"],
        ["db", "reset", "--yes"],
        ["db", "downgrade", "0002"],
    ):
        result = await run_cli(staging_database, *command)
        assert result.exit_code == 1, (command, result.output)
        assert "stamped 'staging' but EQUINET_ENV is 'test'" in result.stderr, command
        assert "Traceback" not in result.output
    assert await _revision(staging_database) == migrations.head_revision()
    assert "User" in await public_tables(staging_database)


async def test_app_refuses_to_start_on_another_environments_database(
    staging_database: DatabaseTarget,
) -> None:
    app = create_app(make_settings(staging_database))
    with pytest.raises(EnvironmentMismatch, match="stamped 'staging' but EQUINET_ENV is 'test'"):
        async with LifespanManager(app):
            pass


@pytest.mark.parametrize("environment", ["staging", "production"])
async def test_destructive_commands_refuse_staging_and_production_even_on_their_own_database(
    scratch: DatabaseTarget, environment: str
) -> None:
    settings = make_settings(scratch, equinet_env=environment, **PRODUCTION_CONFIG)
    await database.migrate(scratch, settings)
    assert await _stamp(scratch) == environment
    attempts: list[Callable[[], Awaitable[object]]] = [
        lambda: database.reset(scratch, settings),
        lambda: database.seed(scratch, settings, force=True),
        lambda: database.downgrade(scratch, settings, "0002"),
    ]
    for attempt in attempts:
        with pytest.raises(DestructiveCommandRefused, match=f"EQUINET_ENV is '{environment}'"):
            await attempt()
    for command in (
        ["db", "reset", "--yes"],
        ["db", "seed", "--force"],
        ["db", "downgrade", "0002"],
    ):
        result = await run_cli(scratch, *command, env=environment, **PRODUCTION_CONFIG)
        assert result.exit_code == 1, (command, result.output)
        assert f"EQUINET_ENV is '{environment}'" in result.stderr, command
    assert await _revision(scratch) == migrations.head_revision()
    assert await _stamp(scratch) == environment


def _production(**values: object) -> Settings:
    base: dict[str, object] = {
        "equinet_env": Environment.production,
        "database_url": "postgresql://equinet@db.example.com:5432/equinet?sslmode=require",
        "secret_key": STRONG_SECRET,
        "redis_url": "redis://cache.example.com:6379/0",
    }
    base.update(values)
    return Settings(_env_file=None, **base)  # type: ignore[arg-type]


def test_a_safe_production_configuration_is_accepted() -> None:
    settings = _production()
    assert settings.problems() == []
    assert settings.check() is settings
    local = _production(database_url="postgresql://equinet@127.0.0.1:5432/equinet")
    assert local.problems() == []


@pytest.mark.parametrize("secret", ["", "dev-secret-change-me", "short-secret"])
def test_production_refuses_a_missing_or_default_secret(secret: str) -> None:
    problems = _production(secret_key=secret).problems()
    assert len(problems) == 1
    assert problems[0].startswith("SECRET_KEY is missing, the development default")
    assert "set SECRET_KEY" in problems[0]


def test_production_refuses_a_database_url_without_tls_to_another_host() -> None:
    problems = _production(
        database_url="postgresql://equinet@db.example.com:5432/equinet"
    ).problems()
    assert problems == [
        "DATABASE_URL connects to db.example.com without TLS: add `sslmode=require` "
        "(or verify-full) to its query string."
    ]


def test_production_refuses_to_run_without_redis() -> None:
    with pytest.raises(ConfigurationError) as refused:
        _production(redis_url=None).check()
    assert refused.value.problems == [
        "REDIS_URL is not set: production needs Redis so that rate limits and caches are "
        "shared by every worker; set REDIS_URL=redis://host:6379/0."
    ]


def test_serve_refuses_an_unsafe_production_configuration(tmp_path: Path) -> None:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "DIRECT_DATABASE_URL", "REDIS_URL", "SECRET_KEY"}
    }
    environment |= {
        "EQUINET_ENV": "production",
        "DATABASE_URL": "postgresql://equinet@db.example.com:5432/equinet",
        "SECRET_KEY": "dev-secret-change-me",
    }
    command = [sys.executable, "-c", "from equinet.cli import main; main()", "serve"]
    # A directory without `.env`, so only the variables above count.
    finished = subprocess.run(
        command, cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=60
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 2, output
    assert "SECRET_KEY" in finished.stderr
    assert "DATABASE_URL connects to db.example.com without TLS" in finished.stderr
    assert "REDIS_URL is not set" in finished.stderr
    assert "Traceback" not in output
    assert "Uvicorn running" not in output and "on http://" not in output
