"""The horse domain's errors: not yours and not there are the same 404."""

from __future__ import annotations

from equinet.kit.errors import EquinetError, NotFound


class HorseNotFound(NotFound):
    code = "HorseNotFound"
    message = "Hästen hittades inte"


class NoteNotFound(NotFound):
    code = "NoteNotFound"
    message = "Anteckningen hittades inte"


class PassportNotFound(NotFound):
    code = "PassportNotFound"
    message = "Hästpasset hittades inte"


class PassportExpired(NotFound):
    code = "PassportExpired"
    message = "Hästpasslänken är utgången. Be ägaren skapa en ny."


class InvalidCategory(EquinetError):
    code = "InvalidCategory"
    message = "Ogiltig kategori. Giltiga värden: veterinary, farrier, medication, training, other"


class InvalidExportFormat(EquinetError):
    code = "InvalidExportFormat"
    message = "Ogiltigt exportformat. Giltiga värden: json, csv, pdf"
