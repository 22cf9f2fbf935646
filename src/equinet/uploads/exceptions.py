"""The uploads domain's errors, Swedish messages and machine codes."""

from __future__ import annotations

# One class per error code: the horse domain's.
from equinet.horses.exceptions import HorseNotFound as HorseNotFound
from equinet.kit.errors import EquinetError, NotFound
from equinet.verification.exceptions import VerificationNotFound


class InvalidForm(EquinetError):
    code = "INVALID_FORM"
    message = "Ogiltig formdata"


class NoFile(EquinetError):
    code = "NO_FILE"
    message = "Ingen fil uppladdad"


class InvalidBucket(EquinetError):
    code = "INVALID_BUCKET"
    message = "Ogiltig bucket. Tillåtna: avatars, horses, verifications."


class EntityIdRequired(EquinetError):
    code = "ENTITY_ID_REQUIRED"
    message = "entityId krävs"


class UnsupportedFileType(EquinetError):
    status_code = 415
    code = "UNSUPPORTED_FILE_TYPE"
    message = "Filtypen stöds inte. Tillåtna: JPEG, PNG, WebP (och PDF för verifieringar)."


class UnreadableImage(EquinetError):
    code = "UNREADABLE_IMAGE"
    message = "Bilden kunde inte läsas. Försök med en annan bild."


class FileTooLarge(EquinetError):
    status_code = 413
    code = "FILE_TOO_LARGE"
    message = "Filen är för stor"

    def __init__(self, limit_bytes: int) -> None:
        megabytes = f"{limit_bytes / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",")
        super().__init__(
            f"Filen är för stor. Max {megabytes} MB.", details={"maxBytes": limit_bytes}
        )


class VerificationNotEditable(VerificationNotFound):
    message = "Verifieringsansökan hittades inte eller kan inte ändras"


class TooManyVerificationImages(EquinetError):
    code = "TOO_MANY_IMAGES"
    message = "Max 5 bilder per verifiering"


class UploadNotFound(NotFound):
    code = "UPLOAD_NOT_FOUND"
    message = "Filen hittades inte"


class ApprovedVerificationImage(EquinetError):
    code = "APPROVED_VERIFICATION_IMAGE"
    message = "Kan inte ta bort bilder från godkända verifieringar"


class StorageFailed(EquinetError):
    status_code = 503
    code = "STORAGE_FAILED"
    message = "Kunde inte ladda upp filen. Försök igen."
