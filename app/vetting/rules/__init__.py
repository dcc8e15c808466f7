"""The pure vetting rules engine: facts in, decision out (no database, no web framework).

decision = evaluate(facts, Purpose.PROMOTION, date(2026, 5, 1), default_rulebook())
"""

from __future__ import annotations

from app.vetting.rules.decision import (
    Decision,
    Evidence,
    Finding,
    Message,
    PostRef,
    RulebookRef,
    comparable,
    decision_from_dict,
    decision_to_dict,
    diff,
)
from app.vetting.rules.engine import evaluate
from app.vetting.rules.periods import Period, PeriodKind, add_months, last_blocked_day
from app.vetting.rules.rule_ids import ALL_RULE_IDS
from app.vetting.rules.rulebook import (
    DEFAULT_RULEBOOK,
    Rule,
    Rulebook,
    RulebookError,
    available_rulebooks,
    default_rulebook,
    load_rulebook,
)

__all__ = [
    "ALL_RULE_IDS",
    "DEFAULT_RULEBOOK",
    "Decision",
    "Evidence",
    "Finding",
    "Message",
    "Period",
    "PeriodKind",
    "PostRef",
    "Rule",
    "Rulebook",
    "RulebookError",
    "RulebookRef",
    "add_months",
    "available_rulebooks",
    "comparable",
    "decision_from_dict",
    "decision_to_dict",
    "default_rulebook",
    "diff",
    "evaluate",
    "last_blocked_day",
    "load_rulebook",
]
