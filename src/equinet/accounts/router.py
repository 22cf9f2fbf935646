"""The auth and profile routes: register, verify, login/logout, session,
password reset and change, the user's and the provider's own profile, onboarding status.

Browsers get the session as an HttpOnly, SameSite=Lax cookie (`__Host-` and Secure in
production); API clients use the `token` of the login response as `Authorization: Bearer`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from equinet.accounts import service, two_factor
from equinet.accounts.dependencies import (
    CurrentProvider,
    CurrentSession,
    CurrentUser,
    session_token,
)
from equinet.accounts.errors import (
    AccountDeactivated,
    EmailAlreadyRegistered,
    EmailNotVerified,
    InvalidCredentials,
    InvalidResetToken,
    InvalidVerificationToken,
    TwoFactorEnrolmentRequired,
    VerificationTokenExpired,
    VerificationTokenUsed,
    WeakPassword,
    WrongCurrentPassword,
)
from equinet.accounts.schemas import (
    ChangePasswordIn,
    EmailOnlyIn,
    LoginIn,
    LoginOut,
    MessageOut,
    OnboardingStatusOut,
    ProfileIn,
    ProfileOut,
    ProfileUpdatedOut,
    ProviderProfileIn,
    ProviderProfileOut,
    RegisterIn,
    RegisterOut,
    ResetPasswordIn,
    SessionOut,
    TokenIn,
    TwoFactorChallengeOut,
    VerifyEmailOut,
)
from equinet.accounts.schemas import NewUserOut as NewUser
from equinet.accounts.sessions import create_session, revoke_session
from equinet.db.base import utcnow
from equinet.db.session import DbSession
from equinet.kit.client_ip import client_ip
from equinet.kit.errors import EquinetError, errors
from equinet.kit.rate_limit import RateLimiter, rate_limiter_of
from equinet.kit.rate_limit_routes import limit_route
from equinet.models import User
from equinet.providers.exceptions import ProviderNotFound, UnknownPlace
from equinet.settings import Settings, settings_of

router = APIRouter(tags=["auth"])

RESEND_MESSAGE = (
    "Om e-postadressen finns i vårt system och inte redan är verifierad, "
    "har vi skickat ett nytt verifieringsmail."
)
FORGOT_MESSAGE = (
    "Om e-postadressen finns i vårt system har vi skickat en länk för att återställa "
    "lösenordet. Länken gäller i en timme."
)

limit_route("POST", "/api/auth/register", "registration")
limit_route("POST", "/api/auth/verify-email", "api")
limit_route("POST", "/api/auth/resend-verification", "resendVerification")
limit_route("POST", "/api/auth/login", "login")
limit_route("POST", "/api/auth/forgot-password", "passwordReset")
limit_route("POST", "/api/auth/reset-password", "passwordReset")
limit_route("PUT", "/api/auth/password", "profileUpdate")
limit_route("GET", "/api/profile", "api")
limit_route("PUT", "/api/profile", "profileUpdate")
limit_route("GET", "/api/provider/profile", "api")
limit_route("PUT", "/api/provider/profile", "profileUpdate")
limit_route("GET", "/api/provider/onboarding-status", "api")


def get_rate_limiter(request: Request) -> RateLimiter:
    return rate_limiter_of(request.app)


AppSettings = Annotated[Settings, Depends(settings_of)]
Limiter = Annotated[RateLimiter, Depends(get_rate_limiter)]


@router.post(
    "/api/auth/register",
    status_code=201,
    response_model=RegisterOut,
    summary="Create an account",
    responses=errors(EmailAlreadyRegistered, WeakPassword),
)
async def register(body: RegisterIn, db: DbSession, settings: AppSettings) -> RegisterOut:
    user = await service.register(db, settings, body)
    return RegisterOut(
        message="Användare skapad",
        user=NewUser(
            id=user.id,
            email=user.email,
            first_name=user.first_name,
            last_name=user.last_name,
            user_type=user.user_type,
        ),
    )


@router.post(
    "/api/auth/verify-email",
    response_model=VerifyEmailOut,
    summary="Verify e-mail",
    responses=errors(InvalidVerificationToken, VerificationTokenUsed, VerificationTokenExpired),
)
async def verify_email(body: TokenIn, db: DbSession) -> VerifyEmailOut:
    email = await service.verify_email(db, body.token)
    return VerifyEmailOut(message="E-postadressen har verifierats", email=email)


@router.post("/api/auth/resend-verification", response_model=MessageOut, summary="Send a new link")
async def resend_verification(
    body: EmailOnlyIn, db: DbSession, settings: AppSettings
) -> MessageOut:
    await service.resend_verification(db, settings, body.email)
    return MessageOut(message=RESEND_MESSAGE)


@router.post(
    "/api/auth/login",
    response_model=LoginOut | TwoFactorChallengeOut,
    summary="Log in (with two-factor login on, answers a challenge for POST /api/auth/login/totp)",
    responses=errors(
        InvalidCredentials, EmailNotVerified, AccountDeactivated, TwoFactorEnrolmentRequired
    ),
)
async def login(
    body: LoginIn,
    request: Request,
    response: Response,
    db: DbSession,
    settings: AppSettings,
    limiter: Limiter,
) -> LoginOut | TwoFactorChallengeOut:
    email = body.email.strip().lower()
    # Per e-mail too (the middleware checks the address's budget): guessing one account's
    # password from many addresses is limited. Failures spend it; a success clears it.
    attempts = f"email:{email}"
    await limiter.refuse_if_spent("login", attempts)
    try:
        user = await service.authenticate(db, email, body.password)
    except EquinetError:
        await limiter.spend("login", attempts)
        raise
    if await two_factor.second_factor_needed(db, user):
        # The password was right; the count is cleared once the second factor is right too.
        challenge, expires_at = await two_factor.start_challenge(db, settings, user)
        response.headers["Cache-Control"] = "no-store"
        return TwoFactorChallengeOut(challenge=challenge, expires_at=expires_at)
    await limiter.reset("login", attempts)
    return await open_session(request, response, db, settings, user)


async def open_session(
    request: Request, response: Response, db: DbSession, settings: Settings, user: User
) -> LoginOut:
    """Start the session of a user who has proved who they are; sets the cookie too."""
    token = await create_session(
        db,
        user,
        settings,
        user_agent=request.headers.get("user-agent"),
        ip_address=client_ip(request.scope, settings.trusted_proxies),
    )
    max_age = settings.session_absolute_hours * 3600
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
    )
    response.headers["Cache-Control"] = "no-store"
    return LoginOut(
        user=await service.session_user(db, user),
        token=token,
        expires_at=utcnow() + timedelta(seconds=max_age),
    )


@router.post("/api/auth/logout", response_model=MessageOut, summary="Log out")
async def logout(
    request: Request, response: Response, db: DbSession, settings: AppSettings
) -> MessageOut:
    token = session_token(request)
    if token:
        await revoke_session(db, token)
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
    )
    return MessageOut(message="Du är utloggad")


@router.get("/api/auth/session", response_model=SessionOut, summary="The current login")
async def current_session(active: CurrentSession, db: DbSession) -> SessionOut:
    return SessionOut(
        user=await service.session_user(db, active.user), expires_at=active.session.expires_at
    )


@router.post("/api/auth/forgot-password", response_model=MessageOut, summary="E-mail a reset link")
async def forgot_password(body: EmailOnlyIn, db: DbSession, settings: AppSettings) -> MessageOut:
    await service.request_password_reset(db, settings, body.email)
    return MessageOut(message=FORGOT_MESSAGE)


@router.post(
    "/api/auth/reset-password",
    response_model=MessageOut,
    summary="Set a password by link",
    responses=errors(InvalidResetToken, WeakPassword),
)
async def reset_password(body: ResetPasswordIn, db: DbSession, settings: AppSettings) -> MessageOut:
    await service.reset_password(db, settings, body.token, body.password)
    return MessageOut(message="Lösenordet har ändrats. Logga in med ditt nya lösenord.")


@router.put(
    "/api/auth/password",
    response_model=MessageOut,
    summary="Change password",
    responses=errors(WrongCurrentPassword, WeakPassword),
)
async def change_password(
    body: ChangePasswordIn, active: CurrentSession, db: DbSession, settings: AppSettings
) -> MessageOut:
    await service.change_password(db, settings, active, body.current_password, body.new_password)
    return MessageOut(message="Lösenordet har ändrats. Dina andra inloggningar har avslutats.")


@router.get("/api/profile", response_model=ProfileOut, tags=["profile"], summary="My profile")
async def get_profile(user: CurrentUser, db: DbSession) -> ProfileOut:
    return await service.profile(db, user)


@router.put(
    "/api/profile", response_model=ProfileUpdatedOut, tags=["profile"], summary="Edit profile"
)
async def put_profile(body: ProfileIn, user: CurrentUser, db: DbSession) -> ProfileUpdatedOut:
    user = await service.update_profile(db, user, body)
    out = await service.profile(db, user)
    return ProfileUpdatedOut(**out.model_dump(exclude={"provider_id"}))


@router.get(
    "/api/provider/profile",
    response_model=ProviderProfileOut,
    tags=["profile"],
    summary="My provider profile",
    responses=errors(ProviderNotFound),
)
async def get_provider_profile(account: CurrentProvider) -> ProviderProfileOut:
    return service.provider_profile_out(account.provider, account.user)


@router.put(
    "/api/provider/profile",
    response_model=ProviderProfileOut,
    tags=["profile"],
    summary="Edit my provider profile",
    responses=errors(ProviderNotFound, UnknownPlace),
)
async def put_provider_profile(
    body: ProviderProfileIn, account: CurrentProvider, db: DbSession, settings: AppSettings
) -> ProviderProfileOut:
    return await service.update_provider_profile(db, settings, account.user, account.provider, body)


@router.get(
    "/api/provider/onboarding-status",
    response_model=OnboardingStatusOut,
    tags=["profile"],
    summary="What a provider still has to set up",
    responses=errors(ProviderNotFound),
)
async def onboarding_status(account: CurrentProvider, db: DbSession) -> OnboardingStatusOut:
    return await service.onboarding_status(db, account.provider)
