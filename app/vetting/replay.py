"""Replay and trace: re-evaluate a stored decision from its stored facts and rulebook text, and
explain it rule by rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.enums import Purpose
from app.errors import Conflict, NotFound
from app.vetting import repository
from app.vetting.rulebooks import Rulebooks, parse_text
from app.vetting.rules import (
    Decision,
    Rulebook,
    comparable,
    decision_from_dict,
    diff,
    evaluate,
)
from app.vetting.rules.facts import CadreFacts
from app.vetting.rules.snapshot import facts_from_snapshot
from app.vetting.rules.trace import trace
from app.vetting.schemas import (
    Difference,
    LayerRefOut,
    ReplayResult,
    RulebookRefOut,
    TraceDifference,
)


def _ref(rulebook: Rulebook) -> RulebookRefOut:
    layers = [LayerRefOut(id=r.id, version=r.version, sha256=r.sha256) for r in rulebook.layers]
    return RulebookRefOut(
        id=rulebook.id, version=rulebook.version, sha256=rulebook.sha256, layers=layers
    )


@dataclass(frozen=True)
class StoredInputs:
    """A stored decision and what it was made from: its facts snapshot and rulebook text."""

    row: Any
    facts: CadreFacts
    rulebook: Rulebook
    decision: Decision


async def stored_inputs(session: AsyncSession, decision_id: UUID) -> StoredInputs:
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
    rulebook = parse_text(text.content, f"{text.rulebook_id}@{text.version}")
    facts = facts_from_snapshot(snapshot, stored.known_at)
    return StoredInputs(stored, facts, rulebook, decision_from_dict(stored.decision))


def trace_of(inputs: StoredInputs, rulebook: Rulebook | None = None) -> dict[str, Any]:
    """The stored decision's trace, recomputed from its stored inputs (or, given `rulebook`,
    the trace of the decision that rulebook gives on the same facts)."""
    row = inputs.row
    purpose = Purpose(row.purpose)
    if rulebook is None:
        return trace(inputs.facts, purpose, inputs.rulebook, inputs.decision)
    again = evaluate(inputs.facts, purpose, row.as_of, rulebook)
    return trace(inputs.facts, purpose, rulebook, again)


def trace_differences(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Rules whose status (fired, or why not) or parameters differ between two traces."""
    old = {r["rule_id"]: r for r in before["rules"]}
    new = {r["rule_id"]: r for r in after["rules"]}
    out = []
    for rule_id in sorted(old.keys() | new.keys()):
        a, b = old.get(rule_id), new.get(rule_id)
        fields = ("status", "parameters", "basis")
        if a is None or b is None or any(a[f] != b[f] for f in fields):
            out.append(
                {
                    "rule_id": rule_id,
                    "before": None if a is None else a["status"],
                    "after": None if b is None else b["status"],
                    "parameters_changed": a is not None
                    and b is not None
                    and a["parameters"] != b["parameters"],
                }
            )
    return out


async def replay(
    session: AsyncSession,
    rulebooks: Rulebooks,
    decision_id: UUID,
    mode: Literal["stored", "current"],
) -> ReplayResult:
    inputs = await stored_inputs(session, decision_id)
    stored, stored_rulebook = inputs.row, inputs.rulebook
    known = stored_rulebook.id in rulebooks.versions
    current = rulebooks.governing(stored_rulebook.id, stored.as_of) if known else None
    used = current if mode == "current" and current is not None else stored_rulebook
    again = evaluate(inputs.facts, Purpose(stored.purpose), stored.as_of, used)
    differences = diff(comparable(inputs.decision), comparable(again))
    before = trace_of(inputs)
    after = trace(inputs.facts, Purpose(stored.purpose), used, again)
    return ReplayResult(
        decision_id=decision_id,
        identical=not differences,
        differences=[Difference.model_validate(d) for d in differences],
        trace_differences=[
            TraceDifference.model_validate(d) for d in trace_differences(before, after)
        ],
        stored_rulebook=_ref(stored_rulebook),
        replayed_with=_ref(used),
        current_rulebook=_ref(current) if current else None,
        rulebook_changed=current is not None and current.sha256 != stored_rulebook.sha256,
    )
