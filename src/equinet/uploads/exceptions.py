"""The uploads domain's errors, Swedish messages and machine codes."""

from __future__ import annotations

from equinet.kit.errors import EquinetError, NotFound


class InvalidForm(EquinetError):
    code = "InvalidForm"
    message = "Ogiltig formdata"


class NoFile(EquinetError):
    code = "NoFile"
    message = "Ingen fil uppladdad"


class InvalidBucket(EquinetError):
    code = "InvalidBucket"
    message = "Ogiltig bucket. Tillåtna: avatars, horses, verifications."


class EntityIdRequired(EquinetError):
    code = "EntityIdRequired"
    message = "entityId krävs"


class UnsupportedFileType(EquinetError):
    status_code = 415
    code = "UnsupportedFileType"
    message = "Filtypen stöds inte. Tillåtna: JPEG, PNG, WebP (och PDF för verifieringar)."


class UnreadableImage(EquinetError):
    code = "UnreadableImage"
    message = "Bilden kunde inte läsas. Försök med en annan bild."


class FileTooLarge(EquinetError):
    status_code = 413
    code = "FileTooLarge"
    message = "Filen är för stor"

    def __init__(self, limit_bytes: int) -> None:
        megabytes = f"{limit_bytes / (1024 * 1024):.1f}".rstrip("0").rstrip(".").replace(".", ",")
        super().__init__(
            f"Filen är för stor. Max {megabytes} MB.", details={"maxBytes": limit_bytes}
        )


class HorseNotFound(NotFound):
    code = "HorseNotFound"
    message = "Hästen hittades inte"


class ProviderNotFound(NotFound):
    code = "ProviderNotFound"
    message = "Leverantören hittades inte"


class VerificationNotEditable(NotFound):
    code = "VerificationNotFound"
    message = "Verifieringsansökan hittades inte eller kan inte ändras"


class TooManyVerificationImages(EquinetError):
    code = "TooManyImages"
    message = "Max 5 bilder per verifiering"


class UploadNotFound(NotFound):
    code = "UploadNotFound"
    message = "Filen hittades inte"


class ApprovedVerificationImage(EquinetError):
    code = "ApprovedVerificationImage"
    message = "Kan inte ta bort bilder från godkända verifieringar"


class StorageFailed(EquinetError):
    status_code = 503
    code = "StorageFailed"
    message = "Kunde inte ladda upp filen. Försök igen."
