"""The decision the engine returns: an outcome, the findings behind it, and how to store it.

A decision is kept forever and replayed: `decision_to_dict` / `decision_from_dict` give its
JSON form (enum codes, ISO dates, UUIDs as strings), `comparable` drops what the service adds
after evaluation (id, timestamp), and `diff` lists what changed between two evaluations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID

from app.domain.enums import Effect, Outcome, Purpose, SafetyRole, SeedSystem
from app.vetting.rules.facts import PostFact
from app.vetting.rules.periods import day_after

# Most severe first: the order findings are listed in and the order outcomes take precedence.
EFFECT_SEVERITY = {Effect.VETO: 0, Effect.BLOCK: 1, Effect.HOLD: 2, Effect.NOTE: 3}
BLOCKING_EFFECTS = frozenset({Effect.VETO, Effect.BLOCK})
SERVICE_FIELDS = ("decision_id", "evaluated_at")

T = TypeVar("T")


@dataclass(frozen=True)
class PostRef:
    """The post the cadre held when the record arose (终身追责: it follows them everywhere)."""

    post_id: UUID
    org_unit_id: UUID
    org_unit_name: str
    title: str
    safety_role: SafetyRole

    @classmethod
    def of(cls, post: PostFact | None) -> PostRef | None:
        if post is None:
            return None
        unit = post.org_unit
        return made_fast(
            cls,
            {
                "post_id": post.id,
                "org_unit_id": unit.id,
                "org_unit_name": unit.name,
                "title": post.title,
                "safety_role": post.safety_role,
            },
        )


@dataclass(frozen=True)
class Evidence:
    record_kind: str  # accountability_case, assessment, accident, cadre_investigation, ...
    record_id: UUID | None  # None when the finding is about a record that is missing
    post: PostRef | None = None


@dataclass(frozen=True)
class Message:
    zh: str
    en: str


@dataclass(frozen=True)
class Finding:
    rule_id: str
    effect: Effect
    system: SeedSystem
    basis: str
    blocks_from: date | None
    blocks_until: date | None  # last blocked day, inclusive; None = open-ended
    in_force: bool
    evidence: Evidence
    message: Message

    @property
    def decides(self) -> bool:
        return self.in_force and self.effect is not Effect.NOTE


@dataclass(frozen=True)
class LayerRef:
    """One rulebook text a decision applied: its id, version and the sha256 of its bytes."""

    id: str
    version: str
    sha256: str


@dataclass(frozen=True)
class RulebookRef:
    """The rulebook a decision applied. For a stack of layers (national → province → city),
    `sha256` is of the stored envelope of their texts and `layers` names each, root first;
    a rulebook that extends none has no layers (its `sha256` is of its own text)."""

    id: str
    version: str
    sha256: str
    layers: tuple[LayerRef, ...] = ()


@dataclass(frozen=True)
class Decision:
    cadre_id: UUID
    purpose: Purpose
    as_of: date
    known_at: datetime
    outcome: Outcome
    eligible_from: date | None
    findings: tuple[Finding, ...]
    rulebook: RulebookRef
    facts_sha256: str
    decision_id: UUID | None = None
    evaluated_at: datetime | None = None


def made_fast(cls: type[T], fields: dict[str, Any]) -> T:
    """An instance of the frozen dataclass `cls` (PostRef, Finding, Message or Decision) with
    `fields`, which must name every field, defaults included: equal in all respects to
    `cls(**fields)`.

    The engine makes these for every finding and decision; the __init__ a frozen dataclass gets
    sets each field through object.__setattr__, which costs several times as much as filling the
    instance dict at once. Only for classes without __post_init__ or __slots__ (tests check the
    engine's instances against their fields).
    """
    instance: T = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


# --- outcome -------------------------------------------------------------------------------


def outcome_of(findings: Iterable[Finding]) -> Outcome:
    """Most severe in-force finding wins: ineligible > pending > eligible; notes never count."""
    pending = False
    for finding in findings:
        if finding.in_force:
            effect = finding.effect
            if effect is Effect.VETO or effect is Effect.BLOCK:  # BLOCKING_EFFECTS
                return Outcome.INELIGIBLE
            if effect is Effect.HOLD:
                pending = True
    return Outcome.PENDING if pending else Outcome.ELIGIBLE


def eligible_from_of(outcome: Outcome, findings: Iterable[Finding], as_of: date) -> date | None:
    """The first day every in-force veto and block has ended.

    None when pending (nobody can tell yet) or when an in-force block has no end: a permanent
    bar, or a block that lasts until a missing record (e.g. a commendation basis) is recorded —
    the date then depends on a fact the service does not have. Holds do not move the date: a
    hold that is still running then will make that day's decision pending instead.
    """
    if outcome is Outcome.ELIGIBLE:
        return as_of
    if outcome is Outcome.PENDING:
        return None
    ends = [f.blocks_until for f in findings if f.decides and f.effect in BLOCKING_EFFECTS]
    if any(end is None for end in ends):
        return None
    return day_after(max(end for end in ends if end is not None))


# --- JSON form -----------------------------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _post_to_dict(post: PostRef | None) -> dict[str, Any] | None:
    if post is None:
        return None
    return {
        "post_id": str(post.post_id),
        "org_unit_id": str(post.org_unit_id),
        "org_unit_name": post.org_unit_name,
        "title": post.title,
        "safety_role": post.safety_role.value,
    }


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    evidence = finding.evidence
    return {
        "rule_id": finding.rule_id,
        "effect": finding.effect.value,
        "system": finding.system.value,
        "basis": finding.basis,
        "blocks_from": _iso(finding.blocks_from),
        "blocks_until": _iso(finding.blocks_until),
        "in_force": finding.in_force,
        "evidence": {
            "record_kind": evidence.record_kind,
            "record_id": None if evidence.record_id is None else str(evidence.record_id),
            "post": _post_to_dict(evidence.post),
        },
        "message": {"zh": finding.message.zh, "en": finding.message.en},
    }


def _ref_to_dict(ref: RulebookRef) -> dict[str, Any]:
    data: dict[str, Any] = {"id": ref.id, "version": ref.version, "sha256": ref.sha256}
    if ref.layers:  # absent, not empty, for one text: decisions stored before layers compare
        data["layers"] = [
            {"id": layer.id, "version": layer.version, "sha256": layer.sha256}
            for layer in ref.layers
        ]
    return data


def _ref_from_dict(data: dict[str, Any]) -> RulebookRef:
    return RulebookRef(
        id=data["id"],
        version=data["version"],
        sha256=data["sha256"],
        layers=tuple(LayerRef(**layer) for layer in data.get("layers", ())),
    )


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    ref = decision.rulebook
    return {
        "decision_id": None if decision.decision_id is None else str(decision.decision_id),
        "cadre_id": str(decision.cadre_id),
        "purpose": decision.purpose.value,
        "as_of": decision.as_of.isoformat(),
        "known_at": decision.known_at.isoformat(),
        "evaluated_at": _iso(decision.evaluated_at),
        "outcome": decision.outcome.value,
        "eligible_from": _iso(decision.eligible_from),
        "findings": [finding_to_dict(f) for f in decision.findings],
        "rulebook": _ref_to_dict(ref),
        "facts_sha256": decision.facts_sha256,
    }


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _uuid(value: str | None) -> UUID | None:
    return None if value is None else UUID(value)


def _post_from_dict(data: dict[str, Any] | None) -> PostRef | None:
    if data is None:
        return None
    return PostRef(
        post_id=UUID(data["post_id"]),
        org_unit_id=UUID(data["org_unit_id"]),
        org_unit_name=data["org_unit_name"],
        title=data["title"],
        safety_role=SafetyRole(data["safety_role"]),
    )


def finding_from_dict(data: dict[str, Any]) -> Finding:
    evidence = data["evidence"]
    return Finding(
        rule_id=data["rule_id"],
        effect=Effect(data["effect"]),
        system=SeedSystem(data["system"]),
        basis=data["basis"],
        blocks_from=_date(data["blocks_from"]),
        blocks_until=_date(data["blocks_until"]),
        in_force=bool(data["in_force"]),
        evidence=Evidence(
            record_kind=evidence["record_kind"],
            record_id=_uuid(evidence["record_id"]),
            post=_post_from_dict(evidence.get("post")),
        ),
        message=Message(zh=data["message"]["zh"], en=data["message"]["en"]),
    )


def decision_from_dict(data: dict[str, Any]) -> Decision:
    evaluated_at = data.get("evaluated_at")
    return Decision(
        cadre_id=UUID(data["cadre_id"]),
        purpose=Purpose(data["purpose"]),
        as_of=date.fromisoformat(data["as_of"]),
        known_at=datetime.fromisoformat(data["known_at"]),
        outcome=Outcome(data["outcome"]),
        eligible_from=_date(data["eligible_from"]),
        findings=tuple(finding_from_dict(f) for f in data["findings"]),
        rulebook=_ref_from_dict(data["rulebook"]),
        facts_sha256=data["facts_sha256"],
        decision_id=_uuid(data.get("decision_id")),
        evaluated_at=None if evaluated_at is None else datetime.fromisoformat(evaluated_at),
    )


def comparable(decision: Decision) -> dict[str, Any]:
    """The decision's JSON form without what the service stamps on it after evaluation."""
    data = decision_to_dict(decision)
    for name in SERVICE_FIELDS:
        data.pop(name, None)
    return data


# --- diff (replay reports) -------------------------------------------------------------------


def _finding_key(finding: Any) -> str:
    """Findings are matched by rule and record, so one inserted finding does not shift the rest."""
    if not isinstance(finding, dict):
        return repr(finding)
    evidence = finding.get("evidence") or {}
    return f"{finding.get('rule_id')}|{evidence.get('record_kind')}|{evidence.get('record_id')}"


def _keyed(items: list[Any]) -> dict[str, Any]:
    keyed: dict[str, Any] = {}
    for item in items:
        key = _finding_key(item)
        occurrence = 1
        while key in keyed:  # the same rule and record twice: keep both, numbered
            occurrence += 1
            key = f"{_finding_key(item)}#{occurrence}"
        keyed[key] = item
    return keyed


def diff(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Every leaf that differs between two decision dicts, as {path, before, after}.

    Paths look like `outcome`, `rulebook.sha256` or `findings[veto.one_vote|accountability_case|
    <id>].blocks_until`; a finding present on one side only is reported whole.
    """
    changes: list[dict[str, Any]] = []
    _diff_value("", a, b, changes)
    return changes


def _diff_value(path: str, before: Any, after: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after)):
            child = f"{path}.{key}" if path else str(key)
            _diff_value(child, before.get(key), after.get(key), out)
    elif isinstance(before, list) and isinstance(after, list):
        _diff_list(path, before, after, out)
    elif before != after:
        out.append({"path": path, "before": before, "after": after})


def _diff_list(path: str, before: list[Any], after: list[Any], out: list[dict[str, Any]]) -> None:
    if path == "findings":
        before_keyed, after_keyed = _keyed(before), _keyed(after)
        keys = sorted(set(before_keyed) | set(after_keyed))
    else:
        before_keyed = {str(i): v for i, v in enumerate(before)}
        after_keyed = {str(i): v for i, v in enumerate(after)}
        keys = [str(i) for i in range(max(len(before), len(after)))]
    for key in keys:
        _diff_value(f"{path}[{key}]", before_keyed.get(key), after_keyed.get(key), out)
