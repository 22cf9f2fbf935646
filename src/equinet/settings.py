"""Settings and environments: the one place configuration is read (environment and `.env`)."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from equinet.db.urls import is_local_host, parse_database_url

DEVELOPMENT_SECRET = "dev-secret-change-me"
PROJECT_ROOT = Path.cwd()


class Environment(StrEnum):
    development = "development"
    test = "test"
    staging = "staging"
    production = "production"


class ConfigurationError(RuntimeError):
    """The configuration is unsafe or incomplete; each line says what to set."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class Settings(BaseSettings):
    """Every setting Equinet reads. Names are the design document's (DATABASE_URL, ...)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    equinet_env: Environment = Environment.development

    # Pooled URL for the app (`?pgbouncer=true&connection_limit=10`); unset in development
    # means "start the embedded PostgreSQL".
    database_url: str | None = None
    # Direct URL for migrations and the CLI (bypasses PgBouncer).
    direct_database_url: str | None = None
    redis_url: str | None = None
    secret_key: str = DEVELOPMENT_SECRET

    db_pool_size: int = Field(
        10, ge=1, description="pool size when the URL has no connection_limit"
    )
    db_pool_timeout_seconds: float = Field(5.0, gt=0)
    db_statement_timeout_ms: int = Field(10_000, ge=0)
    db_slow_query_info_ms: int = 500
    db_slow_query_warning_ms: int = 2_000
    db_connect_attempts: int = Field(5, ge=1)
    db_connect_backoff_seconds: float = Field(0.5, ge=0)
    sql_echo: bool = False

    embedded_pg_dir: Path = Field(default_factory=lambda: PROJECT_ROOT / ".equinet" / "pgdata")
    embedded_database: str = "equinet"

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    # Development migrates and seeds the demo data when `equinet serve` starts.
    auto_migrate: bool | None = None

    # E-mail: SMTP when SMTP_HOST is set, otherwise one .eml file per message in EMAIL_OUTBOX_DIR.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    email_from: str = "Equinet <noreply@equinet.se>"
    email_outbox_dir: Path = Field(default_factory=lambda: PROJECT_ROOT / "var" / "outbox")
    # Where links in e-mails point (verification, password reset).
    public_base_url: str = "http://127.0.0.1:8000"

    # Sessions (OWASP ASVS v5 §7): idle timeout and absolute lifetime of a login.
    session_idle_minutes: int = Field(60 * 24 * 7, ge=1)
    session_absolute_hours: int = Field(24 * 30, ge=1)

    @property
    def session_cookie_name(self) -> str:
        # `__Host-` binds the cookie to this exact host over HTTPS; browsers refuse it on http.
        if self.equinet_env is Environment.production:
            return "__Host-equinet_session"
        return "equinet_session"

    @property
    def session_cookie_secure(self) -> bool:
        return self.equinet_env is Environment.production

    @property
    def migrates_on_start(self) -> bool:
        if self.auto_migrate is not None:
            return self.auto_migrate
        return self.equinet_env is Environment.development

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None and self.equinet_env in (
            Environment.development,
            Environment.test,
        )

    @property
    def echoes_sql(self) -> bool:
        return self.sql_echo and self.equinet_env is Environment.development

    @property
    def allows_destructive_commands(self) -> bool:
        return self.equinet_env in (Environment.development, Environment.test)

    def problems(self) -> list[str]:
        """What makes this configuration unfit for its environment, one line each."""
        found: list[str] = []
        if self.equinet_env is not Environment.production:
            return found
        if (
            not self.secret_key
            or self.secret_key == DEVELOPMENT_SECRET
            or len(self.secret_key) < 32
        ):
            found.append(
                "SECRET_KEY is missing, the development default, or shorter than 32 characters: "
                "set SECRET_KEY to a random value, e.g. "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )
        if not self.database_url:
            found.append(
                "DATABASE_URL is not set: production never uses the embedded database; set "
                "DATABASE_URL (pooled) and DIRECT_DATABASE_URL (for migrations)."
            )
        for name, url in (
            ("DATABASE_URL", self.database_url),
            ("DIRECT_DATABASE_URL", self.direct_database_url),
        ):
            if not url:
                continue
            target = parse_database_url(url)
            if not is_local_host(target.host) and target.ssl_mode not in TLS_MODES:
                found.append(
                    f"{name} connects to {target.host} without TLS: add `sslmode=require` "
                    "(or verify-full) to its query string."
                )
        if not self.redis_url:
            found.append(
                "REDIS_URL is not set: production needs Redis so that rate limits and caches are "
                "shared by every worker; set REDIS_URL=redis://host:6379/0."
            )
        return found

    def check(self) -> Settings:
        problems = self.problems()
        if problems:
            raise ConfigurationError(problems)
        return self


TLS_MODES = {"require", "verify-ca", "verify-full"}


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_with(**overrides: Any) -> Settings:
    """A copy of the current settings with some values replaced (tests, CLI flags)."""
    return get_settings().model_copy(update=overrides)
