"""The web face of Equinet: page and e-mail templates (Jinja2, autoescaped) and their helpers."""
