"""Two-factor login routes: the second login step, and turning TOTP on and off.

POST /api/auth/login answers `{"twoFactorRequired": true, "challenge": ...}` when the user has
two-factor login; POST /api/auth/login/totp with that challenge and a code (or a recovery code)
completes it. Both steps count against the same per-e-mail login limiter, and the middleware
counts this route per IP like the password step.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from equinet.accounts import two_factor
from equinet.accounts.dependencies import CurrentUser
from equinet.accounts.router import AppSettings, Limiter, open_session
from equinet.accounts.schemas import (
    LoginOut,
    PasswordConfirmIn,
    RecoveryCodesOut,
    TotpLoginIn,
    TwoFactorCodeIn,
    TwoFactorDisableIn,
    TwoFactorSetupOut,
    TwoFactorStatusOut,
)
from equinet.db.session import DbSession
from equinet.kit.errors import EquinetError
from equinet.kit.rate_limit_routes import limit_route

router = APIRouter(tags=["auth"])

limit_route("POST", "/api/auth/login/totp", "login")
limit_route("GET", "/api/auth/two-factor", "api")
limit_route("POST", "/api/auth/two-factor/setup", "profileUpdate")
limit_route("POST", "/api/auth/two-factor/confirm", "login")
limit_route("POST", "/api/auth/two-factor/disable", "login")
limit_route("POST", "/api/auth/two-factor/recovery-codes", "login")


async def _not_cached(response: Response) -> None:
    """A secret or recovery codes are shown once: no cache may keep the answer."""
    response.headers["Cache-Control"] = "no-store"


SHOWN_ONCE = [Depends(_not_cached)]


@router.post(
    "/api/auth/login/totp",
    response_model=LoginOut,
    summary="Second login step: the code from the authenticator app, or a recovery code",
    responses={401: {"description": "Wrong code, or the challenge expired or was used"}},
)
async def login_totp(
    body: TotpLoginIn,
    request: Request,
    response: Response,
    db: DbSession,
    settings: AppSettings,
    limiter: Limiter,
) -> LoginOut:
    user = await two_factor.challenged_user(db, body.challenge)
    key = f"email:{user.email.lower()}"
    # The password step's budget: a wrong code spends it, the right one clears it.
    await limiter.refuse_if_spent("login", key)
    try:
        user = await two_factor.complete_challenge(
            db, settings, body.challenge, code=body.code, recovery_code=body.recovery_code
        )
    except EquinetError:
        await limiter.spend("login", key)
        raise
    await limiter.reset("login", key)
    return await open_session(request, response, db, settings, user)


@router.get(
    "/api/auth/two-factor", response_model=TwoFactorStatusOut, summary="My two-factor login"
)
async def two_factor_status(user: CurrentUser, db: DbSession) -> TwoFactorStatusOut:
    enabled, left = await two_factor.status(db, user)
    return TwoFactorStatusOut(enabled=enabled, required=user.is_admin, recovery_codes_left=left)


@router.post(
    "/api/auth/two-factor/setup",
    response_model=TwoFactorSetupOut,
    summary="Start turning two-factor login on: a secret for the authenticator app",
    dependencies=SHOWN_ONCE,
)
async def two_factor_setup(
    body: PasswordConfirmIn, user: CurrentUser, db: DbSession, settings: AppSettings
) -> TwoFactorSetupOut:
    enrolment = await two_factor.begin_setup(db, settings, user, body.password)
    return TwoFactorSetupOut(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


@router.post(
    "/api/auth/two-factor/confirm",
    response_model=RecoveryCodesOut,
    summary="Finish turning it on with a first code; the recovery codes are shown once",
    dependencies=SHOWN_ONCE,
)
async def two_factor_confirm(
    body: TwoFactorCodeIn, user: CurrentUser, db: DbSession, settings: AppSettings
) -> RecoveryCodesOut:
    codes = await two_factor.confirm_setup(db, settings, user, body.code)
    return RecoveryCodesOut(recovery_codes=codes)


@router.post(
    "/api/auth/two-factor/recovery-codes",
    response_model=RecoveryCodesOut,
    summary="New recovery codes (the old ones stop working)",
    dependencies=SHOWN_ONCE,
)
async def two_factor_new_codes(
    body: TwoFactorCodeIn, user: CurrentUser, db: DbSession, settings: AppSettings
) -> RecoveryCodesOut:
    codes = await two_factor.regenerate_recovery_codes(db, settings, user, body.code)
    return RecoveryCodesOut(recovery_codes=codes)


@router.post(
    "/api/auth/two-factor/disable",
    response_model=TwoFactorStatusOut,
    summary="Turn two-factor login off (not possible for admins)",
)
async def two_factor_disable(
    body: TwoFactorDisableIn, user: CurrentUser, db: DbSession, settings: AppSettings
) -> TwoFactorStatusOut:
    await two_factor.disable(db, settings, user, body.password, body.code)
    return TwoFactorStatusOut(enabled=False, required=False, recovery_codes_left=0)
