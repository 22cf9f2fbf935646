"""The account pages: register, verify e-mail, log in and out, forgot and reset password,
profile, password change and "log out everywhere".

Each calls the accounts service exactly as `accounts/router.py` does. `/verify-email` and
`/reset-password` are the paths the account e-mails link to (accounts/emails.py).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from equinet.accounts import service
from equinet.accounts.dependencies import session_token
from equinet.accounts.errors import (
    EmailNotVerified,
    InvalidResetToken,
    WeakPassword,
    WrongCurrentPassword,
)
from equinet.accounts.router import RESEND_MESSAGE
from equinet.accounts.schemas import (
    ChangePasswordIn,
    EmailOnlyIn,
    LoginIn,
    ProfileIn,
    RegisterIn,
    ResetPasswordIn,
)
from equinet.accounts.sessions import create_session, revoke_all_sessions, revoke_session
from equinet.db.session import DbSession
from equinet.kit.client_ip import client_ip
from equinet.kit.errors import EquinetError
from equinet.kit.i18n import gettext
from equinet.kit.rate_limit import rate_limiter_of
from equinet.kit.rate_limit_routes import limit_route
from equinet.ops.seed import DEMO_PASSWORD
from equinet.settings import Settings
from equinet.web.context import CurrentVisitor, PageSession, PageUser, redirect, safe_next
from equinet.web.forms import FORM, FormInvalid, attempt, domain_errors, parse, values_of
from equinet.web.pages import page_router
from equinet.web.templating import render

router = page_router()

limit_route("POST", "/register", "registration")
limit_route("POST", "/login", "login")
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


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


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
            await service.register(db, _settings(request), data)
    except FormInvalid as invalid:
        errors = invalid.errors
        if FORM in errors and values.get("userType") == "provider":
            errors["businessName"] = gettext("Ange företagets namn")
            errors.pop(FORM)
        return _register_again(request, values, errors)
    except EquinetError as error:
        field = "email" if error.code == "EmailAlreadyRegistered" else FORM
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
    await service.resend_verification(db, _settings(request), data.email)
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
    settings = _settings(request)
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
    await limiter.reset("login", f"email:{email}")
    token = await create_session(
        db,
        user,
        settings,
        user_agent=request.headers.get("user-agent"),
        ip_address=client_ip(request.scope, settings.trusted_proxies),
    )
    default = "/my/bookings" if user.user_type == "customer" else "/"
    response = redirect(safe_next(values.get("next"), default), flash="logged-in")
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


@router.post("/logout")
async def logout(request: Request, db: DbSession) -> Response:
    token = session_token(request)
    if token:
        await revoke_session(db, token)
    settings = _settings(request)
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
    await service.request_password_reset(db, _settings(request), data.email)
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
            await service.reset_password(db, _settings(request), data.token, data.password)
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


async def _profile_page(
    request: Request,
    db: DbSession,
    user: Any,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    password_errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if values is None:
        current = await service.profile(db, user)
        values = {
            "firstName": current.first_name,
            "lastName": current.last_name,
            "phone": current.phone or "",
            "city": current.city or "",
            "address": current.address or "",
        }
    return render(
        request,
        "accounts/profile.html",
        {
            "values": values,
            "errors": errors or {},
            "password_errors": password_errors or {},
            "email": user.email,
        },
        status_code=status_code,
    )


@router.get("/profile", response_class=HTMLResponse)
async def profile(request: Request, db: DbSession, user: PageUser) -> HTMLResponse:
    return await _profile_page(request, db, user)


@router.post("/profile", response_class=HTMLResponse)
async def save_profile(request: Request, db: DbSession, user: PageUser) -> Response:
    values = values_of(await request.form(), PROFILE_FIELDS)
    try:
        data = parse(ProfileIn, values)
    except FormInvalid as invalid:
        return await _profile_page(
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
                db, _settings(request), active, data.current_password, data.new_password
            )
    except FormInvalid as invalid:
        errors = invalid.errors
    except WrongCurrentPassword as error:
        errors = domain_errors(error, "currentPassword")
    except WeakPassword as error:
        errors = domain_errors(error, "newPassword")
    else:
        return redirect("/profile", flash="password-changed")
    return await _profile_page(request, db, active.user, password_errors=errors, status_code=422)


@router.post("/profile/sessions/end-others")
async def end_other_sessions(db: DbSession, active: PageSession) -> Response:
    """Log out everywhere else: every session of the user but this one ends."""
    await revoke_all_sessions(db, active.user.id, except_session_id=active.session.id)
    return redirect("/profile", flash="sessions-ended")
