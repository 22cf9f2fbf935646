"""The account pages: register, verify e-mail, log in and out, forgot and reset password,
profile, password change and "log out everywhere".

Each calls the accounts service exactly as `accounts/router.py` does. `/verify-email` and
`/reset-password` are the paths the account e-mails link to (accounts/emails.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from equinet.accounts import service, two_factor
from equinet.accounts.dependencies import get_current_provider, session_token
from equinet.accounts.errors import (
    EmailNotVerified,
    InvalidLoginChallenge,
    InvalidResetToken,
    InvalidTwoFactorCode,
    WeakPassword,
    WrongCurrentPassword,
)
from equinet.accounts.router import RESEND_MESSAGE
from equinet.accounts.schemas import (
    ChangePasswordIn,
    EmailOnlyIn,
    LoginIn,
    PasswordConfirmIn,
    ProfileIn,
    RegisterIn,
    ResetPasswordIn,
)
from equinet.accounts.sessions import create_session, revoke_all_sessions, revoke_session
from equinet.calendar_feeds import service as calendar_feeds
from equinet.db.session import DbSession
from equinet.kit.client_ip import client_ip
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import gettext
from equinet.kit.rate_limit import rate_limiter_of
from equinet.kit.rate_limit_routes import limit_route
from equinet.ops.seed import DEMO_PASSWORD
from equinet.settings import settings_of
from equinet.web.context import CurrentVisitor, PageSession, PageUser, redirect, safe_next
from equinet.web.forms import FORM, FormInvalid, attempt, domain_errors, parse, values_of
from equinet.web.pages import page_router
from equinet.web.templating import render

router = page_router()

limit_route("POST", "/register", "registration")
limit_route("POST", "/login", "login")
limit_route("POST", "/login/code", "login")
limit_route("POST", "/profile/two-factor/setup", "profileUpdate")
limit_route("POST", "/profile/two-factor/confirm", "login")
limit_route("POST", "/profile/two-factor/disable", "login")
limit_route("POST", "/profile/two-factor/recovery-codes", "login")
limit_route("POST", "/resend-verification", "resendVerification")
limit_route("POST", "/forgot-password", "passwordReset")
limit_route("POST", "/reset-password", "passwordReset")
limit_route("POST", "/profile", "profileUpdate")
limit_route("POST", "/profile/password", "profileUpdate")

REGISTER_FIELDS = (
    "firstName", "lastName", "email", "phone", "password", "userType", "businessName", "city"
)  # fmt: skip
PROFILE_FIELDS = ("firstName", "lastName", "phone", "city", "address")
DEMO_ACCOUNTS = (
    ("kund@test.se", "Kund"),
    ("erik@hovslagare-uppsala.se", "Leverantör"),
    ("anna@hastvard-goteborg.se", "Leverantör"),
)


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value) for key, value in form.items() if isinstance(value, str)}


# --- register and verify -------------------------------------------------------------------


@router.get("/register", response_class=HTMLResponse)
async def register_form(
    request: Request, visitor: CurrentVisitor, type: str | None = None
) -> HTMLResponse:
    values = {"userType": "provider" if type == "provider" else "customer"}
    return render(request, "accounts/register.html", {"values": values, "errors": {}})


@router.post("/register", response_class=HTMLResponse)
async def register(request: Request, db: DbSession, visitor: CurrentVisitor) -> Response:
    values = values_of(await request.form(), REGISTER_FIELDS)
    if values.get("userType") != "provider":
        values.pop("businessName", None)
    try:
        data = parse(RegisterIn, values)
        async with attempt(db):
            await service.register(db, settings_of(request), data)
    except FormInvalid as invalid:
        errors = invalid.errors
        if FORM in errors and values.get("userType") == "provider":
            errors["businessName"] = gettext("Ange företagets namn")
            errors.pop(FORM)
        return _register_again(request, values, errors)
    except EquinetError as error:
        field = "email" if error.code == "EMAIL_ALREADY_REGISTERED" else FORM
        return _register_again(request, values, domain_errors(error, field))
    return redirect("/login", flash="registered")


def _register_again(request: Request, values: dict[str, str], errors: dict[str, str]) -> Response:
    values.pop("password", None)
    return render(
        request, "accounts/register.html", {"values": values, "errors": errors}, status_code=422
    )


@router.get("/verify-email", response_class=HTMLResponse)
async def verify_email(
    request: Request, db: DbSession, visitor: CurrentVisitor, token: str | None = None
) -> HTMLResponse:
    """The link in the verification e-mail: verifies at once and says so."""
    try:
        async with attempt(db):
            email = await service.verify_email(db, token or "")
    except EquinetError as error:
        return render(
            request,
            "accounts/verify.html",
            {"verified": False, "message": gettext(error.message), "values": {}, "errors": {}},
            status_code=400,
        )
    return render(request, "accounts/verify.html", {"verified": True, "email": email})


@router.post("/resend-verification", response_class=HTMLResponse)
async def resend_verification(request: Request, db: DbSession, visitor: CurrentVisitor) -> Response:
    values = values_of(await request.form(), ("email",))
    try:
        data = parse(EmailOnlyIn, values)
    except FormInvalid as invalid:
        return render(
            request,
            "accounts/verify.html",
            {"verified": False, "values": values, "errors": invalid.errors},
            status_code=422,
        )
    await service.resend_verification(db, settings_of(request), data.email)
    return render(
        request, "accounts/verify.html", {"verified": False, "sent": gettext(RESEND_MESSAGE)}
    )


# --- log in and out ---------------------------------------------------------------------------


def _login_context(values: dict[str, str], errors: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "values": values,
        "errors": errors,
        "demo_accounts": DEMO_ACCOUNTS,
        "demo_password": DEMO_PASSWORD,
        **extra,
    }


@router.get("/login", response_class=HTMLResponse)
async def login_form(
    request: Request, visitor: CurrentVisitor, next: str | None = None
) -> Response:
    if visitor.user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "accounts/login.html", _login_context({"next": next or ""}, {}))


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, db: DbSession, visitor: CurrentVisitor) -> Response:
    values = values_of(await request.form(), ("email", "password", "next"))
    shown = {"email": values.get("email", ""), "next": values.get("next", "")}
    settings = settings_of(request)
    limiter = rate_limiter_of(request.app)
    try:
        data = parse(
            LoginIn, {"email": values.get("email", ""), "password": values.get("password", "")}
        )
        email = data.email.strip().lower()
        await limiter.check("login", f"email:{email}")
        user = await service.authenticate(db, email, data.password)
    except FormInvalid as invalid:
        return render(
            request, "accounts/login.html", _login_context(shown, invalid.errors), status_code=422
        )
    except EmailNotVerified as error:
        context = _login_context(shown, {FORM: gettext(error.message)}, unverified=True)
        return render(request, "accounts/login.html", context, status_code=403)
    except EquinetError as error:
        if error.status_code == 429:
            raise
        context = _login_context(shown, {FORM: gettext(error.message)})
        return render(request, "accounts/login.html", context, status_code=error.status_code)
    try:
        needs_code = await two_factor.second_factor_needed(db, user)
    except EquinetError as error:  # an admin without two-factor login set up
        context = _login_context(shown, {FORM: gettext(error.message)})
        return render(request, "accounts/login.html", context, status_code=error.status_code)
    if needs_code:
        # The password was right; the limiter's count stays until the code is right too.
        challenge, _expires = await two_factor.start_challenge(db, settings, user)
        return _code_form(request, {"challenge": challenge, "next": values.get("next", "")}, {})
    await limiter.reset("login", f"email:{email}")
    return await _logged_in(request, db, user, values.get("next"))


async def _logged_in(request: Request, db: DbSession, user: Any, next_path: str | None) -> Response:
    """The session of a user who has proved who they are, and on to where they were going."""
    settings = settings_of(request)
    token = await create_session(
        db,
        user,
        settings,
        user_agent=request.headers.get("user-agent"),
        ip_address=client_ip(request.scope, settings.trusted_proxies),
    )
    default = "/my/bookings" if user.user_type == "customer" else "/"
    response = redirect(safe_next(next_path, default), flash="logged-in")
    response.set_cookie(
        settings.session_cookie_name,
        token,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
    )
    return response


def _code_form(
    request: Request, values: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    return render(
        request, "accounts/login_code.html", {"values": values, "errors": errors},
        status_code=status_code, headers={"Cache-Control": "no-store"},
    )  # fmt: skip


@router.post("/login/code", response_class=HTMLResponse)
async def login_code(request: Request, db: DbSession, visitor: CurrentVisitor) -> Response:
    """The second login step: the authenticator app's code, or one of the recovery codes."""
    values = values_of(await request.form(), ("challenge", "code", "recoveryCode", "next"))
    shown = {"challenge": values.get("challenge", ""), "next": values.get("next", "")}
    limiter = rate_limiter_of(request.app)
    try:
        user = await two_factor.challenged_user(db, values.get("challenge", ""))
    except InvalidLoginChallenge as error:
        context = _login_context({"next": shown["next"]}, {FORM: gettext(error.message)})
        return render(request, "accounts/login.html", context, status_code=401)
    key = f"email:{user.email.lower()}"
    code, recovery = values.get("code", "").strip(), values.get("recoveryCode", "").strip()
    if not code and not recovery:
        return _code_form(request, shown, {"code": gettext("Fältet måste fyllas i")}, 422)
    await limiter.check("login", key)
    try:
        async with attempt(db):
            user = await two_factor.complete_challenge(
                db, settings_of(request), shown["challenge"], code=code or None,
                recovery_code=recovery or None,
            )  # fmt: skip
    except InvalidTwoFactorCode as error:
        field = "recoveryCode" if recovery else "code"
        return _code_form(request, shown, domain_errors(error, field), 401)
    except EquinetError as error:
        return _code_form(request, shown, domain_errors(error), error.status_code)
    await limiter.reset("login", key)
    return await _logged_in(request, db, user, shown["next"])


@router.post("/logout")
async def logout(request: Request, db: DbSession) -> Response:
    token = session_token(request)
    if token:
        await revoke_session(db, token)
    settings = settings_of(request)
    response = redirect("/", flash="logged-out")
    response.delete_cookie(
        settings.session_cookie_name,
        path="/",
        httponly=True,
        secure=settings.session_cookie_secure,
        samesite="lax",
    )
    return response


# --- forgot and reset password ----------------------------------------------------------------


@router.get("/forgot-password", response_class=HTMLResponse)
async def forgot_form(request: Request, visitor: CurrentVisitor) -> HTMLResponse:
    return render(request, "accounts/forgot.html", {"values": {}, "errors": {}})


@router.post("/forgot-password", response_class=HTMLResponse)
async def forgot(request: Request, db: DbSession, visitor: CurrentVisitor) -> Response:
    values = values_of(await request.form(), ("email",))
    try:
        data = parse(EmailOnlyIn, values)
    except FormInvalid as invalid:
        return render(
            request, "accounts/forgot.html", {"values": values, "errors": invalid.errors},
            status_code=422,
        )  # fmt: skip
    await service.request_password_reset(db, settings_of(request), data.email)
    return redirect("/login", flash="reset-sent")


@router.get("/reset-password", response_class=HTMLResponse)
async def reset_form(
    request: Request, visitor: CurrentVisitor, token: str | None = None
) -> HTMLResponse:
    """The link in the reset e-mail: a form for the new password."""
    return render(request, "accounts/reset.html", {"values": {"token": token or ""}, "errors": {}})


@router.post("/reset-password", response_class=HTMLResponse)
async def reset(request: Request, db: DbSession, visitor: CurrentVisitor) -> Response:
    values = values_of(await request.form(), ("token", "password"))
    try:
        data = parse(ResetPasswordIn, values)
        async with attempt(db):
            await service.reset_password(db, settings_of(request), data.token, data.password)
    except FormInvalid as invalid:
        errors = invalid.errors
    except (InvalidResetToken, WeakPassword) as error:
        errors = domain_errors(error)
    else:
        return redirect("/login", flash="password-reset")
    shown = {"token": values.get("token", "")}
    return render(
        request, "accounts/reset.html", {"values": shown, "errors": errors}, status_code=422
    )


# --- profile, password, sessions --------------------------------------------------------------


async def profile_page(
    request: Request,
    db: DbSession,
    user: Any,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    password_errors: dict[str, str] | None = None,
    avatar_errors: dict[str, str] | None = None,
    two_factor_errors: dict[str, str] | None = None,
    feed_url: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The profile page; the other areas' sections (avatar, two-factor login, calendar feed)
    come from their own services, and their forms re-render this page with their errors."""
    if values is None:
        current = await service.profile(db, user)
        values = {
            "firstName": current.first_name,
            "lastName": current.last_name,
            "phone": current.phone or "",
            "city": current.city or "",
            "address": current.address or "",
        }
    enabled, recovery_left = await two_factor.status(db, user)
    provider = await get_current_provider(user, db) if user.user_type == "provider" else None
    return render(
        request,
        "accounts/profile.html",
        {
            "values": values,
            "errors": errors or {},
            "password_errors": password_errors or {},
            "email": user.email,
            "provider": provider.provider if provider else None,
            "avatar_errors": avatar_errors or {},
            "two_factor": {"enabled": enabled, "recovery_left": recovery_left},
            "two_factor_errors": two_factor_errors or {},
            "feed": await calendar_feeds.feed_status(db, user),
            "feed_url": feed_url,
        },
        status_code=status_code,
    )


@router.get("/profile", response_class=HTMLResponse)
async def profile(request: Request, db: DbSession, user: PageUser) -> HTMLResponse:
    return await profile_page(request, db, user)


@router.post("/profile", response_class=HTMLResponse)
async def save_profile(request: Request, db: DbSession, user: PageUser) -> Response:
    values = values_of(await request.form(), PROFILE_FIELDS)
    try:
        data = parse(ProfileIn, values)
    except FormInvalid as invalid:
        return await profile_page(
            request, db, user, values=values, errors=invalid.errors, status_code=422
        )
    await service.update_profile(db, user, data)
    return redirect("/profile", flash="profile-saved")


@router.post("/profile/password", response_class=HTMLResponse)
async def change_password(request: Request, db: DbSession, active: PageSession) -> Response:
    values = values_of(await request.form(), ("currentPassword", "newPassword"))
    try:
        data = parse(ChangePasswordIn, values)
        async with attempt(db):
            await service.change_password(
                db, settings_of(request), active, data.current_password, data.new_password
            )
    except FormInvalid as invalid:
        errors = invalid.errors
    except WrongCurrentPassword as error:
        errors = domain_errors(error, "currentPassword")
    except WeakPassword as error:
        errors = domain_errors(error, "newPassword")
    else:
        return redirect("/profile", flash="password-changed")
    return await profile_page(request, db, active.user, password_errors=errors, status_code=422)


@router.post("/profile/sessions/end-others")
async def end_other_sessions(db: DbSession, active: PageSession) -> Response:
    """Log out everywhere else: every session of the user but this one ends."""
    await revoke_all_sessions(db, active.user.id, except_session_id=active.session.id)
    return redirect("/profile", flash="sessions-ended")


# --- two-factor login -------------------------------------------------------------------------


def _two_factor_setup(
    request: Request, enrolment: dict[str, str], errors: dict[str, str], status_code: int = 200
) -> Response:
    return render(
        request, "accounts/two_factor_setup.html",
        {"enrolment": enrolment, "errors": errors, "qr_svg": qr_svg(enrolment["otpauthUri"])},
        status_code=status_code, headers={"Cache-Control": "no-store"},
    )  # fmt: skip


@router.post("/profile/two-factor/setup", response_class=HTMLResponse)
async def two_factor_setup(request: Request, db: DbSession, user: PageUser) -> Response:
    """Step one: the password again, then a new secret for the authenticator app."""
    values = values_of(await request.form(), ("password",))
    try:
        data = parse(PasswordConfirmIn, values)
        async with attempt(db):
            enrolment = await two_factor.begin_setup(db, settings_of(request), user, data.password)
    except FormInvalid as invalid:
        return await profile_page(
            request, db, user, two_factor_errors=invalid.errors, status_code=422
        )
    except WrongCurrentPassword as error:
        errors = domain_errors(error, "password")
        return await profile_page(request, db, user, two_factor_errors=errors, status_code=400)
    except EquinetError as error:
        errors = domain_errors(error)
        return await profile_page(
            request, db, user, two_factor_errors=errors, status_code=error.status_code
        )
    shown = {"secret": enrolment.secret, "otpauthUri": enrolment.otpauth_uri}
    return _two_factor_setup(request, shown, {})


@router.post("/profile/two-factor/confirm", response_class=HTMLResponse)
async def two_factor_confirm(request: Request, db: DbSession, user: PageUser) -> Response:
    """Step two: the first code turns it on; the recovery codes are shown this once."""
    values = values_of(await request.form(), ("code", "secret", "otpauthUri"))
    enrolment = {"secret": values.get("secret", ""), "otpauthUri": values.get("otpauthUri", "")}
    try:
        async with attempt(db):
            codes = await two_factor.confirm_setup(
                db, settings_of(request), user, values.get("code", "")
            )
    except InvalidTwoFactorCode as error:
        return _two_factor_setup(request, enrolment, domain_errors(error, "code"), 400)
    except EquinetError as error:
        return await profile_page(
            request, db, user, two_factor_errors=domain_errors(error),
            status_code=error.status_code,
        )  # fmt: skip
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes},
        headers={"Cache-Control": "no-store"},
    )  # fmt: skip


@router.post("/profile/two-factor/disable", response_class=HTMLResponse)
async def two_factor_disable(request: Request, db: DbSession, user: PageUser) -> Response:
    values = values_of(await request.form(), ("password", "code"))
    try:
        async with attempt(db):
            await two_factor.disable(
                db, settings_of(request), user, values.get("password", ""), values.get("code", "")
            )
    except WrongCurrentPassword as error:
        errors = domain_errors(error, "password")
    except InvalidTwoFactorCode as error:
        errors = domain_errors(error, "code")
    except EquinetError as error:
        errors = domain_errors(error)
    else:
        return redirect("/profile", flash="two-factor-off")
    return await profile_page(request, db, user, two_factor_errors=errors, status_code=400)


@router.post("/profile/two-factor/recovery-codes", response_class=HTMLResponse)
async def two_factor_new_codes(request: Request, db: DbSession, user: PageUser) -> Response:
    """New recovery codes (the old ones stop working), shown this once."""
    values = values_of(await request.form(), ("recoveryCodeCheck",))
    try:
        async with attempt(db):
            codes = await two_factor.regenerate_recovery_codes(
                db, settings_of(request), user, values.get("recoveryCodeCheck", "")
            )
    except EquinetError as error:
        errors = domain_errors(error, "recoveryCodeCheck")
        return await profile_page(request, db, user, two_factor_errors=errors, status_code=400)
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes},
        headers={"Cache-Control": "no-store"},
    )  # fmt: skip


def qr_svg(uri: str) -> str | None:
    """The otpauth URI as an inline SVG QR code (segno), for phones' authenticator apps."""
    if not uri:
        return None
    import segno

    svg: str = segno.make(uri, error="m").svg_inline(scale=4, dark="#1b1f24", light="#ffffff")
    return svg
