"""Accounts: registration, e-mail verification, login, password reset and change, profiles.

Services flush, never commit (design.md rule 2); e-mails are jobs queued in the request's
transaction (`accounts.emails.queue_*`), so they exist only if it commits. One-time tokens
(verification, reset) are 256-bit random values sent by e-mail and stored only as SHA-256
hashes; the clear token lives in its e-mail job only until the worker has sent it (successful
jobs are deleted), so a copy of the database does not let anyone verify or reset an account.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts import emails, repository
from equinet.accounts.errors import (
    AccountDeactivated,
    EmailAlreadyRegistered,
    EmailNotVerified,
    InvalidCredentials,
    InvalidResetToken,
    InvalidVerificationToken,
    UserNotFound,
    VerificationTokenExpired,
    VerificationTokenUsed,
    WeakPassword,
    WrongCurrentPassword,
)
from equinet.accounts.password_policy import password_problem
from equinet.accounts.schemas import (
    OnboardingStatusOut,
    ProfileIn,
    ProfileOut,
    ProviderProfileIn,
    ProviderProfileOut,
    ProviderUserOut,
    RegisterIn,
    SessionUserOut,
)
from equinet.accounts.sessions import ActiveSession, hash_token, new_token, revoke_all_sessions
from equinet.db.base import utcnow
from equinet.kit.passwords import (
    DUMMY_HASH,
    hash_password_async,
    needs_rehash,
    verify_password_async,
)
from equinet.models import Provider, User
from equinet.providers import repository as provider_repository
from equinet.providers.cache import Place, invalidate_provider_listings
from equinet.providers.service import change_profile
from equinet.settings import Settings

VERIFICATION_LIFETIME = timedelta(hours=24)
RESET_LIFETIME = timedelta(hours=1)
_VERIFICATION_TOKEN = re.compile(r"^[0-9a-f]{64}$")
GHOST_DOMAIN = "@ghost.equinet.se"


def new_verification_token() -> str:
    """32 random bytes as 64 hex characters (the original's format)."""
    return secrets.token_hex(32)


def check_new_password(password: str, *, field: str, user_context: list[str | None]) -> None:
    problem = password_problem(password, context=user_context)
    if problem is not None:
        raise WeakPassword(field, problem)


# --- registration and verification -------------------------------------------------------


async def register(db: AsyncSession, settings: Settings, data: RegisterIn) -> User:
    check_new_password(
        data.password, field="password", user_context=[data.email, data.first_name, data.last_name]
    )
    if await repository.email_taken(db, data.email):
        raise EmailAlreadyRegistered()
    user = await repository.add_user(
        db,
        User(
            email=data.email,
            password_hash=await hash_password_async(data.password),
            user_type=data.user_type,
            first_name=data.first_name,
            last_name=data.last_name,
            phone=data.phone,
            city=data.city,
            email_verified=False,
        ),
    )
    if data.user_type == "provider":
        assert data.business_name is not None  # RegisterIn requires it for providers
        provider = await repository.add_provider(
            db,
            Provider(
                user_id=user.id,
                business_name=data.business_name,
                description=data.description,
                city=data.city,
            ),
        )
        invalidate_provider_listings(db, provider.id, Place(data.city))
    await issue_verification(db, settings, user)
    return user


async def issue_verification(db: AsyncSession, settings: Settings, user: User) -> None:
    token = new_verification_token()
    await repository.add_verification_token(
        db, user.id, hash_token(token), utcnow() + VERIFICATION_LIFETIME
    )
    await emails.queue_verification(db, user, token)


async def verify_email(db: AsyncSession, token: str) -> str:
    """Mark the token's user verified; their e-mail address. Errors are all 400."""
    token = token.strip().lower()
    if not _VERIFICATION_TOKEN.match(token):
        raise InvalidVerificationToken()
    row = await repository.verification_token(db, hash_token(token))
    if row is None:
        raise InvalidVerificationToken()
    if row.used_at is not None:
        raise VerificationTokenUsed()
    now = utcnow()
    if now > row.expires_at:
        raise VerificationTokenExpired()
    user = await repository.user_by_id(db, row.user_id)
    if user is None:
        raise InvalidVerificationToken()
    row.used_at = now
    user.email_verified = True
    user.email_verified_at = now
    await db.flush()
    return user.email


async def resend_verification(db: AsyncSession, settings: Settings, email: str) -> None:
    """A new link, only for an existing unverified account; the caller answers the same anyway."""
    user = await repository.user_by_email(db, email)
    if user is None or user.email_verified or user.is_manual_customer:
        return
    await issue_verification(db, settings, user)


# --- login -----------------------------------------------------------------------------------


async def authenticate(db: AsyncSession, email: str, password: str) -> User:
    """The user for these credentials, or InvalidCredentials / EmailNotVerified.

    Unknown e-mail and wrong password cost the same hash verification and give the same
    error; EMAIL_NOT_VERIFIED is told only to someone who knows the password.
    """
    user = await repository.user_by_email(db, email)
    if user is None:
        await verify_password_async(DUMMY_HASH, password)
        raise InvalidCredentials()
    if not await verify_password_async(user.password_hash, password):
        raise InvalidCredentials()
    if not user.email_verified:
        raise EmailNotVerified()
    if user.deactivated_at is not None:
        raise AccountDeactivated()
    if needs_rehash(user.password_hash):
        # bcrypt from an adopted database (or older argon2 parameters): upgrade now that we
        # hold the password in clear, once.
        user.password_hash = await hash_password_async(password)
        await db.flush()
    return user


async def session_user(db: AsyncSession, user: User) -> SessionUserOut:
    return SessionUserOut(
        id=user.id,
        email=user.email,
        name=f"{user.first_name} {user.last_name}",
        first_name=user.first_name,
        last_name=user.last_name,
        user_type=user.user_type,
        is_admin=user.is_admin,
        email_verified=user.email_verified,
        provider_id=await provider_repository.provider_id_of_user(db, user.id)
        if user.user_type == "provider"
        else None,
    )


# --- password reset and change ---------------------------------------------------------------


async def request_password_reset(db: AsyncSession, settings: Settings, email: str) -> None:
    user = await repository.user_by_email(db, email)
    if user is None or user.is_manual_customer or user.email.endswith(GHOST_DOMAIN):
        return
    token = new_token()
    await repository.add_reset_token(db, user.id, hash_token(token), utcnow() + RESET_LIFETIME)
    await emails.queue_password_reset(db, user, token)


async def reset_password(db: AsyncSession, settings: Settings, token: str, password: str) -> None:
    """Set a new password with a reset link; ends every session of the user."""
    user_id = await repository.claim_reset_token(db, hash_token(token.strip()))
    user = await repository.user_by_id(db, user_id) if user_id else None
    if user is None:
        raise InvalidResetToken()
    check_new_password(
        password, field="password", user_context=[user.email, user.first_name, user.last_name]
    )
    await _set_password(db, settings, user, password)
    await repository.retire_reset_tokens(db, user.id)
    await revoke_all_sessions(db, user.id)
    if not user.email_verified:
        # Opening the link proved control of the address, which is what verification asks.
        user.email_verified = True
        user.email_verified_at = utcnow()
    await db.flush()


async def change_password(
    db: AsyncSession, settings: Settings, active: ActiveSession, current: str, new: str
) -> None:
    """Change the password of a logged-in user; ends every other session of theirs."""
    user = active.user
    if not await verify_password_async(user.password_hash, current):
        raise WrongCurrentPassword()
    check_new_password(
        new, field="newPassword", user_context=[user.email, user.first_name, user.last_name]
    )
    if hmac.compare_digest(current.encode(), new.encode()):
        raise WeakPassword("newPassword", "Det nya lösenordet måste skilja sig från det gamla")
    await _set_password(db, settings, user, new)
    await revoke_all_sessions(db, user.id, except_session_id=active.session.id)


async def _set_password(db: AsyncSession, settings: Settings, user: User, password: str) -> None:
    user.password_hash = await hash_password_async(password)
    await db.flush()
    await emails.queue_password_changed(db, user)


# --- profiles ----------------------------------------------------------------------------------


async def profile(db: AsyncSession, user: User) -> ProfileOut:
    return ProfileOut(
        id=user.id,
        email=user.email,
        first_name=user.first_name,
        last_name=user.last_name,
        phone=user.phone,
        user_type=user.user_type,
        city=user.city,
        address=user.address,
        latitude=user.latitude,
        longitude=user.longitude,
        provider_id=await provider_repository.provider_id_of_user(db, user.id),
    )


async def update_profile(db: AsyncSession, user: User, data: ProfileIn) -> User:
    # Optional fields left out of the body stay as they are; `null` clears them.
    for field in data.model_fields_set:
        setattr(user, field, getattr(data, field))
    await db.flush()
    return user


def provider_profile_out(provider: Provider, user: User) -> ProviderProfileOut:
    return ProviderProfileOut(
        id=provider.id,
        user_id=provider.user_id,
        business_name=provider.business_name,
        description=provider.description,
        address=provider.address,
        city=provider.city,
        postal_code=provider.postal_code,
        latitude=provider.latitude,
        longitude=provider.longitude,
        service_area_km=provider.service_area_km,
        service_area=provider.service_area,
        profile_image_url=provider.profile_image_url,
        is_active=provider.is_active,
        is_verified=provider.is_verified,
        verified_at=provider.verified_at,
        created_at=provider.created_at,
        updated_at=provider.updated_at,
        user=ProviderUserOut(
            first_name=user.first_name,
            last_name=user.last_name,
            email=user.email,
            phone=user.phone,
        ),
    )


async def update_provider_profile(
    db: AsyncSession, settings: Settings, user: User, provider: Provider, data: ProviderProfileIn
) -> ProviderProfileOut:
    """PUT /api/provider/profile: the same rule as PUT /api/providers/{id} (one service)."""
    values = {field: getattr(data, field) for field in data.model_fields_set}
    changed = await change_profile(db, settings, user, provider.id, values)
    return provider_profile_out(changed, user)


async def onboarding_status(db: AsyncSession, provider: Provider) -> OnboardingStatusOut:
    """Onboarding is done with a complete profile, an active service, active hours, an active provider."""
    profile_complete = bool(
        provider.business_name
        and provider.description
        and provider.address
        and provider.city
        and provider.postal_code
        and provider.latitude is not None
        and provider.longitude is not None
    )
    has_services = await repository.has_active_service(db, provider.id)
    has_availability = await repository.has_active_availability(db, provider.id)
    return OnboardingStatusOut(
        profile_complete=profile_complete,
        has_services=has_services,
        has_availability=has_availability,
        is_active=provider.is_active,
        all_complete=profile_complete and has_services and has_availability and provider.is_active,
    )


async def user_or_404(db: AsyncSession, user_id: str) -> User:
    user = await repository.user_by_id(db, user_id)
    if user is None:
        raise UserNotFound()
    return user


ADMIN_USER_PAGE = 50


async def users_for_admin(db: AsyncSession, query: str | None) -> list[Any]:
    """The admin's user list: everyone matching `query` (e-mail, name, business), newest first."""
    cleaned = " ".join((query or "").split())[:100]
    return await repository.search_users(db, cleaned, limit=ADMIN_USER_PAGE)
