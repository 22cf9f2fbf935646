"""`equinet users create-admin EMAIL`: create an admin, or promote a user, with two-factor login.

Admins must log in with a TOTP code, so the command enrols one at once and prints the secret
(and its otpauth:// URI for a QR code) and the recovery codes. Every run ends the account's
existing sessions and is written to the audit log.
"""

from __future__ import annotations

import getpass
import secrets
import socket
from dataclasses import dataclass
from typing import Annotated

import typer
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts import repository as accounts_repository
from equinet.accounts import two_factor
from equinet.accounts.password_policy import password_problem
from equinet.accounts.sessions import revoke_all_sessions
from equinet.admin import audit
from equinet.admin import repository as admin_repository
from equinet.cli.common import console, fail, load_settings, run
from equinet.db.base import utcnow
from equinet.db.engine import engine_for
from equinet.db.environment_stamp import check_stamp
from equinet.db.targets import direct_database, ensure_database_exists
from equinet.kit.passwords import hash_password_async
from equinet.models import AdminAuditLog, User
from equinet.settings import Settings

users_app = typer.Typer(help="User accounts: create or promote admins.", no_args_is_help=True)

_FIELDS = ("is_admin", "email_verified", "deactivated_at")


@dataclass(frozen=True)
class AdminCreated:
    email: str
    created: bool
    password: str | None
    secret: str
    otpauth_uri: str
    recovery_codes: list[str]


def _operator() -> str:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return f"cli:{who}@{socket.gethostname()}"


async def create_admin(
    db: AsyncSession,
    settings: Settings,
    email: str,
    *,
    password: str | None,
    first_name: str,
    last_name: str,
) -> AdminCreated:
    email = email.strip().lower()
    user = await accounts_repository.user_by_email(db, email)
    created = user is None
    generated = None
    if user is None:
        if password is None:
            generated = password = secrets.token_urlsafe(18)
        problem = password_problem(password, context=[email, first_name, last_name])
        if problem is not None:
            raise ValueError(problem)
        user = await accounts_repository.add_user(
            db,
            User(
                email=email,
                password_hash=await hash_password_async(password),
                user_type="customer",
                first_name=first_name,
                last_name=last_name,
                email_verified=True,
                email_verified_at=utcnow(),
            ),
        )
        before = None
    else:
        if user.deleted_at is not None:
            raise ValueError(f"{email} belongs to a deleted account")
        before = audit.snapshot(user, _FIELDS)
    user.is_admin = True
    if not user.email_verified:
        user.email_verified, user.email_verified_at = True, utcnow()
    await db.flush()
    # Sessions opened before this had no second factor: they end here.
    await revoke_all_sessions(db, user.id)
    enrolment, codes = await two_factor.enrol_confirmed(db, settings, user)
    await admin_repository.add_audit_entry(
        db,
        AdminAuditLog(
            actor_id=None,
            actor_email=_operator(),
            action="user.create_admin" if created else "user.promote_admin",
            target_type="User",
            target_id=user.id,
            before=before,
            after={**audit.snapshot(user, _FIELDS), "twoFactorEnrolled": True},
        ),
    )
    return AdminCreated(
        email=email,
        created=created,
        password=generated,
        secret=enrolment.secret,
        otpauth_uri=enrolment.otpauth_uri,
        recovery_codes=codes,
    )


async def _run_create_admin(
    settings: Settings, email: str, password: str | None, first_name: str, last_name: str
) -> AdminCreated:
    target = direct_database(settings)
    if settings.uses_embedded_database:
        await ensure_database_exists(target)
    engine = engine_for(target, "equinet-users")
    try:
        async with engine.begin() as connection:
            await check_stamp(connection, settings, target.describe())
            async with AsyncSession(bind=connection, expire_on_commit=False) as db:
                result = await create_admin(
                    db, settings, email, password=password, first_name=first_name,
                    last_name=last_name,
                )  # fmt: skip
                await db.flush()
                return result
    finally:
        await engine.dispose()


@users_app.command("create-admin")
def create_admin_command(
    email: Annotated[str, typer.Argument(help="the admin's e-mail address")],
    ask_password: Annotated[
        bool, typer.Option("--ask-password", help="type the password instead of generating one")
    ] = False,
    first_name: Annotated[str, typer.Option(help="for a new account")] = "Admin",
    last_name: Annotated[str, typer.Option(help="for a new account")] = "Equinet",
) -> None:
    """Create an admin (or promote an existing user) and enrol their two-factor login."""
    settings = load_settings()
    password = None
    if ask_password:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        result = run(_run_create_admin(settings, email, password, first_name, last_name))
    except ValueError as error:
        fail(str(error))
    verb = "created" if result.created else "promoted"
    console.print(f"admin {result.email} {verb}; existing sessions ended", highlight=False)
    if result.password:
        console.print(f"password (shown once): {result.password}", highlight=False)
    console.print(f"TOTP secret: {result.secret}", highlight=False)
    console.print(f"TOTP URI (for a QR code): {result.otpauth_uri}", highlight=False)
    console.print("recovery codes (each works once, shown once):", highlight=False)
    for code in result.recovery_codes:
        console.print(f"  {code}", highlight=False)
