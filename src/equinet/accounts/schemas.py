"""Request and response bodies of the auth and profile routes, camelCase.

Request bodies are strict: unknown keys are refused (so `email` cannot be changed through
PUT /api/profile). Passwords are checked against the policy in the service, where the user's
name and e-mail are known; here they only get a generous length cap so that nobody makes us
hash a megabyte.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from equinet.accounts import sanitize
from equinet.kit.api_model import ApiModel
from equinet.kit.timestamps import UtcDateTime

_MAX_PASSWORD_INPUT = 1024


class StrictIn(ApiModel):
    model_config = ConfigDict(extra="forbid")


def _valid_email(value: str) -> str:
    value = sanitize.email(value)
    if not sanitize.is_email(value):
        raise ValueError("Ogiltig e-postadress")
    return value


def _required_line(value: str) -> str:
    value = sanitize.one_line(value)
    if not value:
        raise ValueError("Får inte vara tomt")
    return value


def _optional_line(value: str | None) -> str | None:
    return sanitize.one_line(value) or None if value is not None else None


def _optional_text(value: str | None) -> str | None:
    return sanitize.multi_line(value) or None if value is not None else None


def _optional_phone(value: str | None) -> str | None:
    return sanitize.phone(value) or None if value is not None else None


EmailIn = Annotated[str, Field(max_length=254), AfterValidator(_valid_email)]
RequiredLine = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_required_line)]
OptionalLine = Annotated[str | None, Field(max_length=200), AfterValidator(_optional_line)]
OptionalText = Annotated[str | None, Field(max_length=5000), AfterValidator(_optional_text)]
OptionalPhone = Annotated[str | None, Field(max_length=40), AfterValidator(_optional_phone)]
PasswordIn = Annotated[str, Field(min_length=1, max_length=_MAX_PASSWORD_INPUT)]
Latitude = Annotated[float | None, Field(ge=-90, le=90)]
Longitude = Annotated[float | None, Field(ge=-180, le=180)]


# --- requests ---------------------------------------------------------------------------


class RegisterIn(StrictIn):
    email: EmailIn
    password: PasswordIn
    first_name: RequiredLine
    last_name: RequiredLine
    phone: OptionalPhone = None
    user_type: Literal["customer", "provider"]
    business_name: OptionalLine = None
    description: OptionalText = None
    city: OptionalLine = None

    @model_validator(mode="after")
    def _provider_needs_business(self) -> RegisterIn:
        # a provider account always gets its Provider row, which needs a name.
        if self.user_type == "provider" and not self.business_name:
            raise ValueError("businessName krävs för leverantörer")
        return self


class TokenIn(StrictIn):
    token: Annotated[str, Field(min_length=1, max_length=200)]


class EmailOnlyIn(StrictIn):
    email: EmailIn


class LoginIn(StrictIn):
    # Any string: an address that cannot exist gets the same 401 as a wrong password.
    email: Annotated[str, Field(min_length=1, max_length=254)]
    password: PasswordIn


class ResetPasswordIn(StrictIn):
    token: Annotated[str, Field(min_length=1, max_length=200)]
    password: PasswordIn


class ChangePasswordIn(StrictIn):
    current_password: PasswordIn
    new_password: PasswordIn


class ProfileIn(StrictIn):
    first_name: RequiredLine
    last_name: RequiredLine
    phone: OptionalPhone = None
    city: OptionalLine = None
    address: OptionalLine = None
    latitude: Latitude = None
    longitude: Longitude = None


class ProviderProfileIn(StrictIn):
    business_name: RequiredLine
    description: OptionalText = None
    address: OptionalLine = None
    city: OptionalLine = None
    postal_code: OptionalLine = None
    service_area: OptionalLine = None
    latitude: Latitude = None
    longitude: Longitude = None
    service_area_km: Annotated[float | None, Field(ge=1, le=500)] = None


# --- responses --------------------------------------------------------------------------


class MessageOut(ApiModel):
    message: str


class NewUserOut(ApiModel):
    id: str
    email: str
    first_name: str
    last_name: str
    user_type: str


class RegisterOut(ApiModel):
    message: str
    user: NewUserOut


class VerifyEmailOut(ApiModel):
    message: str
    email: str


class SessionUserOut(ApiModel):
    id: str
    email: str
    name: str
    first_name: str
    last_name: str
    user_type: str
    is_admin: bool
    email_verified: bool
    provider_id: str | None


class LoginOut(ApiModel):
    user: SessionUserOut
    # The session token, for API clients that send `Authorization: Bearer`; browsers use the
    # HttpOnly cookie set on the same response.
    token: str
    expires_at: UtcDateTime


class SessionOut(ApiModel):
    user: SessionUserOut
    expires_at: UtcDateTime


class ProfileUpdatedOut(ApiModel):
    id: str
    email: str
    first_name: str
    last_name: str
    phone: str | None
    user_type: str
    city: str | None
    address: str | None
    latitude: float | None
    longitude: float | None


class ProfileOut(ProfileUpdatedOut):
    provider_id: str | None


class ProviderUserOut(ApiModel):
    first_name: str
    last_name: str
    email: str
    phone: str | None


class ProviderProfileOut(ApiModel):
    id: str
    user_id: str
    business_name: str
    description: str | None
    address: str | None
    city: str | None
    postal_code: str | None
    latitude: float | None
    longitude: float | None
    service_area_km: float | None
    service_area: str | None
    profile_image_url: str | None
    is_active: bool
    is_verified: bool
    verified_at: UtcDateTime | None
    created_at: UtcDateTime
    updated_at: UtcDateTime
    user: ProviderUserOut


class OnboardingStatusOut(ApiModel):
    profile_complete: bool
    has_services: bool
    has_availability: bool
    is_active: bool
    all_complete: bool


class TwoFactorChallengeOut(ApiModel):
    """The password was right; the code from the authenticator app completes the login."""

    two_factor_required: Literal[True] = True
    challenge: str
    expires_at: UtcDateTime


class TotpLoginIn(StrictIn):
    challenge: str = Field(min_length=1, max_length=200)
    code: str | None = Field(None, max_length=20)
    recovery_code: str | None = Field(None, max_length=40)

    @model_validator(mode="after")
    def _one_factor(self) -> TotpLoginIn:
        if not (self.code or self.recovery_code):
            raise ValueError("Ange koden från autentiseringsappen eller en reservkod")
        return self


class PasswordConfirmIn(StrictIn):
    password: str = Field(min_length=1, max_length=_MAX_PASSWORD_INPUT)


class TwoFactorCodeIn(StrictIn):
    code: str = Field(min_length=1, max_length=20)


class TwoFactorDisableIn(StrictIn):
    password: str = Field(min_length=1, max_length=_MAX_PASSWORD_INPUT)
    code: str = Field(min_length=1, max_length=20)


class TwoFactorStatusOut(ApiModel):
    enabled: bool
    required: bool
    recovery_codes_left: int


class TwoFactorSetupOut(ApiModel):
    secret: str
    otpauth_uri: str


class RecoveryCodesOut(ApiModel):
    recovery_codes: list[str]
