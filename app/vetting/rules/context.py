"""One evaluation's inputs, and the single place a rulebook rule becomes a finding."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.domain.enums import Purpose
from app.vetting.rules.decision import Evidence, Finding, Message, made_fast
from app.vetting.rules.facts import CadreFacts
from app.vetting.rules.messages import date_texts, en_text, iso_or_open, zh_or_open, zh_text
from app.vetting.rules.periods import PeriodKind, day_after, period_end
from app.vetting.rules.rulebook_model import Rulebook, RuleUse, Settings


class EvalContext:
    """The facts, purpose, date and rulebook of one evaluation.

    A rule asks `use(rule_id)` first: None means it can find nothing for this purpose (most
    rules concern only some purposes), answered from a table the rulebook prepared, so the rule
    skips the work of a finding that would not be made. Otherwise `finding(use, ...)` makes it.
    """

    __slots__ = ("_uses", "as_of", "facts", "purpose", "rulebook", "settings")

    def __init__(self, facts: CadreFacts, purpose: Purpose, as_of: date, rulebook: Rulebook):
        self.facts = facts
        self.purpose = purpose
        self.as_of = as_of
        self.rulebook = rulebook
        self.settings: Settings = rulebook.settings
        self._uses = rulebook.uses(purpose)

    def use(self, rule_id: str) -> RuleUse | None:
        """The rule and its period for this purpose; None when it cannot yield a finding here
        (not in the rulebook, not concerning this purpose, or switched off by 0 months)."""
        return self._uses.get(rule_id)

    def finding(
        self,
        use: RuleUse,
        evidence: Evidence,
        values: Mapping[str, Any],
        *,
        anchor: date | None = None,
        blocks_from: date | None = None,
        extra_months: int = 0,
        running_until: date | None = None,
    ) -> Finding:
        """The finding of the rule `use` found for this purpose.

        `anchor` is the day the rule's period is counted from (a decision date, 1 January of a
        year, ...); `blocks_from` overrides the first blocked day when it differs from it.
        """
        period = use.period
        start: date | None = None
        until: date | None = None
        if period.kind is not PeriodKind.NONE:
            start = blocks_from or anchor or self.as_of
            until = period_end(
                period, anchor or start, extra_months=extra_months, running_until=running_until
            )
        as_of = self.as_of
        purpose = self.purpose
        filled = _Filled()
        filled.common = (purpose, start, until)
        for group in _groups(use.names):
            filled.update(_common_values(group, purpose, start, until))
        filled.update(values)  # the rule's own values take precedence
        rule = use.rule
        message = made_fast(Message, {"zh": use.render_zh(filled), "en": use.render_en(filled)})
        return made_fast(
            Finding,
            {
                "rule_id": rule.rule_id,
                "effect": rule.effect,
                "system": rule.system,
                "basis": rule.basis,
                "blocks_from": start,
                "blocks_until": until,
                "in_force": (start is None or start <= as_of) and (until is None or as_of <= until),
                "evidence": evidence,
                "message": message,
            },
        )


# The placeholders every finding has, by the group of values worked out together.
COMMON_PLACEHOLDERS: Mapping[str, str] = {
    "purpose_zh": "purpose",
    "purpose_en": "purpose",
    "from": "from",
    "from_zh": "from",
    "until": "until",
    "until_zh": "until",
    "free_from": "free_from",
    "free_from_zh": "free_from",
}
_GROUPS: dict[frozenset[str], tuple[str, ...]] = {}


def _groups(names: frozenset[str]) -> tuple[str, ...]:
    """The groups of common placeholders that templates naming `names` use (memoised)."""
    groups = _GROUPS.get(names)
    if groups is None:
        wanted = {COMMON_PLACEHOLDERS[n] for n in names if n in COMMON_PLACEHOLDERS}
        groups = _GROUPS[names] = tuple(sorted(wanted))
    return groups


def _common_values(
    group: str, purpose: Purpose, start: date | None, until: date | None
) -> Mapping[str, str]:
    """One group of common values: as `messages.date_values` gives them for the dates."""
    if group == "until":
        return _dates("until", "until_zh", until)
    if group == "purpose":
        return _purpose_values(purpose)
    if group == "from":
        return _dates("from", "from_zh", start)
    free_from = None if until is None else day_after(until)
    return _dates("free_from", "free_from_zh", free_from)


def _dates(iso_key: str, zh_key: str, day: date | None) -> dict[str, str]:
    if day is None:
        return {iso_key: iso_or_open(None), zh_key: zh_or_open(None)}
    iso, zh = date_texts(day)
    return {iso_key: iso, zh_key: zh}


_PURPOSE_VALUES: dict[str, Mapping[str, str]] = {}


def _purpose_values(purpose: Purpose) -> Mapping[str, str]:
    values = _PURPOSE_VALUES.get(purpose._value_)
    if values is None:
        values = {"purpose_zh": zh_text(purpose), "purpose_en": en_text(purpose)}
        _PURPOSE_VALUES[purpose._value_] = values
    return values


class _Filled(dict[str, Any]):
    """A finding's template values. An unknown placeholder stays visible as `{name}` instead of
    failing a whole decision over it (as `messages.render`); a common one the rule's templates
    were not found to name (`template_names` is only a shortcut) is still worked out here."""

    __slots__ = ("common",)
    common: tuple[Purpose, date | None, date | None]  # purpose, start, until

    def __missing__(self, key: str) -> str:
        group = COMMON_PLACEHOLDERS.get(key)
        if group is None:
            return "{" + key + "}"
        for name, value in _common_values(group, *self.common).items():
            self.setdefault(name, value)
        text: str = self[key]
        return text
