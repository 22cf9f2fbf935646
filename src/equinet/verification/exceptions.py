"""The verification domain's errors, Swedish messages and machine codes."""

from __future__ import annotations

from equinet.kit.errors import Conflict, EquinetError, NotFound


class VerificationNotFound(NotFound):
    code = "VerificationNotFound"
    message = "Verifieringsansökan hittades inte"


class TooManyPending(EquinetError):
    code = "TooManyPending"
    message = "Du kan ha max 5 väntande ansökningar. Vänta tills befintliga har granskats."


class ApprovedNotEditable(EquinetError):
    code = "ApprovedNotEditable"
    message = "Godkända verifieringar kan inte redigeras"


class ApprovedNotDeletable(EquinetError):
    code = "ApprovedNotDeletable"
    message = "Godkända verifieringar kan inte tas bort"


class AlreadyReviewed(Conflict):
    code = "AlreadyReviewed"
    message = "Denna ansökan har redan behandlats"


class RejectionNeedsReason(EquinetError):
    status_code = 422
    code = "ValidationError"
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
