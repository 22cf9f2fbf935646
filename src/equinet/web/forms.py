"""Form posts: parse them with the API's own request models, and turn any refusal (a
validation error or a domain error) into messages beside the fields, with the input kept.

Inputs are named like the API's JSON fields (`firstName`), so a form and a JSON body pass
through the same model and the same rules; the messages are the same Swedish messages.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.responses import Response

from equinet.kit.errors import EquinetError
from equinet.kit.i18n import gettext, mark

Model = TypeVar("Model", bound=BaseModel)

# The form-level slot for a message that belongs to no one field.
FORM = "_form"

_REQUIRED = mark("Fältet måste fyllas i")
_TOO_LONG = mark("Texten är för lång (högst {limit} tecken)")
_INVALID = mark("Ogiltigt värde")
_CHOOSE = mark("Välj ett av alternativen")


def _message(error: dict[str, Any]) -> str:
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and context.get("min_length") == 1):
        return gettext(_REQUIRED)
    if kind == "string_too_long":
        return gettext(_TOO_LONG, limit=context.get("max_length", ""))
    if kind == "literal_error":
        return gettext(_CHOOSE)
    if kind == "value_error":
        return gettext(str(error.get("msg", "")).removeprefix("Value error, "))
    return gettext(_INVALID)


class FormInvalid(Exception):
    """A refused form: `errors` maps an input's name (or FORM) to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(errors)


def validation_errors(error: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for item in error.errors():
        location = [str(part) for part in item.get("loc", ()) if part != "body"]
        field = location[0] if location else FORM
        found.setdefault(field, _message(dict(item)))
    return found


def domain_errors(error: EquinetError, field: str = FORM) -> dict[str, str]:
    """A domain error's message: beside the fields its details name, else on `field`."""
    found: dict[str, str] = {}
    if isinstance(error.details, list):
        for item in error.details:
            if isinstance(item, dict) and item.get("field"):
                name = str(item["field"]).split(".")[0]
                found.setdefault(name, gettext(str(item.get("message", error.message))))
    if not found:
        found[field] = gettext(error.message)
    return found


def values_of(form: FormData, fields: Iterable[str]) -> dict[str, str]:
    """The named inputs as strings (missing ones left out): what the form shows again."""
    return {name: str(form[name]) for name in fields if name in form}


def parse(model: type[Model], values: dict[str, Any]) -> Model:
    """`values` through the API's model; raises FormInvalid with the field messages."""
    cleaned = {name: value for name, value in values.items() if value != ""}
    try:
        return model.model_validate(cleaned)
    except ValidationError as error:
        raise FormInvalid(validation_errors(error)) from error


@asynccontextmanager
async def attempt(db: AsyncSession) -> AsyncIterator[None]:
    """Run a service call in a savepoint: when it refuses, what it wrote is undone and the
    request's transaction stays usable for re-rendering the form (the page then commits
    nothing half-written)."""
    async with db.begin_nested():
        yield


def not_found(error: EquinetError) -> bool:
    """For `raises`: the page's own subject is missing, a 404 page rather than a message."""
    return error.status_code == 404


def never(error: EquinetError) -> bool:
    """For `raises`: every domain error is a message beside the fields."""
    return False


async def submitted(
    db: AsyncSession,
    action: Callable[[], Awaitable[Response]],
    *,
    field: str | Callable[[EquinetError], str] = FORM,
    raises: Callable[[EquinetError], bool] = not_found,
) -> Response | dict[str, str]:
    """Run a form's action, its parse included, in the savepoint of `attempt`: its answer (a
    redirect) when it went through, else the messages beside the fields. A domain error's
    message goes beside `field` (a name, or one chosen for the error) unless `raises` says it
    propagates."""
    try:
        async with attempt(db):
            return await action()
    except FormInvalid as invalid:
        return invalid.errors
    except EquinetError as error:
        if raises(error):
            raise
        return domain_errors(error, field if isinstance(field, str) else field(error))
