"""The horse domain's errors: not yours and not there are the same 404."""

from __future__ import annotations

from equinet.kit.errors import EquinetError, NotFound


class HorseNotFound(NotFound):
    code = "HORSE_NOT_FOUND"
    message = "Hästen hittades inte"


class NoteNotFound(NotFound):
    code = "NOTE_NOT_FOUND"
    message = "Anteckningen hittades inte"


class PassportNotFound(NotFound):
    code = "PASSPORT_NOT_FOUND"
    message = "Hästpasset hittades inte"


class PassportExpired(NotFound):
    code = "PASSPORT_EXPIRED"
    message = "Hästpasslänken är utgången. Be ägaren skapa en ny."


class InvalidCategory(EquinetError):
    code = "INVALID_CATEGORY"
    message = "Ogiltig kategori. Giltiga värden: veterinary, farrier, medication, training, other"


class InvalidExportFormat(EquinetError):
    code = "INVALID_EXPORT_FORMAT"
    message = "Ogiltigt exportformat. Giltiga värden: json, csv, pdf"
