"""One request, one transaction (design.md rule 2).

The session dependency commits once, after the endpoint returned and before the response is
sent (`scope="function"`), and rolls back on any error. Side effects registered with
`after_commit` (cache invalidation) run only once the commit succeeded; work that must happen
(e-mails) is a job queued in the transaction itself (`equinet.jobs.queue.enqueue`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger("equinet.db.session")

AfterCommit = Callable[[], Awaitable[None]]


def after_commit(session: AsyncSession, effect: AfterCommit) -> None:
    """Run `effect` once this request's transaction has committed; dropped on rollback."""
    session.info.setdefault("after_commit", []).append(effect)


async def run_after_commit(session: AsyncSession) -> None:
    for effect in session.info.pop("after_commit", []):
        try:
            await effect()
        except Exception:  # a failed e-mail must not turn a committed request into an error
            logger.exception("after-commit effect failed")


def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    maker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return maker


@asynccontextmanager
async def request_transaction(
    maker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """The request's one transaction on `maker`'s database: committed, or rolled back on error."""
    async with maker() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            session.info.pop("after_commit", None)
            raise
        await session.commit()
    await run_after_commit(session)


async def get_db_session(request: Request) -> AsyncIterator[AsyncSession]:
    # The maker is read here, not through a plain-function dependency: FastAPI runs those in
    # its thread pool, a thread hop on every request.
    async with request_transaction(get_sessionmaker(request)) as session:
        yield session


DbSession = Annotated[AsyncSession, Depends(get_db_session, scope="function")]
