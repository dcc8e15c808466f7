"""The rulebook as the engine reads it: rules, their periods, settings and citations.

Rulebooks are data (TOML files under `rulebooks/`), so another jurisdiction can ship its own
periods without touching code; `rulebook_parse.py` turns a file into these frozen objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.domain.enums import (
    AccidentLevel,
    AssessmentKind,
    CadreGrade,
    Circumstance,
    Effect,
    Purpose,
    SafetyRole,
    SeedSystem,
)
from app.domain.labels import zh
from app.vetting.rules.decision import LayerRef, RulebookRef
from app.vetting.rules.duties import DutyTable
from app.vetting.rules.messages import Renderer, compile_template, template_names
from app.vetting.rules.periods import Period

# Every placeholder a message template may use; the engine fills those that apply to the
# record behind a finding. `*_zh` values are Chinese (dates as 2025年3月15日), the others English
# or language-neutral (ISO dates).
MESSAGE_PLACEHOLDERS = frozenset(
    {
        "purpose_zh",
        "purpose_en",
        "from",
        "from_zh",
        "until",
        "until_zh",
        "free_from",
        "free_from_zh",
        "circumstance_zh",
        "circumstance_en",
        "decision_date",
        "decision_date_zh",
        "opened_on",
        "opened_on_zh",
        "document_number",
        "measure_zh",
        "measure_en",
        "leniency_zh",
        "leniency_en",
        "months",
        "completed_on",
        "completed_on_zh",
        "accident_date",
        "accident_date_zh",
        "level_zh",
        "level_en",
        "industry_zh",
        "industry_en",
        "org_unit_name",
        "target_industry_zh",
        "target_industry_en",
        "role_zh",
        "role_en",
        "year",
        "grade_zh",
        "grade_en",
        "missing_zh",
        "missing_en",
        "recorded_grade_zh",
        "recorded_grade_en",
        "sanction_zh",
        "sanction_en",
        "conducted_on",
        "conducted_on_zh",
        "status_zh",
        "status_en",
        "basis_zh",
        "basis_en",
        "in_force_zh",
        "in_force_en",
    }
)


@dataclass(frozen=True)
class Block:
    """What a rule blocks for some purposes, and for how long."""

    purposes: tuple[Purpose, ...]
    period: Period


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title_zh: str
    title_en: str
    effect: Effect
    system: SeedSystem
    basis_keys: tuple[str, ...]
    basis: str  # the citation texts of basis_keys joined with "；"
    blocks: tuple[Block, ...]
    message_zh: str
    message_en: str

    def block_for(self, purpose: Purpose) -> Block | None:
        return next((b for b in self.blocks if purpose in b.purposes), None)

    def describe(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "effect": self.effect.value,
            "effect_zh": zh(self.effect),
            "system": self.system.value,
            "system_zh": zh(self.system),
            "basis": self.basis,
            "citations": list(self.basis_keys),
            "blocks": [
                {"purposes": [p.value for p in b.purposes], "period": b.period.describe()}
                for b in self.blocks
            ],
            "message_templates": {"zh": self.message_zh, "en": self.message_en},
        }


@dataclass(frozen=True)
class RuleUse:
    """A rule as it applies to one purpose: the rule and how long it blocks that purpose, with
    its message templates prepared once (the value names they use, so a finding fills only
    those, and compiled renderers)."""

    rule: Rule
    period: Period
    names: frozenset[str] = field(init=False, repr=False, compare=False)
    render_zh: Renderer = field(init=False, repr=False, compare=False)
    render_en: Renderer = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        zh_text, en_text = self.rule.message_zh, self.rule.message_en
        object.__setattr__(self, "names", template_names(zh_text) | template_names(en_text))
        object.__setattr__(self, "render_zh", compile_template(zh_text))
        object.__setattr__(self, "render_en", compile_template(en_text))

    def __reduce__(self) -> tuple[type[RuleUse], tuple[Rule, Period]]:
        # The renderers are closures, which pickle cannot write: a copy prepares its own.
        return RuleUse, (self.rule, self.period)


@dataclass(frozen=True)
class Settings:
    """Thresholds the rules share; every number RULES.md gives is a value here or in a block."""

    responsible_roles: frozenset[SafetyRole]
    accident_hold_min_level: AccidentLevel
    soe_bar_accident_levels: frozenset[AccidentLevel]
    annual_assessment_years_back: int
    basis_years_back: int
    basis_assessment_kind: AssessmentKind
    basis_assessment_grade: CadreGrade
    # Circumstances of Art. 18 whose decided cases bring the one-vote veto: the central 规定
    # (Art. 20) names leadership responsibility for an accident; Luzhou every circumstance.
    veto_circumstances: frozenset[Circumstance] = frozenset(Circumstance)

    def describe(self) -> dict[str, Any]:
        return {
            "responsible_roles": sorted(r.value for r in self.responsible_roles),
            "accident_hold_min_level": self.accident_hold_min_level.value,
            "soe_bar_accident_levels": sorted(lv.value for lv in self.soe_bar_accident_levels),
            "annual_assessment_years_back": self.annual_assessment_years_back,
            "basis_years_back": self.basis_years_back,
            "basis_assessment_kind": self.basis_assessment_kind.value,
            "basis_assessment_grade": self.basis_assessment_grade.value,
            "veto_circumstances": sorted(c.value for c in self.veto_circumstances),
        }


@dataclass(frozen=True)
class Rulebook:
    id: str
    version: str
    title: str
    jurisdiction: str
    effective_from: date
    effective_until: date | None
    sha256: str  # of the file's exact bytes: a decision names the rulebook it used
    citations: Mapping[str, str]
    settings: Settings
    rules: tuple[Rule, ...]
    period_basis: str = ""  # citation for how periods are counted (民法典)
    division_code: str | None = None  # the jurisdiction it governs (GB/T 2260); None = national
    extends: str | None = None  # the rulebook id it is a layer over
    layers: tuple[LayerRef, ...] = ()  # the texts composed, root first (none: a single text)
    # Which layer stated a value last (`rules.<id>.blocks`, `rules.<id>.basis`,
    # `settings.<key>`): its id and effective date. Empty for a single text (all its own).
    stated_in: Mapping[str, tuple[str, date]] = field(default_factory=dict, compare=False)
    duties: DutyTable = field(default_factory=DutyTable)  # 职责清单 (duties.py)
    _by_id: Mapping[str, Rule] = field(init=False, repr=False, compare=False)
    _uses: Mapping[Purpose, Mapping[str, RuleUse]] = field(init=False, repr=False, compare=False)
    _applying: Mapping[Purpose, frozenset[str]] = field(init=False, repr=False, compare=False)
    _ref: RulebookRef = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Worked out once per rulebook, not per finding: the rules by id (the last of a repeated
        # id wins) and, per purpose, the rules that concern it and the period each blocks it for.
        by_id = {r.rule_id: r for r in self.rules}
        uses: dict[Purpose, dict[str, RuleUse]] = {p: {} for p in Purpose}
        applying: dict[Purpose, set[str]] = {p: set() for p in Purpose}
        for rule_id, rule in by_id.items():
            for purpose in Purpose:
                block = rule.block_for(purpose)
                if block is None:
                    continue
                applying[purpose].add(rule_id)
                if not block.period.is_empty:
                    uses[purpose][rule_id] = RuleUse(rule, block.period)
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_uses", uses)
        object.__setattr__(self, "_applying", {p: frozenset(ids) for p, ids in applying.items()})
        object.__setattr__(
            self,
            "_ref",
            RulebookRef(id=self.id, version=self.version, sha256=self.sha256, layers=self.layers),
        )

    @property
    def ref(self) -> RulebookRef:
        return self._ref

    def in_force(self, day: date) -> bool:
        """Whether `day` lies in the rulebook's period in force (effective_from…until)."""
        until = self.effective_until
        return self.effective_from <= day and (until is None or day <= until)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.rule_id for r in self.rules)

    def rule(self, rule_id: str) -> Rule | None:
        return self._by_id.get(rule_id)

    def applies(self, rule_id: str, purpose: Purpose) -> bool:
        """Whether the rulebook has the rule and it concerns `purpose` (even if for 0 months)."""
        return rule_id in self._applying[purpose]

    def uses(self, purpose: Purpose) -> Mapping[str, RuleUse]:
        """The rules that can find anything for `purpose`, by id: those that concern it, less
        those a zero-month period switches off for it."""
        return self._uses[purpose]

    def describe(self) -> dict[str, Any]:
        """JSON-ready description for GET /v1/rulebooks/{id}."""
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "jurisdiction": self.jurisdiction,
            "effective_from": self.effective_from.isoformat(),
            "effective_until": (
                None if self.effective_until is None else self.effective_until.isoformat()
            ),
            "sha256": self.sha256,
            "division_code": self.division_code,
            "extends": self.extends,
            "layers": [
                {"id": layer.id, "version": layer.version, "sha256": layer.sha256}
                for layer in self.layers
            ],
            "period_basis": self.period_basis,
            "citations": dict(sorted(self.citations.items())),
            "settings": self.settings.describe(),
            "rules": [r.describe() for r in self.rules],
            **self.duties.describe(),
        }
