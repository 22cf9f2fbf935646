"""The verification domain's errors, Swedish messages and machine codes."""

from __future__ import annotations

from equinet.kit.errors import Conflict, EquinetError, NotFound


class VerificationNotFound(NotFound):
    code = "VERIFICATION_NOT_FOUND"
    message = "Verifieringsansökan hittades inte"


class TooManyPending(EquinetError):
    code = "TOO_MANY_PENDING"
    message = "Du kan ha max 5 väntande ansökningar. Vänta tills befintliga har granskats."


class ApprovedNotEditable(EquinetError):
    code = "APPROVED_NOT_EDITABLE"
    message = "Godkända verifieringar kan inte redigeras"


class ApprovedNotDeletable(EquinetError):
    code = "APPROVED_NOT_DELETABLE"
    message = "Godkända verifieringar kan inte tas bort"


class AlreadyReviewed(Conflict):
    code = "ALREADY_REVIEWED"
    message = "Denna ansökan har redan behandlats"


class RejectionNeedsReason(EquinetError):
    status_code = 422
    code = "VALIDATION_ERROR"
    message = "Valideringsfel"

    def __init__(self) -> None:
        super().__init__(
            details=[
                {
                    "field": "reviewNote",
                    "message": "Ange en anledning när ansökan avvisas",
                    "type": "missing",
                }
            ]
        )
