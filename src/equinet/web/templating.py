"""The Jinja2 environment of the pages: autoescaped, Swedish source text through `_`.

Templates call `{{ _("Svensk text") }}` (translated by the one message catalogue) and format
values with the locale filters: `amount` (12 345,67 kr), `day` (15 februari 2026), `clock`
(09:30) and `moment` (a point in time), all in Europe/Stockholm; the same helpers as the
e-mails' environment (`kit.jinja`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from equinet.kit.i18n import current_language
from equinet.kit.jinja import install_locale_helpers

WEB_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def build_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return install_locale_helpers(env)


templates = build_environment()


def render_text(name: str, **context: Any) -> str:
    """A template rendered in the current language (for error pages outside a request)."""
    context.setdefault("lang", current_language.get())
    return templates.get_template(name).render(**context)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The page `name` for this request, with what every page knows (see `context.base`)."""
    from equinet.web.context import base_context

    values = base_context(request)
    values.update(context or {})
    response = HTMLResponse(
        templates.get_template(name).render(**values), status_code=status_code, headers=headers
    )
    response.headers.setdefault("Cache-Control", "no-store")
    if values.get("flash_consumed"):
        response.delete_cookie("flash", path="/")
    return response
