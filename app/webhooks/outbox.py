"""Publishing an event: one outbox row, and one pending delivery per active subscription to its
type — in one statement, in the transaction of the change that caused it."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.labels import labeled


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


_PUBLISH = text(
    """
    WITH event AS (
        INSERT INTO outbox_events (id, event_type, payload)
        VALUES (:id, :type, CAST(:payload AS json))
        RETURNING id
    )
    INSERT INTO webhook_deliveries (id, subscription_id, event_id, status)
    SELECT gen_random_uuid(), s.id, (SELECT id FROM event), 'pending'
    FROM webhook_subscriptions s
    WHERE s.active AND :type = ANY(s.event_types)
    """
)


async def publish(session: AsyncSession, event_type: EventType, payload: dict[str, Any]) -> None:
    await session.execute(
        _PUBLISH,
        {"id": uuid.uuid4(), "type": event_type.value, "payload": orjson.dumps(payload).decode()},
    )


_PUBLISH_MANY = text(
    """
    WITH events AS (
        INSERT INTO outbox_events (id, event_type, payload)
        SELECT gen_random_uuid(), :type, CAST(p AS json)
        FROM unnest(CAST(:payloads AS text[])) AS p
        RETURNING id
    )
    INSERT INTO webhook_deliveries (id, subscription_id, event_id, status)
    SELECT gen_random_uuid(), s.id, e.id, 'pending'
    FROM events e CROSS JOIN webhook_subscriptions s
    WHERE s.active AND :type = ANY(s.event_types)
    """
)


async def publish_many(
    session: AsyncSession, event_type: EventType, payloads: list[dict[str, Any]]
) -> None:
    """Many events of one type in one statement (bulk imports)."""
    if payloads:
        await session.execute(
            _PUBLISH_MANY,
            {"type": event_type.value, "payloads": [orjson.dumps(p).decode() for p in payloads]},
        )


async def has_subscribers(session: AsyncSession, event_type: EventType) -> bool:
    result = await session.execute(
        text(
            "SELECT EXISTS (SELECT 1 FROM webhook_subscriptions "
            "WHERE active AND :type = ANY(event_types))"
        ),
        {"type": event_type.value},
    )
    return bool(result.scalar())
