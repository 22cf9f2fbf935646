"""The provider domain's errors, shared by every route that looks a provider up."""

from __future__ import annotations

from equinet.kit.errors import EquinetError, NotFound, ValidationFailed


class ProviderNotFound(NotFound):
    """No such provider, not active, not yours, or a provider user without a Provider row."""

    code = "PROVIDER_NOT_FOUND"
    message = "Leverantören hittades inte"


class InvalidProviderQuery(ValidationFailed):
    code = "INVALID_QUERY"
    message = "Ogiltiga parametrar i adressen"


class UnknownPlace(EquinetError):
    """An address whose place we cannot find in the Swedish place data."""

    status_code = 422
    code = "UNKNOWN_PLACE"
    message = "Kunde inte hitta orten. Kontrollera ort och postnummer."
