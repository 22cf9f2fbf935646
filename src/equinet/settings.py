"""Settings and environments: the one place configuration is read (environment and `.env`)."""

from __future__ import annotations

import json
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from starlette.requests import Request

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
    # A streaming replica for the public listings (equinet.db.replica); unset: the primary.
    database_replica_url: str | None = None
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

    # Backups (B1-B5); BACKUP_DIR (dumps + manifests) is declared further down. Off-site
    # copies: the default `equinet backup push` destination (s3://bucket/prefix), an
    # S3-compatible endpoint (MinIO...; unset for AWS), keys (unset: AWS's default chain).
    backup_s3_url: str | None = None
    backup_s3_endpoint_url: str | None = None
    backup_s3_region: str | None = None
    backup_s3_access_key_id: str | None = None
    backup_s3_secret_access_key: str | None = None
    # Folder of pg_dump/pg_restore when PATH's are too old for the server (unset: pgserver's
    # for the embedded database, PATH otherwise).
    pg_bin_dir: Path | None = None

    # Maintenance mode (B3): every worker reads the state from the database, cached this long.
    maintenance_cache_seconds: float = Field(2.0, ge=0)
    maintenance_retry_after_seconds: int = Field(120, ge=1)

    # Monitoring (O1-O5): `equinet monitor` scrapes the running app's /metrics at this URL;
    # unset, where `equinet serve` of this checkout listens (else HOST and PORT).
    monitor_app_url: str = ""
    # `monitor` keeps a small time series of the app's counters here to measure "per hour".
    monitor_history_file: Path = Field(
        default_factory=lambda: PROJECT_ROOT / ".equinet" / "monitor-history.json"
    )
    # Alert thresholds of `equinet monitor --check` (design document O4).
    alert_connections_percent: float = 80.0
    alert_cache_hit_ratio: float = 0.90
    alert_database_size_mb: float = 400.0
    alert_p95_seconds: float = 2.0
    alert_errors_per_hour: float = 5.0
    alert_backup_max_age_hours: float = 26.0
    alert_failed_jobs: int = Field(0, ge=0)
    # Sentry: database errors and crashes are reported when SENTRY_DSN is set.
    sentry_dsn: str | None = None
    sentry_traces_sample_rate: float = Field(0.0, ge=0, le=1)
    backup_dir: Path = Path("backups")

    # E-mail: SMTP when SMTP_HOST is set, otherwise one .eml file per message in EMAIL_OUTBOX_DIR.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    email_from: str = "Equinet <noreply@equinet.se>"
    email_outbox_dir: Path = Field(default_factory=lambda: PROJECT_ROOT / "var" / "outbox")
    # Where links in e-mails point (verification, password reset, receipt). Unset, it follows
    # HOST and PORT, so `equinet serve --port 8123` writes links to port 8123.
    public_base_url: str = ""
    # Online geocoder (a Nominatim-compatible search URL); unset, only the offline Swedish places.
    geocoder_url: str | None = None
    geocoder_timeout_seconds: float = Field(3.0, gt=0, le=30)

    # Sessions (OWASP ASVS v5 §7): idle timeout and absolute lifetime of a login.
    session_idle_minutes: int = Field(60 * 24 * 7, ge=1)
    session_absolute_hours: int = Field(24 * 30, ge=1)

    # Rate limits (S4). Production numbers by default; RATE_LIMIT_MULTIPLIER scales all nine
    # (unset: 1, except EQUINET_ENV=test where unrelated tests must not trip them), and
    # RATE_LIMITS='{"login": "2/minute"}' replaces single limiters (`limits` notation).
    rate_limit_enabled: bool = True
    rate_limit_multiplier: float | None = Field(None, gt=0)
    rate_limits: dict[str, str] = Field(default_factory=dict)
    # Per-IP login attempts allowed per login window = login limit x this (people behind one
    # NAT address share it; the per-e-mail limit stays at the login limit itself).
    rate_limit_login_ip_factor: int = Field(4, ge=1)
    rate_limit_key_prefix: str = "equinet"
    # While Redis is unreachable the limiter counts per process and retries Redis this often
    # (the circuit breaker's open time, shared with the provider listing cache).
    rate_limit_redis_probe_seconds: float = Field(5.0, gt=0)
    # Proxies (CIDRs, comma-separated or JSON) whose X-Forwarded-For is believed; nobody
    # else's is.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # CSRF: origins allowed on cookie-authenticated unsafe requests, besides PUBLIC_BASE_URL's
    # and the request's own host.
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("trusted_proxies", "allowed_origins", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _public_base_url_follows_the_listener(self) -> Settings:
        if not self.public_base_url:
            # A wildcard listener is reached on loopback from this machine.
            host = "127.0.0.1" if self.host in {"0.0.0.0", "::", ""} else self.host
            host = f"[{host}]" if ":" in host else host
            self.public_base_url = f"http://{host}:{self.port}"
        return self

    @model_validator(mode="after")
    def _a_live_worker_is_never_taken_for_dead(self) -> Settings:
        if self.job_stalled_after_seconds < 2 * self.job_heartbeat_seconds:
            raise ValueError(
                "JOB_STALLED_AFTER_SECONDS must be at least twice JOB_HEARTBEAT_SECONDS, "
                "or a late heartbeat runs a live worker's jobs a second time"
            )
        return self

    @property
    def rate_limit_scale(self) -> float:
        if self.rate_limit_multiplier is not None:
            return self.rate_limit_multiplier
        return 1000.0 if self.equinet_env is Environment.test else 1.0

    # Booking rules: the minimum gap between two bookings on top of the travel
    # time, and how long before its start a slot can still be booked (Europe/Stockholm).
    booking_min_buffer_minutes: int = Field(60, ge=0, le=24 * 60)
    booking_min_notice_minutes: int = Field(60, ge=0, le=7 * 24 * 60)
    # Public provider listings are cached this long (Redis when REDIS_URL is set).
    provider_cache_ttl_seconds: int = Field(300, ge=0)
    # With DATABASE_REPLICA_URL: the replica lag a listing may show; invalidations repeat after it.
    replica_lag_allowance_seconds: float = Field(2.0, ge=0)
    # `equinet db explain` flags sequential scans of tables with at least this many rows.
    explain_large_table_rows: int = Field(10_000, ge=0)
    # The scheduler's bearer token for /api/cron/send-reminders; unset: the route always 401s.
    cron_secret: str | None = None

    # Uploads: stored in UPLOAD_DIR, or in an S3-compatible bucket when UPLOAD_STORAGE=s3
    # (UPLOAD_S3_ENDPOINT_URL for MinIO and the like; unset keys use AWS's default chain).
    upload_storage: str = Field("local", pattern="^(local|s3)$")
    upload_dir: Path = Field(default_factory=lambda: PROJECT_ROOT / "var" / "uploads")
    upload_s3_bucket: str | None = None
    upload_s3_prefix: str = ""
    upload_s3_endpoint_url: str | None = None
    upload_s3_region: str | None = None
    upload_s3_access_key_id: str | None = None
    upload_s3_secret_access_key: str | None = None
    # The largest file each bucket accepts, in bytes.
    upload_max_bytes_avatars: int = Field(2 * 1024 * 1024, ge=1)
    upload_max_bytes_horses: int = Field(5 * 1024 * 1024, ge=1)
    upload_max_bytes_verifications: int = Field(10 * 1024 * 1024, ge=1)
    # Two-factor login: the name authenticator apps show, and how long the second step waits.
    totp_issuer: str = "Equinet"
    login_challenge_minutes: int = Field(5, ge=1, le=60)
    # Route planning: travel time is the haversine distance times the road factor, driven at
    # the average speed; the optimiser searches this long for a shorter order of the stops.
    route_road_factor: float = Field(1.3, ge=1, le=3)
    route_average_speed_kmh: float = Field(50.0, gt=0, le=130)
    route_optimisation_time_limit_ms: int = Field(500, ge=10, le=10_000)

    # Payments: the gateway's HTTP API. Unset in development: the demo gateway that
    # `equinet serve` mounts at /_demo/gateway on the app's own port. A charge may take
    # PAYMENT_GATEWAY_TIMEOUT_SECONDS; a payment still pending after
    # PAYMENT_RECONCILE_AFTER_SECONDS (keep it above the timeout) is settled with the gateway's
    # ledger by `reconcile_pending_payments`.
    payment_gateway_url: str | None = None
    payment_gateway_timeout_seconds: float = Field(10.0, gt=0)
    payment_reconcile_after_seconds: float = Field(120.0, ge=0)
    # VAT included in every price, in percent (VAT_RATE=25 is 25 %); receipts show net and VAT.
    vat_rate: Decimal = Field(Decimal(25), ge=0, lt=100)

    @property
    def payment_gateway_base_url(self) -> str | None:
        if self.payment_gateway_url:
            return self.payment_gateway_url
        if self.equinet_env is Environment.development:
            host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
            return f"http://{host}:{self.port}/_demo/gateway"
        return None

    # Background jobs: a failed job runs again after base, 2 x base, 4 x base ... seconds
    # (capped), at most JOB_MAX_ATTEMPTS runs in all, then stays as failed.
    job_retry_base_seconds: float = Field(2.0, gt=0)
    job_retry_max_seconds: float = Field(120.0, gt=0)
    job_max_attempts: int = Field(15, ge=1)
    # Jobs one worker runs at once, and its fallback poll when no NOTIFY arrives.
    worker_concurrency: int = Field(4, ge=1)
    worker_poll_seconds: float = Field(5.0, gt=0)
    # Every worker beats this often; one silent for JOB_STALLED_AFTER_SECONDS is taken for
    # dead (killed, host lost) and the jobs it left running are queued again by the others.
    job_heartbeat_seconds: float = Field(5.0, gt=0)
    job_stalled_after_seconds: float = Field(20.0, gt=0)
    # `equinet serve` starts an `equinet worker` beside the server (off: run workers yourself).
    serve_worker: bool = True
    # Faults and bad input: request bodies above this many bytes are refused with 413 before
    # they are parsed; a body that takes longer than this to arrive is refused with 408.
    request_max_body_bytes: int = Field(1_048_576, ge=1)
    request_body_timeout_seconds: float = Field(10.0, gt=0)
    # Every cache and rate-limit call to Redis gives up after this long (a hung Redis costs
    # at most this), and after an outage Redis must answer this long before the limiter stops
    # counting per process too (a flapping Redis never resets the per-process counts).
    redis_timeout_seconds: float = Field(0.25, gt=0)
    redis_recovery_seconds: float = Field(12.0, ge=0)
    # `/metrics`: a scraper sends `Authorization: Bearer <METRICS_TOKEN>`; in production
    # without a matching token only a loopback client may read it.
    metrics_token: str | None = None

    # Fortnox (accounting): the integration is on when FORTNOX_CLIENT_ID is set. The OAuth
    # endpoints default to Fortnox's own next to the API (apps.fortnox.se/oauth-v1); a local
    # stand-in serves both under one origin. Tokens are stored AES-256-GCM encrypted with
    # FORTNOX_ENCRYPTION_KEY (32 bytes, base64 or hex).
    fortnox_base_url: str = "https://api.fortnox.se/3"
    fortnox_auth_url: str | None = None
    fortnox_client_id: str | None = None
    fortnox_client_secret: str | None = None
    # Unset: PUBLIC_BASE_URL + /api/integrations/fortnox/callback.
    fortnox_redirect_uri: str | None = None
    fortnox_scope: str = "customer invoice"
    fortnox_encryption_key: str | None = None
    fortnox_timeout_seconds: float = Field(20.0, gt=0)
    fortnox_payment_terms_days: int = Field(30, ge=0, le=365)

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
            ("DATABASE_REPLICA_URL", self.database_replica_url),
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
        if self.fortnox_client_id and not fortnox_key_is_valid(self.fortnox_encryption_key):
            found.append(
                "FORTNOX_ENCRYPTION_KEY is missing or not 32 bytes while the Fortnox integration "
                "is on: set FORTNOX_ENCRYPTION_KEY to 32 random bytes in base64, e.g. "
                "`python -c 'import os, base64; print(base64.b64encode(os.urandom(32)).decode())'`."
            )
        return found

    def check(self) -> Settings:
        problems = self.problems()
        if problems:
            raise ConfigurationError(problems)
        return self


TLS_MODES = {"require", "verify-ca", "verify-full"}


def fortnox_key_is_valid(value: str | None) -> bool:
    from equinet.accounting.crypto import parse_key

    try:
        parse_key(value or "")
    except ValueError:
        return False
    return True


@lru_cache
def get_settings() -> Settings:
    return Settings()


def settings_with(**overrides: Any) -> Settings:
    """A copy of the current settings with some values replaced (tests, CLI flags)."""
    return get_settings().model_copy(update=overrides)


def settings_of(request: Request) -> Settings:
    """The running app's settings (made once by `create_app`), for routes, pages and dependencies.

    `Request` is imported at run time: FastAPI reads this signature when it is a dependency."""
    settings: Settings = request.app.state.settings
    return settings
