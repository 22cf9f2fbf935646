"""Two-factor login: TOTP (authenticator apps, via pyotp) plus single-use recovery codes.

Admins must have it; any other user may turn it on. The TOTP secret is stored encrypted with
a key derived from SECRET_KEY; recovery codes and login challenges only as SHA-256 hashes. A
TOTP code is accepted once (the time step is remembered), a recovery code once, a challenge
once and for a few minutes only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.ext.asyncio import AsyncSession

from equinet.accounts import two_factor_repository as repository
from equinet.accounts.errors import (
    InvalidLoginChallenge,
    InvalidTwoFactorCode,
    TwoFactorAlreadyEnabled,
    TwoFactorEnrolmentRequired,
    TwoFactorNotSetUp,
    TwoFactorRequiredForAdmins,
    WrongCurrentPassword,
)
from equinet.accounts.sessions import hash_token, new_token
from equinet.db.base import utcnow
from equinet.kit.passwords import verify_password_async
from equinet.models import TwoFactorCredential, User
from equinet.settings import Settings

RECOVERY_CODE_COUNT = 10
_STEP_SECONDS = 30
_CLOCK_DRIFT_STEPS = 1  # one step either side: phones' clocks are not exact


def _cipher(settings: Settings) -> Fernet:
    key = hashlib.sha256(b"equinet-two-factor:" + settings.secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_secret(settings: Settings, secret: str) -> str:
    return _cipher(settings).encrypt(secret.encode()).decode()


def decrypt_secret(settings: Settings, encrypted: str) -> str:
    try:
        return _cipher(settings).decrypt(encrypted.encode()).decode()
    except InvalidToken:  # SECRET_KEY changed: the enrolment cannot be read any more
        raise InvalidTwoFactorCode() from None


def normalise_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = secrets.token_hex(5)  # 40 bits each; guessing is bounded by the login limiter
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


def _uri(settings: Settings, user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=settings.totp_issuer)


def matching_step(secret: str, code: str, *, now: float | None = None) -> int | None:
    """The time step whose code `code` is (within the allowed drift), else None."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // _STEP_SECONDS)
    for step in range(current - _CLOCK_DRIFT_STEPS, current + _CLOCK_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(step * _STEP_SECONDS), code):
            return step
    return None


async def is_enabled(db: AsyncSession, user_id: str) -> bool:
    row = await repository.credential(db, user_id)
    return row is not None and row.confirmed_at is not None


async def status(db: AsyncSession, user: User) -> tuple[bool, int]:
    """(enabled, unused recovery codes)."""
    enabled = await is_enabled(db, user.id)
    return enabled, await repository.unused_recovery_codes(db, user.id) if enabled else 0


# --- enrolment ----------------------------------------------------------------------------


async def begin_setup(db: AsyncSession, settings: Settings, user: User, password: str) -> Enrolment:
    if not await verify_password_async(user.password_hash, password):
        raise WrongCurrentPassword("Fel lösenord")
    if await is_enabled(db, user.id):
        raise TwoFactorAlreadyEnabled()
    secret = pyotp.random_base32()
    await repository.replace_credential(
        db, TwoFactorCredential(user_id=user.id, secret_encrypted=encrypt_secret(settings, secret))
    )
    return Enrolment(secret=secret, otpauth_uri=_uri(settings, user, secret))


async def confirm_setup(db: AsyncSession, settings: Settings, user: User, code: str) -> list[str]:
    """The first right code turns two-factor login on; the recovery codes (shown once)."""
    row = await repository.credential(db, user.id, for_update=True)
    if row is None:
        raise TwoFactorNotSetUp()
    if row.confirmed_at is not None:
        raise TwoFactorAlreadyEnabled()
    step = matching_step(decrypt_secret(settings, row.secret_encrypted), code)
    if step is None:
        raise InvalidTwoFactorCode()
    row.confirmed_at = utcnow()
    row.last_used_step = step
    codes = new_recovery_codes()
    await repository.replace_recovery_codes(db, user.id, [hash_recovery_code(c) for c in codes])
    return codes


async def enrol_confirmed(
    db: AsyncSession, settings: Settings, user: User
) -> tuple[Enrolment, list[str]]:
    """Enrol at once (the CLI that creates an admin): a new secret and new recovery codes."""
    secret = pyotp.random_base32()
    await repository.replace_credential(
        db,
        TwoFactorCredential(
            user_id=user.id,
            secret_encrypted=encrypt_secret(settings, secret),
            confirmed_at=utcnow(),
        ),
    )
    codes = new_recovery_codes()
    await repository.replace_recovery_codes(db, user.id, [hash_recovery_code(c) for c in codes])
    return Enrolment(secret=secret, otpauth_uri=_uri(settings, user, secret)), codes


async def disable(
    db: AsyncSession, settings: Settings, user: User, password: str, code: str
) -> None:
    if user.is_admin:
        raise TwoFactorRequiredForAdmins()
    if not await verify_password_async(user.password_hash, password):
        raise WrongCurrentPassword("Fel lösenord")
    await _check_second_factor(db, settings, user, code=code, recovery_code=None)
    await repository.remove_credential(db, user.id)


async def regenerate_recovery_codes(
    db: AsyncSession, settings: Settings, user: User, code: str
) -> list[str]:
    await _check_second_factor(db, settings, user, code=code, recovery_code=None)
    codes = new_recovery_codes()
    await repository.replace_recovery_codes(db, user.id, [hash_recovery_code(c) for c in codes])
    return codes


# --- login --------------------------------------------------------------------------------


async def second_factor_needed(db: AsyncSession, user: User) -> bool:
    """Whether a right password must be followed by a code; admins without one are refused."""
    if await is_enabled(db, user.id):
        return True
    if user.is_admin:
        raise TwoFactorEnrolmentRequired()
    return False


async def start_challenge(db: AsyncSession, settings: Settings, user: User) -> tuple[str, datetime]:
    await repository.forget_stale_challenges(db, user.id)
    token = new_token()
    expires_at = utcnow() + timedelta(minutes=settings.login_challenge_minutes)
    await repository.add_challenge(db, user.id, hash_token(token), expires_at)
    return token, expires_at


async def challenged_user(db: AsyncSession, challenge: str) -> User:
    found = await repository.challenge_user(db, hash_token(challenge.strip()))
    if found is None:
        raise InvalidLoginChallenge()
    return found[1]


async def complete_challenge(
    db: AsyncSession,
    settings: Settings,
    challenge: str,
    *,
    code: str | None,
    recovery_code: str | None,
) -> User:
    """The user once their code (or an unused recovery code) is right; the challenge is used."""
    found = await repository.challenge_user(db, hash_token(challenge.strip()))
    if found is None:
        raise InvalidLoginChallenge()
    row, user = found
    await _check_second_factor(db, settings, user, code=code, recovery_code=recovery_code)
    row.used_at = utcnow()
    await db.flush()
    return user


async def _check_second_factor(
    db: AsyncSession,
    settings: Settings,
    user: User,
    *,
    code: str | None,
    recovery_code: str | None,
) -> None:
    credential = await repository.credential(db, user.id, for_update=True)
    if credential is None or credential.confirmed_at is None:
        raise TwoFactorNotSetUp()
    if recovery_code:
        if not await repository.claim_recovery_code(db, user.id, hash_recovery_code(recovery_code)):
            raise InvalidTwoFactorCode()
        return
    step = matching_step(decrypt_secret(settings, credential.secret_encrypted), code or "")
    # A code already used (or an older one) is refused: a watched code cannot be replayed.
    if step is None or (
        credential.last_used_step is not None and step <= credential.last_used_step
    ):
        raise InvalidTwoFactorCode()
    credential.last_used_step = step
    await db.flush()
