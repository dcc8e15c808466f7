"""An audit event's canonical bytes (what the transparency log commits to) and the service's
MAC over them.

The entry is the event as JSON with sorted keys, no insignificant white space, UTF-8, the time
in UTC with microseconds — the same bytes whoever reads them, so a leaf hash recomputed from
the stored entry years later is the one that was logged. `v` names this form; a later form gets
a new number and the old entries keep theirs.

The MAC is HMAC-SHA256 under a key derived from the service's master secret (HKDF, its own
purpose), which never enters the database: an event inserted by hand, even through the normal
trigger path, has no valid MAC and is reported by every verification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from app.security.sealer import Sealer

__all__ = ["ENTRY_VERSION", "FIELDS", "Sealer", "canonical", "parse", "timestamp"]

ENTRY_VERSION = 1
FIELDS = (
    "id",
    "occurred_at",
    "actor_client_id",
    "actor_name",
    "action",
    "target_kind",
    "target_id",
    "request_id",
    "client_ip",
    "summary",
)


def timestamp(moment: datetime) -> str:
    """The entry's form of an instant: UTC, microseconds, `Z`."""
    if moment.tzinfo is None:
        raise ValueError("an audit event's time must carry its zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(event: dict[str, Any]) -> bytes:
    """The canonical bytes of an event given as its column values."""
    body: dict[str, Any] = {"v": ENTRY_VERSION}
    for name in FIELDS:
        value = event[name]
        if name == "occurred_at":
            value = timestamp(value)
        elif name in ("id", "actor_client_id") and value is not None:
            value = str(value)
        body[name] = value
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)


def parse(entry: bytes) -> dict[str, Any]:
    """The event an entry states (`occurred_at` as an aware datetime)."""
    body: dict[str, Any] = orjson.loads(entry)
    body["occurred_at"] = datetime.strptime(body["occurred_at"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=UTC
    )
    return body
