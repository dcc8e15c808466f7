"""Publishing an event: one outbox row, and one pending delivery per subscription that may
receive it (`_AUDIENCE`: active, of its type, of a client not revoked and whose jurisdiction
holds the event's subject) — in one statement, in the transaction of the change that caused
it."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.labels import labeled
from app.security import disclosure


@labeled(
    {
        "accountability_case.recorded": "记录了问责决定",
        "cadre.eligibility_changed": "干部资格审核结果发生变化",
        "consultation.issued": "出具了安全监管部门意见",
        "consultation.stale": "已出具的意见因新记录而过时",
    }
)
class EventType(StrEnum):
    ACCOUNTABILITY_CASE_RECORDED = "accountability_case.recorded"
    CADRE_ELIGIBILITY_CHANGED = "cadre.eligibility_changed"
    CONSULTATION_ISSUED = "consultation.issued"
    CONSULTATION_STALE = "consultation.stale"


# Who receives an event — the one rule, shared by every statement that fans events out: an
# active subscription to its type, made by a client that is not revoked and, when that client is
# bound to an org unit, only for an event whose subject is within the unit's subtree. The
# subject is the payload's `cadre_id`, else its `org_unit_id`; an event with neither goes to
# unbound clients only. "Within" is app.auth.jurisdiction's rule (cadre_visible,
# org_unit_visible) with the subscribing client's unit as the root; it is restated here in SQL
# because this module sits below the services that publish, and importing the jurisdiction
# module would tie it into their import cycle. tests/webhooks/test_jurisdiction.py keeps the two
# in step.
_UNDER_ROOT = "SELECT u.id FROM org_units u WHERE u.path @> ARRAY[c.org_unit_id]"
_CURRENT_POST = (  # a post in its current version, not revoked (jurisdiction.current_posts)
    "p.change <> 'revoked' "
    "AND NOT EXISTS (SELECT 1 FROM posts n WHERE n.id = p.id AND n.version > p.version)"
)
_AUDIENCE = f"""
    FROM events e
    CROSS JOIN LATERAL (
        SELECT CAST(e.payload->>'cadre_id' AS uuid) AS cadre_id,
               CAST(e.payload->>'org_unit_id' AS uuid) AS org_unit_id
    ) subject
    CROSS JOIN webhook_subscriptions s
    LEFT JOIN api_clients c ON c.id = s.created_by
    WHERE s.active AND :type = ANY(s.event_types) AND c.revoked_at IS NULL
      AND (c.org_unit_id IS NULL OR CASE
        WHEN subject.cadre_id IS NOT NULL THEN
          EXISTS (
            SELECT 1 FROM posts p
            WHERE p.cadre_id = subject.cadre_id AND {_CURRENT_POST}
              AND p.org_unit_id IN ({_UNDER_ROOT})
          )
          OR (
            NOT EXISTS (
              SELECT 1 FROM posts p WHERE p.cadre_id = subject.cadre_id AND {_CURRENT_POST}
            )
            AND EXISTS (
              SELECT 1 FROM cadres k JOIN api_clients a ON a.id = k.created_by
              WHERE k.id = subject.cadre_id AND a.org_unit_id IN ({_UNDER_ROOT})
            )
          )
        WHEN subject.org_unit_id IS NOT NULL THEN subject.org_unit_id IN ({_UNDER_ROOT})
        ELSE false
      END)
"""

_PUBLISH = text(
    """
    WITH events AS (
        INSERT INTO outbox_events (id, event_type, payload)
        VALUES (:id, :type, CAST(:payload AS json))
        RETURNING id, payload
    )
    INSERT INTO webhook_deliveries (id, subscription_id, event_id, status)
    SELECT gen_random_uuid(), s.id, e.id, 'pending'
    """
    + _AUDIENCE
)


def _wire(payload: dict[str, Any]) -> str:
    """A payload as stored and sent: never plain personal data (app.security.disclosure)."""
    return orjson.dumps(disclosure.narrow(payload)).decode()


async def publish(session: AsyncSession, event_type: EventType, payload: dict[str, Any]) -> None:
    await session.execute(
        _PUBLISH,
        {"id": uuid.uuid4(), "type": event_type.value, "payload": _wire(payload)},
    )


_PUBLISH_MANY = text(
    """
    WITH events AS (
        INSERT INTO outbox_events (id, event_type, payload)
        SELECT gen_random_uuid(), :type, CAST(p AS json)
        FROM unnest(CAST(:payloads AS text[])) AS p
        RETURNING id, payload
    )
    INSERT INTO webhook_deliveries (id, subscription_id, event_id, status)
    SELECT gen_random_uuid(), s.id, e.id, 'pending'
    """
    + _AUDIENCE
)


async def publish_many(
    session: AsyncSession, event_type: EventType, payloads: list[dict[str, Any]]
) -> None:
    """Many events of one type in one statement (bulk imports)."""
    if payloads:
        await session.execute(
            _PUBLISH_MANY,
            {"type": event_type.value, "payloads": [_wire(p) for p in payloads]},
        )


async def has_subscribers(session: AsyncSession, event_type: EventType) -> bool:
    result = await session.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM webhook_subscriptions s "
            "LEFT JOIN api_clients c ON c.id = s.created_by "
            "WHERE s.active AND :type = ANY(s.event_types) AND c.revoked_at IS NULL)"
        ),
        {"type": event_type.value},
    )
    return bool(result.scalar())
