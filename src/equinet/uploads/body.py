"""Reading a multipart body with an explicit size cap, counted while it streams in.

The whole request is refused with 413 as soon as it grows past the cap (or announces a larger
Content-Length), so nobody can make us buffer more than the largest bucket allows.
"""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message

from equinet.uploads.exceptions import FileTooLarge, InvalidForm

# Room for the multipart boundaries, part headers and the small text fields.
FORM_OVERHEAD_BYTES = 64 * 1024


async def read_capped_body(request: Request, file_limit: int) -> bytes:
    cap = file_limit + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise FileTooLarge(file_limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > cap:
            raise FileTooLarge(file_limit)
    return bytes(body)


async def parse_form(request: Request, body: bytes) -> FormData:
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InvalidForm()
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.request", "body": b"", "more_body": False}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        return await Request(request.scope, replay).form(max_files=1, max_fields=10)
    except (MultiPartException, ValueError, KeyError) as error:
        raise InvalidForm() from error
    except Exception as error:  # starlette wraps parser errors in HTTPException(400)
        if getattr(error, "status_code", None) == 400:
            raise InvalidForm() from error
        raise


async def file_of(form: FormData) -> tuple[bytes, str | None] | None:
    value = form.get("file")
    if not isinstance(value, UploadFile):
        return None
    data = await value.read()
    await value.close()
    return data, value.filename
