"""The accounts domain's errors, with the spec's Swedish messages."""

from __future__ import annotations

from equinet.kit.errors import EquinetError, NotFound


class InvalidCredentials(EquinetError):
    # One answer for "no such e-mail" and "wrong password": login must not reveal accounts.
    status_code = 401
    code = "INVALID_CREDENTIALS"
    message = "Ogiltig email eller lösenord"


class EmailNotVerified(EquinetError):
    # The original's login page looks for the string EMAIL_NOT_VERIFIED; it is our code.
    status_code = 403
    code = "EMAIL_NOT_VERIFIED"
    message = "Du måste verifiera din e-postadress innan du kan logga in"


class EmailAlreadyRegistered(EquinetError):
    status_code = 400
    code = "EMAIL_ALREADY_REGISTERED"
    message = "En användare med denna e-postadress finns redan"


class InvalidVerificationToken(EquinetError):
    # All three token errors are 400 so that a token's existence is not revealed by status.
    status_code = 400
    code = "INVALID_VERIFICATION_TOKEN"
    message = "Ogiltig eller utgången verifieringslänk"


class VerificationTokenUsed(InvalidVerificationToken):
    code = "VERIFICATION_TOKEN_USED"
    message = "Denna verifieringslänk har redan använts"


class VerificationTokenExpired(InvalidVerificationToken):
    code = "VERIFICATION_TOKEN_EXPIRED"
    message = "Verifieringslänken har gått ut. Begär en ny."


class InvalidResetToken(EquinetError):
    status_code = 400
    code = "INVALID_RESET_TOKEN"
    message = "Ogiltig eller utgången länk för att återställa lösenordet. Begär en ny."


class WrongCurrentPassword(EquinetError):
    status_code = 400
    code = "WRONG_CURRENT_PASSWORD"
    message = "Nuvarande lösenord är fel"


class WeakPassword(EquinetError):
    """A password the policy refuses: rendered like any other validation error (422)."""

    status_code = 422
    code = "VALIDATION_ERROR"
    message = "Valideringsfel"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(details=[{"field": field, "message": problem, "type": "password_policy"}])


class UserNotFound(NotFound):
    code = "USER_NOT_FOUND"
    message = "Användaren hittades inte"


class AccountDeactivated(EquinetError):
    # Told only to someone who knows the password, like EMAIL_NOT_VERIFIED.
    status_code = 403
    code = "ACCOUNT_DEACTIVATED"
    message = "Kontot är inaktiverat. Kontakta Equinet om du tror att det är fel."


class TwoFactorEnrolmentRequired(EquinetError):
    status_code = 403
    code = "TWO_FACTOR_ENROLMENT_REQUIRED"
    message = (
        "Administratörer måste logga in med tvåstegsverifiering. Aktivera den med "
        "kommandot `equinet users create-admin` innan du loggar in."
    )


class InvalidLoginChallenge(EquinetError):
    status_code = 401
    code = "INVALID_LOGIN_CHALLENGE"
    message = "Inloggningen har gått ut. Logga in med e-post och lösenord igen."


class InvalidTwoFactorCode(EquinetError):
    status_code = 401
    code = "INVALID_TWO_FACTOR_CODE"
    message = "Fel kod. Ange koden från din autentiseringsapp eller en reservkod."


class TwoFactorAlreadyEnabled(EquinetError):
    status_code = 409
    code = "TWO_FACTOR_ALREADY_ENABLED"
    message = "Tvåstegsverifiering är redan aktiverad"


class TwoFactorNotSetUp(EquinetError):
    status_code = 409
    code = "TWO_FACTOR_NOT_SET_UP"
    message = "Tvåstegsverifiering är inte påbörjad. Starta inställningen först."


class TwoFactorRequiredForAdmins(EquinetError):
    status_code = 403
    code = "TWO_FACTOR_REQUIRED_FOR_ADMINS"
    message = "Administratörer kan inte stänga av tvåstegsverifiering"
