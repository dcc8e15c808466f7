"""The consultation workflow as an explicit transition table. Anything not in the table is
refused with 409, naming the current state."""

from __future__ import annotations

from enum import StrEnum

from app.domain.labels import labeled
from app.errors import Conflict


@labeled(
    {
        "requested": "已收到征求意见请求",
        "drafted": "已拟稿",
        "issued": "已出具意见",
        "stale": "意见已过时（出具后新增记录）",
        "expired": "意见已过有效期",
        "revoked": "意见已撤回",
        "superseded": "已被重新出具的意见取代",
        "closed": "已任用，办结",
    }
)
class State(StrEnum):
    REQUESTED = "requested"
    DRAFTED = "drafted"
    ISSUED = "issued"
    STALE = "stale"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    CLOSED = "closed"


@labeled(
    {
        "request": "提出请求",
        "draft": "拟稿",
        "redraft": "重新拟稿",
        "issue": "出具意见",
        "mark_stale": "标记过时",
        "expire": "有效期届满",
        "revoke": "撤回",
        "supersede": "重新出具",
        "close": "办结（已任用）",
    }
)
class Action(StrEnum):
    REQUEST = "request"  # creates the consultation (no transition from a prior state)
    DRAFT = "draft"
    REDRAFT = "redraft"
    ISSUE = "issue"
    MARK_STALE = "mark_stale"
    EXPIRE = "expire"
    REVOKE = "revoke"
    SUPERSEDE = "supersede"
    CLOSE = "close"


TRANSITIONS: dict[tuple[State, Action], State] = {
    (State.REQUESTED, Action.DRAFT): State.DRAFTED,
    (State.DRAFTED, Action.REDRAFT): State.DRAFTED,
    (State.DRAFTED, Action.ISSUE): State.ISSUED,
    # A new record about the candidate after issue and before the appointment.
    (State.ISSUED, Action.MARK_STALE): State.STALE,
    (State.ISSUED, Action.EXPIRE): State.EXPIRED,
    (State.ISSUED, Action.REVOKE): State.REVOKED,
    (State.ISSUED, Action.CLOSE): State.CLOSED,
    (State.STALE, Action.SUPERSEDE): State.SUPERSEDED,
    (State.EXPIRED, Action.SUPERSEDE): State.SUPERSEDED,
}

OPEN_ISSUED = frozenset({State.ISSUED})


def next_state(current: State, action: Action) -> State:
    target = TRANSITIONS.get((current, action))
    if target is None:
        allowed = sorted(a.value for (s, a) in TRANSITIONS if s is current)
        raise Conflict(
            f"Cannot {action.value} a consultation that is {current.value}"
            + (f"; from {current.value} it can: {', '.join(allowed)}." if allowed else "."),
            current_state=current.value,
        )
    return target
