"""Who may open the provider's and the admin's pages.

The same checks as the API's `CurrentProvider` / `CurrentAdmin` (accounts.dependencies), on top
of the page login: an anonymous visitor is sent to the login page and back, a logged-in user of
another role gets the 403 page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from equinet.accounts.dependencies import (
    ProviderAccount,
    get_current_admin,
    get_current_provider,
)
from equinet.db.session import DbSession
from equinet.models import User
from equinet.web.context import PageUser


async def get_page_provider(user: PageUser, db: DbSession) -> ProviderAccount:
    return await get_current_provider(user, db)


async def get_page_admin(user: PageUser) -> User:
    return await get_current_admin(user)


PageProvider = Annotated[ProviderAccount, Depends(get_page_provider)]
PageAdmin = Annotated[User, Depends(get_page_admin)]
