"""`submitted`, the one shape of a page's form post: the action's answer when it went through,
else the messages beside the fields with what the action wrote undone; a 404 stays a 404."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import RedirectResponse, Response

from equinet.kit.errors import Conflict, EquinetError, NotFound
from equinet.models import User
from equinet.reviews.schemas import ReplyIn
from equinet.web.forms import FORM, never, parse, submitted
from tests import factories


async def _first_name(db: AsyncSession, user: User) -> str:
    return (await db.execute(select(User.first_name).where(User.id == user.id))).scalar_one()


async def test_a_form_that_goes_through_answers_with_the_action_and_keeps_its_writes(
    db_session: AsyncSession,
) -> None:
    user = await factories.customer(db_session)

    async def rename() -> Response:
        user.first_name = parse(ReplyIn, {"reply": "Karin"}).reply
        await db_session.flush()
        return RedirectResponse("/done", status_code=303)

    outcome = await submitted(db_session, rename)
    assert isinstance(outcome, RedirectResponse)
    assert await _first_name(db_session, user) == "Karin"


async def test_invalid_input_and_domain_errors_come_back_beside_the_fields_undone(
    db_session: AsyncSession,
) -> None:
    user = await factories.customer(db_session, first_name="Före")

    async def invalid() -> Response:
        user.first_name = "Halvvägs"
        await db_session.flush()
        parse(ReplyIn, {"reply": ""})
        return RedirectResponse("/never", status_code=303)

    async def refused() -> Response:
        user.first_name = "Halvvägs"
        await db_session.flush()
        raise Conflict("Upptagen")

    assert await submitted(db_session, invalid) == {"reply": "Fältet måste fyllas i"}
    assert await submitted(db_session, refused) == {FORM: "Upptagen"}
    assert await submitted(db_session, refused, field="reply") == {"reply": "Upptagen"}
    chosen = await submitted(db_session, refused, field=lambda error: error.code.lower())
    assert chosen == {"conflict": "Upptagen"}
    await db_session.refresh(user)
    assert await _first_name(db_session, user) == "Före"


async def test_a_404_propagates_unless_the_form_shows_every_refusal(
    db_session: AsyncSession,
) -> None:
    async def missing() -> Response:
        raise NotFound()

    with pytest.raises(EquinetError) as raised:
        await submitted(db_session, missing)
    assert raised.value.status_code == 404
    assert await submitted(db_session, missing, raises=never) == {FORM: "Hittades inte"}
    with pytest.raises(Conflict):
        await submitted(db_session, _conflict, raises=lambda error: error.status_code == 409)


async def _conflict() -> Response:
    raise Conflict()
