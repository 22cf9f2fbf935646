"""Optional Sentry reporting (design document O5): crashes and database errors, when a DSN is set.

The FastAPI integration reports unhandled exceptions by itself. Database errors are different:
our handlers turn them into clean 409/503/504 answers, so Sentry would never see them; the
handler reports the kinds the design document names through `report_database_error`.
"""

from __future__ import annotations

import logging
import sys

from equinet import __version__
from equinet.kit.log_privacy import redact_event
from equinet.settings import Settings

logger = logging.getLogger("equinet.sentry")

# Kinds (equinet.kit.metrics.database_error_kind) the design document wants in Sentry.
REPORTED_DATABASE_ERRORS = frozenset(
    {"unique_violation", "foreign_key", "timeout", "connection", "pool_timeout"}
)


def init_sentry(settings: Settings) -> bool:
    """Start the Sentry client when SENTRY_DSN is set; True when it was started.

    Personal data (cookies, IPs, e-mail addresses of horse owners) stays off: the SDK's
    default, which we do not change.
    """
    if not settings.sentry_dsn:
        return False
    # Imported only with a DSN: the SDK costs every worker 5 MB.
    import sentry_sdk
    from sentry_sdk.integrations.fastapi import FastApiIntegration
    from sentry_sdk.integrations.starlette import StarletteIntegration

    sentry_sdk.init(
        dsn=settings.sentry_dsn,
        environment=settings.equinet_env.value,
        release=f"equinet@{__version__}",
        traces_sample_rate=settings.sentry_traces_sample_rate,
        integrations=[StarletteIntegration(), FastApiIntegration()],
        # Frames' local variables hold addresses, passwords and tokens; messages are redacted.
        include_local_variables=False,
        before_send=redact_event,  # type: ignore[arg-type]
    )
    logger.info("Sentry reporting enabled (environment %s)", settings.equinet_env.value)
    return True


def report_database_error(error: BaseException, kind: str) -> None:
    """Send a handled database error to Sentry, tagged with its kind; no-op without a DSN."""
    sentry_sdk = sys.modules.get("sentry_sdk")  # not imported: Sentry was never started
    if sentry_sdk is None or kind not in REPORTED_DATABASE_ERRORS:
        return
    if not sentry_sdk.get_client().is_active():
        return
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("database_error", kind)
        scope.set_level("warning" if kind == "unique_violation" else "error")
        sentry_sdk.capture_exception(error)
