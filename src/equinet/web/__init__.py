"""The web pages: Equinet in a browser, server-rendered by the same app as the API.

`templating` holds the one Jinja2 environment (autoescaped, the message catalogue's `_` and the
locale filters), `context` what every page knows about its visitor (user, unread count, flash),
`forms` how a domain error becomes a message beside its field, `error_pages` the HTML faces of
404/403/429/500/503 for browsers, and `pages` wires the static files, the language switch and
each domain's `<domain>/pages.py` router into the app. Templates live in `web/templates/<domain>/`;
the e-mail templates (one base layout) in `web/templates/email/`.
"""
