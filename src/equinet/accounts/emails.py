"""The account e-mails: verification, password reset, password changed.

The request queues them (`queue_*`, in its own transaction); the worker builds them from the
user's row and the templates under `web/templates/email/`. Links point at PUBLIC_BASE_URL.
The one-time token travels in the job, because only its hash is stored.
"""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts import repository
from equinet.kit.email import Email, email_kind, queue_email, render
from equinet.kit.i18n import current_language, gettext
from equinet.models import User
from equinet.settings import Settings

VERIFY_SUBJECT = "Verifiera din e-post - Equinet"
RESET_SUBJECT = "Återställ ditt lösenord - Equinet"
CHANGED_SUBJECT = "Ditt lösenord har ändrats - Equinet"


def _link(settings: Settings, path: str, token: str | None = None) -> str:
    base = f"{settings.public_base_url.rstrip('/')}{path}"
    return f"{base}?token={quote(token)}" if token else base


# --- queued by the request ---------------------------------------------------------------------


async def queue_verification(db: AsyncSession, user: User, token: str) -> None:
    await queue_email(
        db, "verification", language=current_language.get(), user_id=user.id, token=token
    )


async def queue_password_reset(db: AsyncSession, user: User, token: str) -> None:
    await queue_email(
        db, "password_reset", language=current_language.get(), user_id=user.id, token=token
    )


async def queue_password_changed(db: AsyncSession, user: User) -> None:
    await queue_email(db, "password_changed", language=current_language.get(), user_id=user.id)


# --- built by the worker -----------------------------------------------------------------------


async def _to_user(
    db: AsyncSession, user_id: str, template: str, subject: str, url: str
) -> Email | None:
    """The e-mail to the user's own address; none to a manual customer, who has no account."""
    user = await repository.user_by_id(db, user_id)
    if user is None or user.is_manual_customer:
        return None
    return render(
        template, to=user.email, subject=gettext(subject), first_name=user.first_name, url=url
    )


@email_kind("verification")
async def verification(
    db: AsyncSession, settings: Settings, *, user_id: str, token: str
) -> Email | None:
    return await _to_user(
        db, user_id, "verification", VERIFY_SUBJECT, _link(settings, "/verify-email", token)
    )


@email_kind("password_reset")
async def password_reset(
    db: AsyncSession, settings: Settings, *, user_id: str, token: str
) -> Email | None:
    return await _to_user(
        db, user_id, "password_reset", RESET_SUBJECT, _link(settings, "/reset-password", token)
    )


@email_kind("password_changed")
async def password_changed(db: AsyncSession, settings: Settings, *, user_id: str) -> Email | None:
    return await _to_user(
        db, user_id, "password_changed", CHANGED_SUBJECT, _link(settings, "/forgot-password")
    )
