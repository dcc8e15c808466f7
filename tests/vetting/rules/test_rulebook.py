"""Rulebooks: loading, hashing, validation and the description served by the API."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from app.domain.enums import Effect, Method, Outcome, Purpose
from app.vetting.rules import (
    ALL_RULE_IDS,
    DEFAULT_RULEBOOK,
    RulebookError,
    available_rulebooks,
    default_rulebook,
    load_rulebook,
)
from app.vetting.rules.periods import PeriodKind
from app.vetting.rules.rulebook import RULEBOOK_DIR
from tests.vetting.rules import cadre, case, only, vet

# The default rulebook is Luzhou's layer over Sichuan's over the national one: a rule or setting
# Luzhou states is edited in its layer, the rest in the national text (a copy of which, loaded
# alone, is a complete rulebook).
SOURCE = RULEBOOK_DIR / f"{DEFAULT_RULEBOOK}.toml"
TEXT = SOURCE.read_text(encoding="utf-8")
NATIONAL = RULEBOOK_DIR / "cn-national-2018.toml"
NATIONAL_TEXT = NATIONAL.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = f"{DEFAULT_RULEBOOK}.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rule_block(rule_id: str, text: str = TEXT) -> str:
    """The TOML text of one [[rules]] entry of a rulebook text ("" if it has none)."""
    marker = f'rule_id = "{rule_id}"\n'
    if marker not in text:
        return ""
    start = text.index(marker)
    end = text.find("[[rules]]", start)
    return text[start : end if end != -1 else len(text)]


def edited(tmp_path: Path, old: str, new: str, rule_id: str | None = None) -> Path:
    """A copy of the layer (Luzhou's, else the national one) whose rule `rule_id` (or whose
    text) has `old`, with `new` in its place; loading it composes it as the shipped one."""
    for path, text in ((SOURCE, TEXT), (NATIONAL, NATIONAL_TEXT)):
        part = rule_block(rule_id, text) if rule_id else text
        if old in part:
            return write(tmp_path, text.replace(part, part.replace(old, new, 1)), path.name)
    raise AssertionError(f"{old!r} not in {rule_id or 'the rulebook'}")


def removed(tmp_path: Path, rule_id: str) -> Path:
    """A copy of Luzhou's layer that drops `rule_id` from what it extends."""
    head = "effective_from = 2018-11-01\n"
    assert head in TEXT
    text = TEXT.replace("[[rules]]\n" + rule_block(rule_id), "")
    return write(tmp_path, text.replace(head, head + f'remove_rules = ["{rule_id}"]\n', 1))


def test_the_default_rulebook_is_shipped_and_listed() -> None:
    assert DEFAULT_RULEBOOK in available_rulebooks()
    rulebook = default_rulebook()
    assert (rulebook.id, rulebook.jurisdiction) == ("cn-sichuan-luzhou-2018", "四川省泸州市")
    assert rulebook.effective_from.isoformat() == "2018-11-01"
    assert rulebook.effective_until is None


def test_the_sha256_is_that_of_the_files_exact_bytes() -> None:
    layers = default_rulebook().layers
    assert layers[-1].sha256 == hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    assert layers[0].sha256 == hashlib.sha256(NATIONAL.read_bytes()).hexdigest()
    national = load_rulebook(NATIONAL)
    assert national.sha256 == layers[0].sha256 and national.layers == ()


def test_the_sha256_is_stable_across_loads() -> None:
    assert load_rulebook(SOURCE).sha256 == load_rulebook(DEFAULT_RULEBOOK).sha256


def test_any_change_to_the_bytes_changes_the_sha256(tmp_path: Path) -> None:
    copy = load_rulebook(write(tmp_path, TEXT, "copy.toml"))
    changed = load_rulebook(write(tmp_path, TEXT + "\n# a comment\n", "changed.toml"))
    assert copy.sha256 == default_rulebook().sha256  # the texts, not the file names, count
    assert changed.sha256 != copy.sha256
    assert changed.layers[:2] == copy.layers[:2] and changed.layers[2] != copy.layers[2]


def test_a_decision_names_the_rulebook_text_it_applied(tmp_path: Path) -> None:
    changed = load_rulebook(write(tmp_path, TEXT + "\n# amended\n"))
    assert changed.layers[-1].sha256 != default_rulebook().layers[-1].sha256
    decision = vet(cadre(), rulebook=changed)
    assert decision.rulebook.sha256 == changed.sha256 != default_rulebook().sha256


def test_the_default_rulebook_defines_every_rule_the_engine_knows() -> None:
    assert set(default_rulebook().rule_ids) == ALL_RULE_IDS


def test_rule_ids_follow_the_family_dot_subject_scheme() -> None:
    pattern = re.compile(r"^[a-z_]+(\.[a-z_]+){1,2}$")
    assert all(pattern.match(rule_id) for rule_id in ALL_RULE_IDS)


@pytest.mark.parametrize("rule_id", sorted(ALL_RULE_IDS))
def test_describe_lists_every_rule_with_its_citation(rule_id: str) -> None:
    described = {r["rule_id"]: r for r in default_rulebook().describe()["rules"]}
    rule = described[rule_id]
    assert rule["basis"].startswith(("《", "地方"))
    assert rule["citations"] and rule["blocks"]
    assert rule["title"]["zh"] and rule["title"]["en"]
    assert rule["message_templates"]["zh"] and rule["message_templates"]["en"]


def test_describe_is_json_ready_and_names_periods() -> None:
    described = default_rulebook().describe()
    json.dumps(described, ensure_ascii=False)
    veto = next(r for r in described["rules"] if r["rule_id"] == "veto.one_vote")
    assert veto["blocks"][0]["period"] == {"kind": "months", "months": 12}
    assert veto["blocks"][1]["period"] == {"kind": "calendar_year", "years_after": 0}
    assert "民法典" in described["period_basis"]
    assert described["sha256"] == default_rulebook().sha256


@pytest.mark.parametrize(
    ("rule_id", "purpose", "kind", "months"),
    [
        ("veto.one_vote", Purpose.PROMOTION, PeriodKind.MONTHS, 12),
        ("influence.admonishment", Purpose.PROMOTION, PeriodKind.MONTHS, 6),
        ("influence.removal", Purpose.PROMOTION, PeriodKind.MONTHS, 24),
        ("influence.removal", Purpose.APPOINTMENT, PeriodKind.MONTHS, 12),
        ("influence.party_sanction.serious_warning", Purpose.PROMOTION, PeriodKind.MONTHS, 18),
        (
            "influence.party_sanction.probation",
            Purpose.PROMOTION,
            PeriodKind.PROBATION_PLUS_MONTHS,
            24,
        ),
        ("influence.admin_sanction.warning", Purpose.PROMOTION, PeriodKind.MONTHS, 6),
        ("soe_bar.dismissal", Purpose.SOE_HEAD_APPOINTMENT, PeriodKind.MONTHS, 60),
        ("investigation.failed", Purpose.PROMOTION, PeriodKind.MONTHS, 12),
        ("influence.notification", Purpose.PROMOTION, PeriodKind.MONTHS, 0),
    ],
)
def test_the_numbers_of_rules_md_are_rulebook_values(
    rule_id: str, purpose: Purpose, kind: PeriodKind, months: int
) -> None:
    rule = default_rulebook().rule(rule_id)
    assert rule is not None
    block = rule.block_for(purpose)
    assert block is not None
    assert (block.period.kind, block.period.months) == (kind, months)


def test_whatever_blocks_an_appointment_also_blocks_an_soe_head_appointment() -> None:
    for rule in default_rulebook().rules:
        for implying, implied in [
            (Purpose.APPOINTMENT, Purpose.SOE_HEAD_APPOINTMENT),
            (Purpose.COMMENDATION, Purpose.SAFETY_COMMENDATION),
        ]:
            if rule.block_for(implying) is not None:
                assert rule.block_for(implied) == rule.block_for(implying), rule.rule_id


def test_a_jurisdiction_can_set_a_promotion_period_for_notification(tmp_path: Path) -> None:
    rulebook = load_rulebook(
        edited(
            tmp_path,
            'purposes = ["promotion"], period = "months", months = 0',
            'purposes = ["promotion"], period = "months", months = 6',
            "influence.notification",
        )
    )
    facts = cadre(case("2024-03-15", methods=(Method.NOTIFICATION,)))
    finding = only(vet(facts, as_of="2024-06-01", rulebook=rulebook), "influence.notification")
    assert finding.blocks_until is not None and finding.blocks_until.isoformat() == "2024-09-15"


def test_a_jurisdiction_can_shorten_the_veto(tmp_path: Path) -> None:
    rulebook = load_rulebook(edited(tmp_path, "months = 12", "months = 6", "veto.one_vote"))
    decision = vet(cadre(case("2024-03-15")), as_of="2024-10-01", rulebook=rulebook)
    assert decision.outcome is Outcome.ELIGIBLE


def test_a_rule_left_out_of_a_rulebook_is_not_applied(tmp_path: Path) -> None:
    rulebook = load_rulebook(removed(tmp_path, "veto.one_vote"))
    assert rulebook.rule("veto.one_vote") is None
    assert vet(cadre(case("2024-03-15")), as_of="2024-06-01", rulebook=rulebook).findings == ()


# --- validation ---------------------------------------------------------------------------------

INVALID = [
    ("veto.one_vote", '"promotion", "important_use"', '"promotion", "importnt_use"', "purpose"),
    ("veto.one_vote", 'effect = "veto"', 'effect = "ban"', "effect"),
    ("veto.one_vote", 'system = "one_vote_veto"', 'system = "one_vote"', "system"),
    ("veto.one_vote", 'period = "calendar_year"', 'period = "fortnight"', "period kind"),
    ("veto.one_vote", ", months = 12", "", "months"),
    ("veto.one_vote", "months = 12", "months = -1", "negative"),
    ("veto.one_vote", '"central_art20"', '"central_art99"', "citations"),
    ("veto.one_vote", "{circumstance_zh}", "{circumstance}", "placeholders"),
    ("veto.one_vote", "{circumstance_en}", "{circumstance_en", "malformed"),
    ("veto.one_vote", 'rule_id = "veto.one_vote"', 'rule_id = "veto.two_votes"', "unknown rule id"),
    ("veto.one_vote", ', "soe_head_appointment"]', "]", "soe_head_appointment"),
    ("veto.one_vote", '["commendation", "safety_commendation"]', '["commendation"]', "safety_"),
    ("veto.one_vote", '["commendation", "safety_commendation"]', '["promotion"]', "more than one"),
    ("hold.suspension", 'period = "while_running"', 'period = "months", months = 3', "fit"),
    ("note.lifetime_accountability", 'period = "none"', 'period = "permanent"', "fit"),
    ("hold.suspension", 'title_en = "Suspension for inspection running"\n', "", "title_en"),
    ("assessment.unit_safety_work_fail", "years_after = 1", 'years_after = "one"', "years_after"),
    ("veto.one_vote", "blocks = [\n", 'blocks = [\n  "promotion",\n', "must be a table"),
    ("hold.suspension", 'purposes = "all"', 'purposes = "everything"', "purposes"),
]


@pytest.mark.parametrize(("rule_id", "old", "new", "complaint"), INVALID)
def test_an_invalid_rule_is_refused_with_the_rule_named(
    tmp_path: Path, rule_id: str, old: str, new: str, complaint: str
) -> None:
    path = edited(tmp_path, old, new, rule_id)
    with pytest.raises(ValueError, match=re.escape(complaint)) as raised:
        load_rulebook(path)
    assert rule_id in str(raised.value) or "veto.two_votes" in str(raised.value)
    assert isinstance(raised.value, RulebookError)


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        ('accident_hold_min_level = "larger"', 'accident_hold_min_level = "huge"', "level"),
        ('"first_responsible", "soe_principal"', '"first_responsible", "boss"', "role"),
        ("basis_years_back = 1", 'basis_years_back = "one"', "basis_years_back"),
        ('id = "cn-sichuan-luzhou-2018"\n', "", "'id'"),
        ("effective_from = 2018-11-01", 'effective_from = "2018"', "effective_from"),
    ],
)
def test_invalid_settings_or_headers_are_refused(
    tmp_path: Path, old: str, new: str, complaint: str
) -> None:
    with pytest.raises(RulebookError, match=re.escape(complaint)):
        load_rulebook(edited(tmp_path, old, new))


def test_a_rule_defined_twice_is_refused(tmp_path: Path) -> None:
    duplicated = TEXT + "\n[[rules]]\n" + rule_block("veto.one_vote")
    with pytest.raises(RulebookError, match="defined twice"):
        load_rulebook(write(tmp_path, duplicated))


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="not a valid TOML"):
        load_rulebook(write(tmp_path, "id = [unclosed"))


def test_an_unknown_rulebook_name_lists_the_available_ones() -> None:
    with pytest.raises(RulebookError, match=DEFAULT_RULEBOOK):
        load_rulebook("cn-nowhere-1999")


def test_every_note_rule_is_an_effect_note_and_every_hold_a_hold() -> None:
    for rule in default_rulebook().rules:
        if rule.rule_id.startswith("note."):
            assert rule.effect is Effect.NOTE, rule.rule_id
        if rule.rule_id.startswith("hold."):
            assert rule.effect is Effect.HOLD, rule.rule_id


def test_a_missing_rulebook_file_is_refused_clearly(tmp_path: Path) -> None:
    with pytest.raises(RulebookError, match="no rulebook file"):
        load_rulebook(tmp_path / "absent.toml")
