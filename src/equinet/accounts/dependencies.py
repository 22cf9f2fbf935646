"""Who may call an endpoint (design.md rule 3): typed dependencies for every role.

`CurrentUser` is any logged-in user, `CurrentCustomer` / `CurrentProvider` / `CurrentAdmin` a
user of that role. The user row is loaded from the database on every request, so a revoked
admin flag or a deleted account takes effect at once. No session → 401; wrong role → 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from equinet.accounts.sessions import ActiveSession, resolve_session
from equinet.db.session import DbSession
from equinet.kit.errors import EquinetError
from equinet.models import Provider, User
from equinet.settings import Settings


class Unauthorized(EquinetError):
    status_code = 401
    code = "UNAUTHORIZED"
    message = "Du måste vara inloggad"


class Forbidden(EquinetError):
    status_code = 403
    code = "FORBIDDEN"
    message = "Åtkomst nekad"


def session_token(request: Request) -> str | None:
    """The token from `Authorization: Bearer ...` (API clients) or the session cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    settings: Settings = request.app.state.settings
    return request.cookies.get(settings.session_cookie_name)


async def get_active_session(request: Request, db: DbSession) -> ActiveSession | None:
    cached: ActiveSession | None = getattr(request.state, "active_session", None)
    if cached is not None:
        return cached
    token = session_token(request)
    if not token:
        return None
    active = await resolve_session(db, token, request.app.state.settings)
    request.state.active_session = active
    return active


OptionalSession = Annotated[ActiveSession | None, Depends(get_active_session)]


async def get_current_session(active: OptionalSession) -> ActiveSession:
    if active is None:
        raise Unauthorized()
    return active


async def get_current_user(active: Annotated[ActiveSession, Depends(get_current_session)]) -> User:
    return active.user


async def get_optional_user(active: OptionalSession) -> User | None:
    return active.user if active else None


CurrentSession = Annotated[ActiveSession, Depends(get_current_session)]
CurrentUser = Annotated[User, Depends(get_current_user)]
OptionalUser = Annotated[User | None, Depends(get_optional_user)]


async def get_current_customer(user: CurrentUser) -> User:
    if user.user_type != "customer":
        raise Forbidden("Endast kunder kan göra detta")
    return user


@dataclass(frozen=True)
class ProviderAccount:
    """A logged-in provider user together with their Provider row."""

    user: User
    provider: Provider


async def get_current_provider(user: CurrentUser, db: DbSession) -> ProviderAccount:
    if user.user_type != "provider":
        raise Forbidden("Endast leverantörer kan göra detta")
    from equinet.providers.service import provider_of_user

    return ProviderAccount(user=user, provider=await provider_of_user(db, user))


async def get_current_admin(user: CurrentUser) -> User:
    if not user.is_admin:
        raise Forbidden("Endast administratörer kan göra detta")
    return user


CurrentCustomer = Annotated[User, Depends(get_current_customer)]
CurrentProvider = Annotated[ProviderAccount, Depends(get_current_provider)]
CurrentAdmin = Annotated[User, Depends(get_current_admin)]
