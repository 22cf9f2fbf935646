"""The docs the code cannot contradict: the error-code table and the README's conventions."""

from __future__ import annotations

from pathlib import Path

from equinet.ops import api_docs

ROOT = Path(__file__).resolve().parents[1]


def test_the_error_code_table_in_docs_api_md_is_current() -> None:
    text = (ROOT / "docs" / "api.md").read_text()
    assert api_docs.rewritten(text) == text, "run `python -m equinet.ops.api_docs`"
    for code in api_docs.error_codes():
        assert f"| `{code}` |" in text


def test_the_readme_states_the_api_conventions() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Conventions", 1)[1].split("\n## ", 1)[0]
    for term in ("ErrorBody", "SCREAMING_SNAKE", "limit", "offset", "Accept-Language",
                 "camelCase", "bearerAuth", "cookieAuth", "docs/api.md"):  # fmt: skip
        assert term in section, term
