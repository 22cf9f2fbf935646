"""The slow-query log (design document A3/O1): statement durations above two thresholds."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from equinet.kit.metrics import DB_QUERY_DURATION, DB_SLOW_QUERIES

logger = logging.getLogger("equinet.db.slow_query")

_WHITESPACE = re.compile(r"\s+")
_TABLE = re.compile(r'\b(?:FROM|INTO|UPDATE|JOIN)\s+"?(\w+)"?', re.IGNORECASE)
_SHORT_LENGTH = 160


def short_statement(statement: str) -> str:
    """The statement on one line, cut to a readable length."""
    flat = _WHITESPACE.sub(" ", statement).strip()
    return flat if len(flat) <= _SHORT_LENGTH else flat[: _SHORT_LENGTH - 1] + "…"


def statement_table(statement: str) -> str | None:
    match = _TABLE.search(statement)
    return match.group(1) if match else None


class SlowQueryLog:
    """Times every statement of an engine; logs INFO above `info_ms`, WARNING above `warning_ms`."""

    def __init__(self, info_ms: int, warning_ms: int) -> None:
        self.info_ms = info_ms
        self.warning_ms = warning_ms

    def install(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "handle_error", self._failed)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("equinet_query_start", []).append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self._observe(conn, statement, failed=False)

    def _failed(self, context: Any) -> None:
        if context.connection is not None and context.statement is not None:
            self._observe(context.connection, context.statement, failed=True)

    def _observe(self, conn: Any, statement: str, *, failed: bool) -> None:
        starts = conn.info.get("equinet_query_start")
        if not starts:
            return
        duration_ms = (time.perf_counter() - starts.pop()) * 1000
        self.record(duration_ms, statement, failed=failed)

    def record(self, duration_ms: float, statement: str, *, failed: bool = False) -> None:
        # Every statement feeds /metrics (O1); only the slow ones are logged.
        DB_QUERY_DURATION.observe(duration_ms / 1000)
        if duration_ms < self.info_ms:
            return
        level = logging.WARNING if duration_ms >= self.warning_ms else logging.INFO
        DB_SLOW_QUERIES.labels(level=logging.getLevelName(level).lower()).inc()
        table = statement_table(statement)
        logger.log(
            level,
            "slow query %.0f ms%s%s: %s",
            duration_ms,
            f" on {table}" if table else "",
            " (failed)" if failed else "",
            short_statement(statement),
            extra={
                "duration_ms": round(duration_ms, 1),
                "table": table,
                "statement": short_statement(statement),
                "failed": failed,
            },
        )
