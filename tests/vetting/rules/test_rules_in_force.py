"""A decision dated outside the rulebook's period in force is held, saying so: the engine does
not judge a day by rules that did not govern it, nor invent others (issue: rulebooks as law)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.enums import Effect, Outcome, Purpose
from app.vetting.rules.rulebook import default_rulebook, load_rulebook
from tests.vetting.rules import cadre, only, rule_ids, soe, vet

RULE = "hold.rules_not_in_force"
TEXT = (
    Path(__file__).parents[3] / "app/vetting/rules/rulebooks/cn-sichuan-luzhou-2018.toml"
).read_text(encoding="utf-8")


def test_the_default_rulebook_is_in_force_from_1_november_2018() -> None:
    assert str(default_rulebook().effective_from) == "2018-11-01"
    assert default_rulebook().effective_until is None


@pytest.mark.parametrize("purpose", list(Purpose))
def test_a_day_before_the_rules_took_effect_is_held_with_the_reason(purpose: Purpose) -> None:
    target = soe() if purpose is Purpose.SOE_HEAD_APPOINTMENT else None
    facts = cadre(target=target)
    decision = vet(facts, purpose, as_of="2018-10-31")
    finding = only(decision, RULE)
    assert finding.effect is Effect.HOLD and finding.in_force
    assert decision.outcome is Outcome.PENDING and decision.eligible_from is None
    assert finding.blocks_from is not None and str(finding.blocks_from) == "2018-10-31"
    assert finding.blocks_until is None
    assert finding.evidence.record_kind == "rulebook" and finding.evidence.record_id is None
    assert "2018年10月31日" in finding.message.zh and "2018年11月1日起施行" in finding.message.zh
    assert "未载入" in finding.message.zh and "暂缓" in finding.message.zh
    assert "2018-10-31" in finding.message.en and "from 2018-11-01" in finding.message.en
    assert "泸州市党政领导干部安全生产责任制实施办法" in finding.basis


@pytest.mark.parametrize("as_of", ["2018-11-01", "2018-11-02", "2025-01-15", "2040-12-31"])
def test_days_in_force_have_no_such_finding(as_of: str) -> None:
    assert RULE not in rule_ids(vet(cadre(), as_of=as_of))


def test_no_other_rule_is_applied_outside_the_period() -> None:
    # Without an annual assessment the rules in force would hold, and a commendation without a
    # basis would be blocked: outside the period neither is judged, only the reason is given.
    for purpose in (Purpose.PROMOTION, Purpose.SAFETY_COMMENDATION):
        decision = vet(cadre(annual_years=()), purpose, as_of="2017-06-01")
        assert rule_ids(decision) == [RULE]
        assert decision.outcome is Outcome.PENDING
    assert RULE not in rule_ids(vet(cadre(annual_years=()), as_of="2019-06-01"))


def test_a_rulebook_with_an_end_holds_the_days_after_it(tmp_path: Path) -> None:
    text = TEXT.replace(
        "effective_from = 2018-11-01\n",
        "effective_from = 2018-11-01\neffective_until = 2024-12-31\n",
    )
    assert text != TEXT
    path = tmp_path / "ended.toml"
    path.write_text(text, encoding="utf-8")
    ended = load_rulebook(path)
    assert RULE not in rule_ids(vet(cadre(), as_of="2024-12-31", rulebook=ended))
    finding = only(vet(cadre(), as_of="2025-01-01", rulebook=ended), RULE)
    assert "2018年11月1日至2024年12月31日" in finding.message.zh
    assert "from 2018-11-01 to 2024-12-31" in finding.message.en


def test_a_rulebook_without_the_rule_does_not_hold(tmp_path: Path) -> None:
    start = TEXT.index('[[rules]]\nrule_id = "hold.rules_not_in_force"')
    end = TEXT.index("[[rules]]", start + 1)
    head = "effective_from = 2018-11-01\n"
    text = (TEXT[:start] + TEXT[end:]).replace(
        head, head + 'remove_rules = ["hold.rules_not_in_force"]\n', 1
    )
    path = tmp_path / "without.toml"
    path.write_text(text, encoding="utf-8")
    decision = vet(cadre(), as_of="2018-10-31", rulebook=load_rulebook(path))
    assert RULE not in rule_ids(decision)
