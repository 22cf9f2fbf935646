"""The admin domain's errors, Swedish messages and machine codes."""

from __future__ import annotations

from equinet.kit.errors import Conflict, NotFound


class UserNotFound(NotFound):
    code = "UserNotFound"
    message = "Användaren hittades inte"


class CannotDeactivateSelf(Conflict):
    code = "CannotDeactivateSelf"
    message = "Du kan inte inaktivera ditt eget konto"


class DeletedAccount(Conflict):
    code = "AccountDeleted"
    message = "Kontot är borttaget och kan inte återaktiveras"
