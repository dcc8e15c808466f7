"""JSON-lines logging with the request id of the request being served."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
from typing import Any

import orjson

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

_STANDARD_ATTRS = set(
    logging.LogRecord("", 0, "", 0, "", (), None).__dict__.keys()
    | {"message", "asctime", "color_message"}
)


# Values a database error quotes back (asyncpg and PostgreSQL echo the offending value) and
# anything shaped like a resident ID number: never written to a log line. The statements'
# parameters themselves are hidden by the engine (`hide_parameters`).
_SCRUBBED = (
    (re.compile(r"(query argument \$\d+: )'(?:[^'\\]|\\.)*'"), r"\1<hidden>"),
    (re.compile(r"(invalid input (?:syntax|value) for [^:]+: )\"[^\"]*\""), r"\1<hidden>"),
    (re.compile(r"(Key \([^)]*\)=)\([^)]*\)"), r"\1(<hidden>)"),
    (re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])"), "<id-number>"),
)


def scrub(text: str) -> str:
    """A log text with quoted database values and ID numbers removed."""
    for pattern, replacement in _SCRUBBED:
        text = pattern.sub(replacement, text)
    return text


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": scrub(record.getMessage()),
        }
        request_id = request_id_var.get()
        if request_id:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        try:
            return orjson.dumps(entry, default=str).decode()
        except TypeError:  # e.g. a key that is not a string
            return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO", json_lines: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(PlainFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


# Third-party loggers held at WARNING whatever the level: fontTools and Pillow write INFO lines
# when used (fonts and images read); httpx and httpcore one line per
# webhook delivery attempt (with the subscriber's URL); asyncio, python-multipart, Alembic's
# plugin loader and the embedded server chatter too. Their warnings and errors still show.
NOISY_LOGGERS = (
    "alembic.runtime.plugins",
    "pgserver",
    "fontTools",
    "PIL",
    "httpx",
    "httpcore",
    "asyncio",
    "multipart",
    "python_multipart",
)
