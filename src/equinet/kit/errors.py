"""Errors are values with a status (design.md rule 5), rendered in one JSON shape.

Every error body is `{"error": "<message for people>", "code": "<MACHINE_CODE>"}` plus
`details` where they help (the `ErrorBody` model; routes declare theirs with `errors(...)`).
Codes are SCREAMING_SNAKE_CASE, the style of the original's codes (`EMAIL_NOT_VERIFIED`,
`INACTIVE_SERVICE`) its clients already compare against. Messages are Swedish and pass through
the catalogue; pydantic's validation messages are replaced by our own by error type. Database failures that are not the client's fault (pool exhausted,
statement timeout, database down) become 503/504 with a clear message, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from equinet.kit.api_model import ApiModel
from equinet.kit.i18n import gettext
from equinet.kit.log_privacy import redact
from equinet.kit.metrics import count_database_error
from equinet.kit.sentry import report_database_error
from equinet.kit.validation import validation_details

logger = logging.getLogger("equinet.errors")


class EquinetError(Exception):
    """A domain error: a message for people, a machine code and the HTTP status."""

    status_code = 400
    code = "BAD_REQUEST"
    message = "Ogiltig förfrågan"

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
        values: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.message
        # Filled into the message's `{name}` placeholders after it is translated.
        self.values = values or {}
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.details = details
        self.headers = headers
        super().__init__(self.message)


class NotFound(EquinetError):
    status_code = 404
    code = "NOT_FOUND"
    message = "Hittades inte"


class Conflict(EquinetError):
    status_code = 409
    code = "CONFLICT"
    message = "Konflikt med befintliga data"


class UniqueViolation(Conflict):
    code = "UNIQUE_VIOLATION"
    message = "Posten finns redan"


class ForeignKeyViolation(Conflict):
    code = "FOREIGN_KEY_VIOLATION"
    message = "Posten hänger ihop med andra data"


class ConcurrentUpdate(Conflict):
    code = "CONCURRENT_UPDATE"
    message = "Samtidig ändring, försök igen"


class DatabaseBusy(EquinetError):
    status_code = 503
    code = "DATABASE_BUSY"
    message = "Databasen är upptagen just nu. Försök igen om en stund."


class DatabaseTimeout(EquinetError):
    status_code = 504
    code = "DATABASE_TIMEOUT"
    message = "Databasfrågan tog för lång tid och avbröts. Försök igen."


class DatabaseUnavailable(EquinetError):
    status_code = 503
    code = "DATABASE_UNAVAILABLE"
    message = "Databasen går inte att nå just nu. Försök igen om en stund."


class InvalidValue(EquinetError):
    status_code = 422
    code = "INVALID_VALUE"
    message = "Ett värde i förfrågan är ogiltigt eller för stort."


class ErrorDetail(ApiModel):
    """One invalid field: where, what is wrong (for people) and pydantic's error type."""

    field: str
    message: str
    type: str


class ErrorBody(ApiModel):
    """Every error response: a message for people, a machine code, details where they help."""

    error: str
    code: str
    details: list[ErrorDetail] | str | dict[str, Any] | None = None


def errors(*kinds: type[EquinetError]) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route: each status with the ErrorBody schema and the codes behind it."""
    by_status: dict[int, list[str]] = {}
    for kind in kinds:
        line = f"`{kind.code}`: {kind.message}"
        by_status.setdefault(kind.status_code, [])
        if line not in by_status[kind.status_code]:
            by_status[kind.status_code].append(line)
    # Errors are JSON even on routes whose success is HTML or PDF (the receipt).
    return {
        status: {
            "model": ErrorBody,
            "description": "; ".join(lines),
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        }
        for status, lines in sorted(by_status.items())
    }


class ValidationFailed(EquinetError):
    """A malformed request (body, query or path); `details` lists each field."""

    status_code = 422
    code = "VALIDATION_ERROR"
    message = "Valideringsfel"


class UnknownQueryParameter(ValidationFailed):
    message = "Okänd eller felaktig parameter i adressen"


class InternalError(EquinetError):
    status_code = 500
    code = "INTERNAL_ERROR"
    message = "Ett internt fel uppstod"


def error_body(
    message: str, code: str, details: Any = None, values: dict[str, Any] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"error": gettext(message, **(values or {})), "code": code}
    if details is not None:
        body["details"] = details
    return body


def error_response(error: EquinetError) -> JSONResponse:
    return JSONResponse(
        jsonable_encoder(error_body(error.message, error.code, error.details, error.values)),
        status_code=error.status_code,
        headers=error.headers,
    )


# SQLSTATEs: https://www.postgresql.org/docs/current/errcodes-appendix.html
_QUERY_CANCELED = "57014"
_UNIQUE_VIOLATION = "23505"
_FOREIGN_KEY_VIOLATION = "23503"
_SERIALIZATION_FAILURES = {"40001", "40P01"}
_CONNECTION_CLASSES = ("08", "57P")  # connection exceptions; admin/crash shutdown
_DATA_EXCEPTIONS = "22"  # data exception: out of range, invalid text representation, ...


def sqlstate_of(error: BaseException) -> str | None:
    orig = getattr(error, "orig", None)
    for candidate in (orig, getattr(orig, "__cause__", None)):
        state = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
        if state:
            return str(state)
    return None


def classify_database_error(error: BaseException) -> EquinetError:
    """Map a SQLAlchemy/driver error to the domain error a client should see."""
    if isinstance(error, sa_exc.TimeoutError):  # waited `pool_timeout` for a connection
        return DatabaseBusy(headers={"Retry-After": "1"})
    state = sqlstate_of(error)
    if state == _QUERY_CANCELED:
        return DatabaseTimeout()
    if state == _UNIQUE_VIOLATION:
        return UniqueViolation()
    if state == _FOREIGN_KEY_VIOLATION:
        return ForeignKeyViolation()
    if state in _SERIALIZATION_FAILURES:
        return ConcurrentUpdate()
    if (state and state.startswith(_CONNECTION_CLASSES)) or isinstance(
        error, sa_exc.InterfaceError | sa_exc.DisconnectionError | OSError | ConnectionError
    ):
        return DatabaseUnavailable(headers={"Retry-After": "5"})
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return DatabaseUnavailable(headers={"Retry-After": "5"})
    if isinstance(error, sa_exc.DataError) or (state and state.startswith(_DATA_EXCEPTIONS)):
        # A value the database cannot hold (out of range, NUL): the client's input, not ours.
        return InvalidValue()
    return InternalError()


async def _on_equinet_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, EquinetError)
    return error_response(error)


async def _on_database_error(request: Request, error: Exception) -> JSONResponse:
    domain = classify_database_error(error)
    if domain.status_code >= 500:
        logger.warning(
            "%s on %s %s: %s", domain.code, request.method, request.url.path, redact(str(error))
        )
    # O5: counted by kind in /metrics and reported to Sentry when a DSN is set.
    report_database_error(error, count_database_error(domain.code))
    return error_response(domain)


async def _on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    # A body that is not JSON is decoded before the route's dependencies run: an anonymous
    # caller of a protected route still gets its 401 (app.state.login_gate, set by the app).
    gate = getattr(request.app.state, "login_gate", None)
    if gate is not None and any(e.get("type") == "json_invalid" for e in error.errors()):
        refused: EquinetError | None = await gate(request)
        if refused is not None:
            return error_response(refused)
    details = validation_details(error.errors())
    return JSONResponse(
        jsonable_encoder(error_body(ValidationFailed.message, ValidationFailed.code, details)),
        status_code=422,
    )


_HTTP_CODES = {
    404: ("Sidan eller resursen finns inte", "NOT_FOUND"),
    405: ("Metoden är inte tillåten", "METHOD_NOT_ALLOWED"),
    401: ("Inte inloggad", "UNAUTHORIZED"),
    403: ("Åtkomst nekad", "FORBIDDEN"),
}


async def _on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    message, code = _HTTP_CODES.get(error.status_code, (str(error.detail), "HTTP_ERROR"))
    if error.status_code not in _HTTP_CODES and isinstance(error.detail, str):
        message = error.detail
    return JSONResponse(
        error_body(message, code), status_code=error.status_code, headers=error.headers
    )


async def _on_unexpected(request: Request, error: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body("Ett internt fel uppstod", "INTERNAL_ERROR"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(EquinetError, _on_equinet_error)
    app.add_exception_handler(sa_exc.DBAPIError, _on_database_error)
    app.add_exception_handler(sa_exc.TimeoutError, _on_database_error)
    app.add_exception_handler(ConnectionError, _on_database_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)
