"""CI runs the lint and never passes a test pass that collected nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_make_lint_and_does_not_forgive_an_empty_pass() -> None:
    script = (ROOT / ".ci" / "run").read_text()
    assert "make lint" in script
    assert "-eq 5" not in script  # pytest's "no tests collected" is not mapped to success


def test_the_embedded_schema_pass_collects_tests() -> None:
    found = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "schema", "-p",
         "no:cacheprovider", str(ROOT / "tests" / "db")],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ}, timeout=120,
    )  # fmt: skip
    assert found.returncode == 0, found.stdout + found.stderr
    collected = [line for line in found.stdout.splitlines() if "::" in line]
    assert len(collected) >= 10
