"""Links in e-mails and `equinet monitor` follow the address the app actually listens on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from equinet.accounts import emails
from equinet.ops import listening
from equinet.settings import get_settings
from tests.conftest import make_settings


def test_public_base_url_follows_host_and_port_unless_set() -> None:
    assert make_settings(port=8123).public_base_url == "http://127.0.0.1:8123"
    assert make_settings(host="0.0.0.0", port=9000).public_base_url == "http://127.0.0.1:9000"
    explicit = make_settings(port=8123, public_base_url="https://equinet.se")
    assert explicit.public_base_url == "https://equinet.se"


def test_verification_link_points_at_the_port_the_app_serves(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What `equinet serve --port 8123` hands the app: PORT in the environment.
    monkeypatch.setenv("PORT", "8123")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        link = emails._link(get_settings(), "/verify-email", "abc")
    finally:
        get_settings.cache_clear()
    assert link == "http://127.0.0.1:8123/verify-email?token=abc"


def test_monitor_scrapes_where_serve_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listening, "PROJECT_ROOT", tmp_path)
    settings = make_settings(monitor_app_url="")
    assert listening.app_url(settings) == "http://127.0.0.1:8000"  # nothing recorded yet
    listening.record("0.0.0.0", 8123)
    assert listening.app_url(settings) == "http://127.0.0.1:8123"
    # An explicit MONITOR_APP_URL still wins.
    assert listening.app_url(make_settings(monitor_app_url="http://10.0.0.5:80")) == (
        "http://10.0.0.5:80"
    )


def test_a_record_of_a_stopped_server_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listening, "PROJECT_ROOT", tmp_path)
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)  # fmt: skip
    listening.record_file().parent.mkdir(parents=True, exist_ok=True)
    listening.record_file().write_text(
        json.dumps({"url": "http://127.0.0.1:8123", "pid": int(finished.stdout)})
    )
    assert listening.app_url(make_settings(monitor_app_url="", port=8200)) == (
        "http://127.0.0.1:8200"
    )
