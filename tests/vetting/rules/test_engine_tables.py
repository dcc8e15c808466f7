"""The tables and shortcuts that keep `evaluate` cheap give the same answers as the long way."""

from __future__ import annotations

import pickle
import random
from dataclasses import replace
from datetime import date
from uuid import UUID

import pytest

from app.domain.enums import Effect, Method, Outcome, Purpose, SeedSystem
from app.vetting.rules.context import EvalContext, _Filled
from app.vetting.rules.decision import Evidence, Finding, Message, outcome_of
from app.vetting.rules.engine import _sort_key, sort_findings
from app.vetting.rules.messages import (
    _KeepUnknown,
    case_values,
    compile_template,
    render,
    template_names,
)
from app.vetting.rules.periods import Period, PeriodKind
from app.vetting.rules.rulebook import default_rulebook
from app.vetting.rules.rulebook_model import MESSAGE_PLACEHOLDERS, RuleUse
from tests.vetting.rules import cadre, case, vet


@pytest.mark.parametrize("purpose", list(Purpose))
def test_the_per_purpose_tables_agree_with_the_rules(purpose: Purpose) -> None:
    rulebook = default_rulebook()
    uses = rulebook.uses(purpose)
    for rule in rulebook.rules:
        block = rule.block_for(purpose)
        assert rulebook.applies(rule.rule_id, purpose) is (block is not None)
        if block is None or block.period.is_empty:
            assert rule.rule_id not in uses
        else:
            assert uses[rule.rule_id].rule is rule
            assert uses[rule.rule_id].period == block.period


def test_a_zero_month_block_applies_but_finds_nothing() -> None:
    rulebook = default_rulebook()
    assert rulebook.applies("influence.notification", Purpose.PROMOTION)
    assert "influence.notification" not in rulebook.uses(Purpose.PROMOTION)


def test_a_repeated_rule_id_resolves_to_the_last_rule_as_rule_does() -> None:
    rulebook = default_rulebook()
    veto = rulebook.rule("veto.one_vote")
    assert veto is not None
    permanent = replace(
        veto, blocks=(replace(veto.blocks[0], period=Period(PeriodKind.PERMANENT)),)
    )
    doubled = replace(rulebook, rules=(*rulebook.rules, permanent))
    assert doubled.rule("veto.one_vote") is permanent
    assert doubled.uses(Purpose.PROMOTION)["veto.one_vote"].rule is permanent
    finding = vet(cadre(case("2024-03-15")), rulebook=doubled).findings[0]
    assert finding.rule_id == "veto.one_vote" and finding.blocks_until is None


def test_template_names_lists_every_value_a_template_looks_up() -> None:
    assert template_names("{a}与{b_zh}；{{literal}} {c.real} {d[0]} {e:>{width}}") == {
        "a",
        "b_zh",
        "c",
        "d",
        "e",
        "width",
    }
    assert template_names("unbalanced {") == frozenset()


TRICKY_TEMPLATES = [
    "",
    "no fields, 100% literal {{braces}}",
    "{a}",
    "{a}{a} %s %d %% {b}",
    "{a!r} and {b}",
    "{n:>5} {a:{width}}",
    "{a.upper} {d[0]}",
    "{missing} stays",
    "{0}",
    "unbalanced {",
]


@pytest.mark.parametrize("template", TRICKY_TEMPLATES)
def test_a_compiled_template_renders_as_format_map_does(template: str) -> None:
    values = _KeepUnknown({"a": "甲%s", "b": 7, "n": 42, "width": 6, "d": ["x"]})
    try:
        expected: str | type[Exception] = template.format_map(values)
    except (ValueError, IndexError, KeyError, TypeError) as error:
        expected = type(error)
    render = compile_template(template)
    if isinstance(expected, str):
        assert render(values) == expected
    else:
        with pytest.raises(expected):
            render(values)


def test_every_message_template_compiles_to_the_same_text() -> None:
    values = _KeepUnknown({name: f"«{name}»" for name in MESSAGE_PLACEHOLDERS} | {"year": 2024})
    for rule in default_rulebook().rules:
        for template in (rule.message_zh, rule.message_en):
            assert compile_template(template)(values) == template.format_map(values)
            assert compile_template(template)(_KeepUnknown()) == render(template, {})


def test_common_placeholders_not_prefilled_are_still_worked_out() -> None:
    filled = _Filled({"until": "X"})
    filled.common = (Purpose.PROMOTION, date(2024, 3, 15), date(2025, 3, 15))
    template = "{purpose_zh}|{from}|{from_zh}|{until}|{until_zh}|{free_from}|{free_from_zh}|{x}"
    assert template.format_map(filled) == (
        "提拔（晋升职务职级）|2024-03-15|2024年3月15日|X|2025年3月15日|2025-03-16|2025年3月16日|{x}"
    )
    open_ended = _Filled()
    open_ended.common = (Purpose.SAFETY_COMMENDATION, None, None)
    assert "{purpose_en} {from} {until_zh} {free_from}".format_map(open_ended) == (
        "a work-safety commendation open-ended 长期 open-ended"
    )


def test_a_rule_naming_every_common_placeholder_reads_as_before() -> None:
    rulebook = default_rulebook()
    the_case = case("2024-03-15")
    ctx = EvalContext(cadre(the_case), Purpose.PROMOTION, date(2025, 1, 15), rulebook)
    veto = ctx.use("veto.one_vote")
    assert veto is not None
    every = replace(
        veto.rule,
        message_zh="{purpose_zh}|{from}|{from_zh}|{until}|{until_zh}|{free_from}|{free_from_zh}",
        message_en="{purpose_en}|{circumstance_en}|{unknown}",
    )
    evidence = Evidence("accountability_case", the_case.id)
    found = ctx.finding(
        RuleUse(every, veto.period), evidence, case_values(the_case), anchor=the_case.decision_date
    )
    assert found.message.zh == (
        "提拔（晋升职务职级）|2024-03-15|2024年3月15日|2025-03-15|2025年3月15日|2025-03-16|2025年3月16日"
    )
    assert found.message.en == "promotion|failing to perform work-safety duties|{unknown}"


def test_the_rules_own_values_override_the_common_ones() -> None:
    rulebook = default_rulebook()
    ctx = EvalContext(cadre(), Purpose.PROMOTION, date(2025, 1, 15), rulebook)
    use = ctx.use("veto.one_vote")
    assert use is not None
    values = {"until": "X", "until_zh": "某日", "purpose_zh": "某用途", "unknown": 1}
    found = ctx.finding(use, Evidence("accountability_case", None), values)
    assert found.message.zh == render(
        use.rule.message_zh, values | {"decision_date_zh": "{decision_date_zh}"}
    )
    assert "X" in found.message.en and "某日" in found.message.zh and "某用途" in found.message.zh


def _finding(effect: Effect, in_force: bool = True) -> Finding:
    return Finding(
        rule_id=f"test.{effect.value}",
        effect=effect,
        system=SeedSystem.ACCOUNTABILITY,
        basis="",
        blocks_from=None,
        blocks_until=None,
        in_force=in_force,
        evidence=Evidence("accountability_case", None),
        message=Message("", ""),
    )


def test_sort_findings_takes_any_iterable_and_short_lists() -> None:
    one = _finding(Effect.HOLD)
    assert sort_findings([]) == () and sort_findings(iter([one])) == (one,)
    veto = _finding(Effect.VETO)
    assert sort_findings(f for f in (one, veto)) == (veto, one)


def test_outcome_of_reads_a_generator_once() -> None:
    findings = [_finding(Effect.NOTE), _finding(Effect.HOLD), _finding(Effect.VETO, False)]
    assert outcome_of(f for f in findings) is Outcome.PENDING
    assert outcome_of(iter([*findings, _finding(Effect.BLOCK)])) is Outcome.INELIGIBLE


def test_sorting_by_record_number_orders_as_by_record_text() -> None:
    rng = random.Random(7)
    ids: list[UUID | None] = [None, UUID(int=0), UUID(int=(1 << 128) - 1)]
    ids += [UUID(int=rng.getrandbits(128)) for _ in range(40)]
    ids += [UUID(int=rng.getrandbits(8) << 120) for _ in range(10)]  # differ in the first digits
    findings = [
        replace(
            _finding(rng.choice([Effect.HOLD, Effect.VETO])),
            rule_id=rng.choice(["a", "b"]),
            evidence=Evidence("accountability_case", record_id),
        )
        for record_id in ids * 2
    ]
    rng.shuffle(findings)
    assert sort_findings(findings) == tuple(sorted(findings, key=_sort_key))
    # Any other kind of record id: sorted by text, as always.
    odd = [*findings, replace(findings[0], evidence=Evidence("x", "zz"))]  # type: ignore[arg-type]
    assert sort_findings(odd) == tuple(sorted(odd, key=_sort_key))


def test_a_rulebook_still_pickles_and_decides_the_same() -> None:
    rulebook = default_rulebook()
    copied = pickle.loads(pickle.dumps(rulebook))
    assert copied == rulebook and copied.uses(Purpose.PROMOTION).keys() == (
        rulebook.uses(Purpose.PROMOTION).keys()
    )
    facts = cadre(case("2024-03-15", methods=(Method.ADMONISHMENT,)))
    assert vet(facts, rulebook=copied) == vet(facts, rulebook=rulebook)
