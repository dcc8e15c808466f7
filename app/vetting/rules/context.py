"""One evaluation's inputs, and the single place a rulebook rule becomes a finding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.domain.enums import Purpose
from app.domain.labels import zh
from app.vetting.rules.decision import Evidence, Finding, Message
from app.vetting.rules.facts import CadreFacts
from app.vetting.rules.messages import date_values, en_text, render
from app.vetting.rules.periods import PeriodKind, covers, day_after, period_end
from app.vetting.rules.rulebook_model import Rule, Rulebook, Settings


@dataclass(frozen=True)
class EvalContext:
    facts: CadreFacts
    purpose: Purpose
    as_of: date
    rulebook: Rulebook

    @property
    def settings(self) -> Settings:
        return self.rulebook.settings

    def applies(self, rule_id: str) -> bool:
        """Whether the rulebook has the rule and it concerns the purpose being vetted."""
        rule = self.rulebook.rule(rule_id)
        return rule is not None and rule.block_for(self.purpose) is not None

    def finding(
        self,
        rule_id: str,
        evidence: Evidence,
        values: Mapping[str, Any],
        *,
        anchor: date | None = None,
        blocks_from: date | None = None,
        extra_months: int = 0,
        running_until: date | None = None,
    ) -> Finding | None:
        """The finding of `rule_id` for this purpose, or None when the rule does not apply.

        `anchor` is the day the rule's period is counted from (a decision date, 1 January of a
        year, ...); `blocks_from` overrides the first blocked day when it differs from it.
        """
        rule = self.rulebook.rule(rule_id)
        block = rule.block_for(self.purpose) if rule is not None else None
        if rule is None or block is None or block.period.is_empty:
            return None
        start: date | None = None
        until: date | None = None
        if block.period.kind is not PeriodKind.NONE:
            start = blocks_from or anchor or self.as_of
            until = period_end(
                block.period,
                anchor or start,
                extra_months=extra_months,
                running_until=running_until,
            )
        in_force = covers(start, until, self.as_of)
        return self._finding(rule, evidence, values, start, until, in_force)

    def _finding(
        self,
        rule: Rule,
        evidence: Evidence,
        values: Mapping[str, Any],
        start: date | None,
        until: date | None,
        in_force: bool,
    ) -> Finding:
        filled = {**self._common_values(start, until), **values}
        return Finding(
            rule_id=rule.rule_id,
            effect=rule.effect,
            system=rule.system,
            basis=rule.basis,
            blocks_from=start,
            blocks_until=until,
            in_force=in_force,
            evidence=evidence,
            message=Message(zh=render(rule.message_zh, filled), en=render(rule.message_en, filled)),
        )

    def _common_values(self, start: date | None, until: date | None) -> dict[str, Any]:
        return {
            "purpose_zh": zh(self.purpose),
            "purpose_en": en_text(self.purpose),
            **date_values("from", start),
            **date_values("until", until),
            **date_values("free_from", None if until is None else day_after(until)),
        }
