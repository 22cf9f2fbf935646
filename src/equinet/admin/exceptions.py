"""The admin domain's errors, Swedish messages and machine codes."""

from __future__ import annotations

from equinet.accounts.errors import UserNotFound as UserNotFound
from equinet.kit.errors import Conflict


class CannotDeactivateSelf(Conflict):
    code = "CANNOT_DEACTIVATE_SELF"
    message = "Du kan inte inaktivera ditt eget konto"


class DeletedAccount(Conflict):
    code = "ACCOUNT_DELETED"
    message = "Kontot är borttaget och kan inte återaktiveras"
