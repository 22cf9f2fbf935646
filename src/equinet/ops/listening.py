"""Where `equinet serve` listens, recorded for the other commands of the same checkout.

`equinet monitor` scrapes the app's /metrics: started as `equinet serve --port 8123`, the app is
not where the settings' default port says. `serve` writes its address (and its process id) to
`.equinet/listening.json`; a record whose process is gone is ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from equinet.settings import PROJECT_ROOT, Settings


def record_file() -> Path:
    return PROJECT_ROOT / ".equinet" / "listening.json"


def local_url(host: str, port: int) -> str:
    # A wildcard listener is reached on loopback from this machine.
    reachable = "127.0.0.1" if host in {"0.0.0.0", "::", ""} else host
    reachable = f"[{reachable}]" if ":" in reachable else reachable
    return f"http://{reachable}:{port}"


def record(host: str, port: int) -> None:
    path = record_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": local_url(host, port), "pid": os.getpid()}))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def recorded_url() -> str | None:
    try:
        found = json.loads(record_file().read_text())
        url, pid = str(found["url"]), int(found["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return url if _alive(pid) else None


def app_url(settings: Settings) -> str:
    """MONITOR_APP_URL when set, else where `equinet serve` runs, else HOST and PORT."""
    return settings.monitor_app_url or recorded_url() or local_url(settings.host, settings.port)
