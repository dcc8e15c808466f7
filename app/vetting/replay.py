"""Replay: re-evaluate a stored decision from its stored facts and rulebook text."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import Purpose
from app.errors import Conflict, NotFound
from app.vetting import repository
from app.vetting.rulebooks import Rulebooks, parse_text
from app.vetting.rules import Rulebook, comparable, decision_from_dict, diff, evaluate
from app.vetting.rules.snapshot import facts_from_snapshot
from app.vetting.schemas import Difference, ReplayResult, RulebookRefOut


def _ref(rulebook: Rulebook) -> RulebookRefOut:
    return RulebookRefOut(id=rulebook.id, version=rulebook.version, sha256=rulebook.sha256)


async def replay(
    session: AsyncSession,
    rulebooks: Rulebooks,
    decision_id: UUID,
    mode: Literal["stored", "current"],
) -> ReplayResult:
    stored = await repository.get(session, decision_id)
    if stored is None:
        raise NotFound(f"No decision {decision_id}.")
    try:
        snapshot = await repository.snapshot(session, stored.facts_sha256)
    except ValueError as exc:
        raise Conflict(
            f"The stored facts of decision {decision_id} do not give back the facts it was "
            f"taken on ({exc}): the record has been altered.",
            detail_zh=f"决定 {decision_id} 所存事实无法还原为作出决定时依据的事实，记录已被改动。",
        ) from None
    text = await repository.rulebook_text(session, stored.rulebook_sha256)
    if snapshot is None or text is None:  # pragma: no cover - foreign keys make this impossible
        raise NotFound(f"The stored inputs of decision {decision_id} are missing.")
    stored_rulebook = parse_text(text.content, f"{text.rulebook_id}@{text.version}")
    current = rulebooks.by_id.get(stored_rulebook.id)
    used = current if mode == "current" and current is not None else stored_rulebook
    facts = facts_from_snapshot(snapshot, stored.known_at)
    again = evaluate(facts, Purpose(stored.purpose), stored.as_of, used)
    differences = diff(comparable(decision_from_dict(stored.decision)), comparable(again))
    return ReplayResult(
        decision_id=decision_id,
        identical=not differences,
        differences=[Difference.model_validate(d) for d in differences],
        stored_rulebook=_ref(stored_rulebook),
        replayed_with=_ref(used),
        current_rulebook=_ref(current) if current else None,
        rulebook_changed=current is not None and current.sha256 != stored_rulebook.sha256,
    )
