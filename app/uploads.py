"""A file sent to an endpoint: the raw body (named by `?filename=`), or the `file` field of a
multipart form, whose file name is checked like any other parameter (no NUL, at most
`MAX_FILENAME` characters) before anything stores it."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from app.errors import Unprocessable
from app.middleware import NUL_MESSAGE

MAX_FILENAME = 300


@dataclass(frozen=True)
class Upload:
    content: bytes
    filename: str | None
    media_type: str


async def read_upload(request: Request, filename: str | None) -> Upload:
    media_type = request.headers.get("content-type", "")
    if not media_type.startswith("multipart/form-data"):
        return Upload(await request.body(), filename, media_type)
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise Unprocessable("Send the file in the `file` field.", errors=[("body.file", "missing")])
    refusal = _filename_refusal(upload.filename)
    if refusal is not None:
        field = "body.file.filename"
        raise Unprocessable(f"Invalid fields: {field}", errors=[(field, refusal)])
    return Upload(await upload.read(), upload.filename, upload.content_type or "")


def _filename_refusal(name: str | None) -> str | None:
    if name is not None and "\x00" in name:
        return NUL_MESSAGE
    if name is not None and len(name) > MAX_FILENAME:
        return f"at most {MAX_FILENAME} characters"
    return None
