"""The accounting domain's errors, with Swedish messages and machine codes."""

from __future__ import annotations

from equinet.kit.errors import EquinetError, NotFound


class FortnoxNotConfigured(EquinetError):
    status_code = 503
    code = "FORTNOX_NOT_CONFIGURED"
    message = "Fortnox-integrationen är inte konfigurerad"


class FortnoxNotConnected(NotFound):
    code = "FORTNOX_NOT_CONNECTED"
    message = "Ingen Fortnox-koppling hittad"
