"""A web worker carries only what serving requests needs: each library below costs every worker
megabytes of memory, and only a CLI command, the job worker or a rare request uses it."""

from __future__ import annotations

import json
import subprocess
import sys

# Each is imported where it is used (Alembic by the CLI; procrastinate and psycopg by the job
# worker; Authlib by the Fortnox flow; the Sentry SDK only with a DSN; icalendar by a feed).
NOT_IN_A_WEB_WORKER = ("alembic", "procrastinate", "psycopg", "authlib", "sentry_sdk", "icalendar")


def test_the_web_app_does_not_import_what_only_the_cli_and_the_worker_use() -> None:
    probe = (
        "import json, sys; from equinet.app import create_app; create_app(); "
        f"print(json.dumps([m for m in {list(NOT_IN_A_WEB_WORKER)!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
