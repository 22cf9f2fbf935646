"""Database URLs as the design document writes them, turned into what asyncpg needs.

`postgresql://u:p@host:5432/db?pgbouncer=true&connection_limit=10&sslmode=require` is the
Prisma-style URL Equinet has always used. `connection_limit` sets our pool size, `pgbouncer`
switches off prepared-statement caching, `pool_timeout` (seconds) bounds the wait for a pooled
connection, `sslmode` becomes asyncpg's `ssl`. Everything else is passed through.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import URL, make_url

# Query parameters that belong to us (or to Prisma) and must not reach asyncpg.
_OWN_PARAMETERS = {
    "pgbouncer",
    "connection_limit",
    "pool_timeout",
    "sslmode",
    "schema",
    "connect_timeout",
}
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}


@dataclass(frozen=True)
class DatabaseTarget:
    """One parsed database URL: where to connect and how to pool."""

    url: URL  # postgresql+asyncpg://..., without our own parameters
    pool_size: int | None
    pool_timeout: float | None
    pgbouncer: bool
    ssl_mode: str | None
    connect_timeout: float | None

    @property
    def host(self) -> str:
        host = self.url.host or self.url.query.get("host") or ""
        return host if isinstance(host, str) else host[0]

    @property
    def database(self) -> str:
        return self.url.database or "postgres"

    def describe(self) -> str:
        """Where this URL points, without the password: for logs and CLI output."""
        host = self.host
        where = f"socket {host}" if host.startswith("/") else f"{host}:{self.url.port or 5432}"
        return f"{self.database} on {where} as {self.url.username or 'postgres'}"

    def with_database(self, name: str) -> DatabaseTarget:
        return DatabaseTarget(
            url=self.url.set(database=name),
            pool_size=self.pool_size,
            pool_timeout=self.pool_timeout,
            pgbouncer=self.pgbouncer,
            ssl_mode=self.ssl_mode,
            connect_timeout=self.connect_timeout,
        )

    def libpq_url(self) -> str:
        """A plain `postgresql://` URL for libpq tools (pg_dump, psql)."""
        url = self.url.set(drivername="postgresql")
        if self.ssl_mode:
            url = url.update_query_dict({"sslmode": self.ssl_mode})
        return url.render_as_string(hide_password=False)


def _flag(value: str | tuple[str, ...] | None) -> bool:
    if isinstance(value, tuple):
        value = value[-1]
    return (value or "").lower() in {"1", "true", "yes", "on"}


def _single(value: str | tuple[str, ...] | None) -> str | None:
    if isinstance(value, tuple):
        return value[-1]
    return value


def parse_database_url(raw: str) -> DatabaseTarget:
    url = make_url(raw)
    if url.get_backend_name() not in {"postgresql", "postgres"}:
        raise ValueError(f"Equinet needs a PostgreSQL URL, got {url.get_backend_name()!r}")
    query = dict(url.query)
    limit = _single(query.get("connection_limit"))
    pool_timeout = _single(query.get("pool_timeout"))
    connect_timeout = _single(query.get("connect_timeout"))
    target = DatabaseTarget(
        url=url.set(
            drivername="postgresql+asyncpg",
            query={k: v for k, v in query.items() if k not in _OWN_PARAMETERS},
        ),
        pool_size=int(limit) if limit else None,
        pool_timeout=float(pool_timeout) if pool_timeout else None,
        pgbouncer=_flag(query.get("pgbouncer")),
        ssl_mode=_single(query.get("sslmode")),
        connect_timeout=float(connect_timeout) if connect_timeout else None,
    )
    if target.pool_size is not None and target.pool_size < 1:
        raise ValueError("connection_limit must be at least 1")
    return target


def is_local_host(host: str) -> bool:
    """Loopback addresses and Unix sockets need no TLS."""
    return host in _LOCAL_HOSTS or host.startswith("/")
