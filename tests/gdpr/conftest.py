"""Personal-data tests get the accounts tests' apps: a real SMTP server catches the e-mails."""

from tests.accounts.conftest import app, app_factory, mailbox, smtp_server

__all__ = ["app", "app_factory", "mailbox", "smtp_server"]
