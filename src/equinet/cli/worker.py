"""`equinet worker`: run the background jobs (e-mails, periodic purges) until stopped."""

from __future__ import annotations

from typing import Annotated

import typer

from equinet.cli.common import configure_logging, console, load_settings, run
from equinet.jobs.worker import run_worker


def worker(
    once: Annotated[
        bool, typer.Option("--once", help="work until the queue is empty, then exit")
    ] = False,
    concurrency: Annotated[
        int | None, typer.Option(min=1, help="jobs at once (default WORKER_CONCURRENCY)")
    ] = None,
    parent_pid: Annotated[
        int | None, typer.Option(hidden=True, help="stop when this process exits (serve)")
    ] = None,
) -> None:
    """Run queued and periodic jobs: e-mails with retries, expired idempotency-key purges."""
    settings = load_settings()
    configure_logging(settings.log_level)
    console.print(
        f"[bold green]Equinet worker[/] ({settings.equinet_env}): "
        f"{concurrency or settings.worker_concurrency} at once"
        + (", until the queue is empty" if once else "; Ctrl-C stops")
    )
    run(run_worker(settings, once=once, concurrency=concurrency, parent_pid=parent_pid))
    console.print("worker stopped")
