"""Layered rulebooks: national → Sichuan → Luzhou, merged layer over layer, chosen by the
jurisdiction of the decision and by the version in force on `as_of`."""

from __future__ import annotations

import json
from datetime import date
from uuid import UUID

import pytest

from app.domain.enums import Circumstance, Method, Outcome, Purpose
from app.vetting.rulebooks import NATIONAL, Resolution, Rulebooks, Unit
from app.vetting.rules import RulebookError
from app.vetting.rules.rulebook import RULEBOOK_DIR, read_file
from app.vetting.rules.rulebook_layers import compose, envelope, merge, parse_stored, read_layer
from tests.vetting.rules import cadre, case, d, deciding, rule_ids, vet

LUZHOU = "cn-sichuan-luzhou-2018"
SICHUAN = "cn-sichuan-2018"
BOOKS = Rulebooks.shipped()

ROOT = """
id = "root"
version = "1"
title = "t"
jurisdiction = "j"
effective_from = 2020-01-01
[citations]
a = "A"
b = "B"
[settings]
[[rules]]
rule_id = "veto.one_vote"
title = "一票否决"
"""


def layer(text: str, source: str = "x.toml"):  # type: ignore[no-untyped-def]
    return read_layer(text, source)


# --- the three shipped layers -----------------------------------------------------------------


def test_the_shipped_layers_extend_each_other_national_first() -> None:
    national, sichuan, luzhou = (BOOKS.latest(i) for i in (NATIONAL, SICHUAN, LUZHOU))
    assert (national.extends, sichuan.extends, luzhou.extends) == (None, NATIONAL, SICHUAN)
    assert (national.division_code, sichuan.division_code, luzhou.division_code) == (
        None,
        "510000",
        "510500",
    )
    assert [v.effective_from for v in (national, sichuan, luzhou)] == [
        date(2018, 4, 8),
        date(2018, 8, 8),
        date(2018, 11, 1),
    ]


def test_the_national_rulebook_cites_only_national_sources() -> None:
    book = BOOKS.current(NATIONAL)
    texts = " ".join(book.citations.values())
    assert "泸州" not in texts and "四川" not in texts and "贵州" not in texts
    assert all("luzhou" not in r.basis_keys for r in book.rules)


def test_luzhou_states_only_what_it_adds_and_the_stack_records_every_layer() -> None:
    book = BOOKS.current(LUZHOU)
    assert [ref.id for ref in book.layers] == [NATIONAL, SICHUAN, LUZHOU]
    assert [ref.sha256 for ref in book.layers] == [
        BOOKS.latest(i).sha256 for i in (NATIONAL, SICHUAN, LUZHOU)
    ]
    national = {r.rule_id for r in BOOKS.current(NATIONAL).rules}
    luzhou_only = {r.rule_id for r in book.rules} - national
    assert luzhou_only == {
        "influence.notification",
        "assessment.unit_safety_work_fail",
        "investigation.failed",
        "commendation.basis_missing",
        "note.commendation.basis",
    }
    # The Luzhou text itself does not restate the national rules it leaves alone.
    stated = {t["rule_id"] for t in BOOKS.latest(LUZHOU).data["rules"]}
    assert "influence.party_warning" not in stated


def test_the_stack_sha_is_the_envelope_of_the_exact_texts_and_replays() -> None:
    book = BOOKS.current(LUZHOU)
    _, _, _, text = BOOKS.text_of(book.sha256)
    body = json.loads(text)
    assert [item["text"] for item in body["layers"]] == [
        (RULEBOOK_DIR / f"{i}.toml").read_text("utf-8") for i in (NATIONAL, SICHUAN, LUZHOU)
    ]
    again = parse_stored(text, "stored")
    assert (again.sha256, again.rules, again.layers) == (book.sha256, book.rules, book.layers)


def test_a_single_layer_is_kept_as_its_own_text() -> None:
    national = BOOKS.current(NATIONAL)
    assert national.layers == ()
    assert BOOKS.text_of(national.sha256)[3] == (RULEBOOK_DIR / f"{NATIONAL}.toml").read_text(
        "utf-8"
    )


# --- merge and its validation -----------------------------------------------------------------


def test_a_layer_merges_citations_and_settings_key_by_key_and_rules_by_id() -> None:
    child = layer(
        ROOT.replace('id = "root"', 'id = "child"\nextends = "root"').split("[citations]")[0]
        + '[citations]\nb = "B2"\nc = "C"\n[[rules]]\nrule_id = "veto.one_vote"\nbasis = ["c"]\n'
        + '[[rules]]\nrule_id = "note.revoked_case_ignored"\ntitle = "n"\n'
    )
    merged = merge(layer(ROOT).data, child)
    assert merged["id"] == "child"
    assert merged["citations"] == {"a": "A", "b": "B2", "c": "C"}
    assert merged["rules"] == [
        {"rule_id": "veto.one_vote", "title": "一票否决", "basis": ["c"]},
        {"rule_id": "note.revoked_case_ignored", "title": "n"},
    ]


def test_remove_rules_drops_a_parent_rule_and_refuses_one_it_lacks() -> None:
    head = 'id = "child"\nextends = "root"\nversion = "1"\neffective_from = 2020-01-01\n'
    merged = merge(layer(ROOT).data, layer(head + 'remove_rules = ["veto.one_vote"]\n'))
    assert merged["rules"] == []
    with pytest.raises(RulebookError, match=r"remove_rules names 'hold\.suspension'"):
        merge(layer(ROOT).data, layer(head + 'remove_rules = ["hold.suspension"]\n'))


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("surprise = 1\n" + ROOT, "unknown top-level keys"),
        (ROOT.replace('id = "root"', 'id = "Root!"'), "'id' must be lower-case"),
        (ROOT.replace('version = "1"', ""), "missing 'version'"),
        (ROOT.replace("effective_from = 2020-01-01", ""), "missing 'effective_from'"),
        (
            ROOT.replace("effective_from = 2020-01-01", 'effective_from = "2020"'),
            "must be a date",
        ),
        ("effective_until = 2019-01-01\n" + ROOT, "effective_until is before"),
        (ROOT.replace('jurisdiction = "j"', 'jurisdiction = "j"\ndivision_code = "51"'), "six"),
        (ROOT.replace("[citations]", "[nope]"), "unknown top-level keys"),
        (ROOT.replace('id = "root"', 'id = "root"\nextends = "root"'), "another rulebook"),
        ('remove_rules = ["x"]\n' + ROOT, "for a layer only"),
        ("id = ", "not a valid TOML"),
    ],
)
def test_a_faulty_layer_is_refused_naming_the_fault(text: str, fault: str) -> None:
    with pytest.raises(RulebookError, match=fault) as error:
        read_layer(text, "bad.toml")
    assert "bad.toml" in str(error.value)


def test_a_layer_that_leaves_a_merged_rule_incomplete_is_refused_naming_the_rule() -> None:
    national = BOOKS.latest(NATIONAL)
    text = (
        'id = "x"\nextends = "cn-national-2018"\nversion = "1"\neffective_from = 2020-01-01\n'
        '[[rules]]\nrule_id = "hold.novel"\ntitle = "新"\n'
    )
    with pytest.raises(RulebookError, match=r"hold\.novel"):
        compose([national, layer(text)])


def test_a_layer_over_a_rulebook_not_given_is_refused() -> None:
    with pytest.raises(RulebookError, match="extends 'cn-sichuan-2018', which is not given"):
        compose([BOOKS.latest(LUZHOU)])
    with pytest.raises(RulebookError, match="not 'cn-national-2018'"):
        compose([BOOKS.latest(NATIONAL), BOOKS.latest(LUZHOU)])


def test_an_unknown_key_inside_a_rule_or_settings_is_refused() -> None:
    national = BOOKS.latest(NATIONAL)
    head = (
        'id = "x"\nextends = "cn-national-2018"\nversion = "1"\neffective_from = 2020-01-01\n'
        'title = "t"\njurisdiction = "j"\n'
    )
    with pytest.raises(RulebookError, match="mnoths"):
        compose([national, layer(head + '[[rules]]\nrule_id = "veto.one_vote"\nmnoths = 3\n')])
    with pytest.raises(RulebookError, match="veto_circumstance"):
        compose([national, layer(head + '[settings]\nveto_circumstance = ["other"]\n')])


def test_the_envelope_is_canonical() -> None:
    layers = [BOOKS.latest(NATIONAL), BOOKS.latest(SICHUAN)]
    assert envelope(layers) == envelope(list(layers))
    assert json.loads(envelope(layers))["format"] == "vetting-rulebook-layers/1"


# --- which rulebook governs: jurisdiction and date --------------------------------------------

LUZHOU_DISTRICT = [Unit(UUID(int=3), "510502"), Unit(UUID(int=2), "510500")]
CHENGDU = [Unit(UUID(int=5), "510100")]
BEIJING = [Unit(UUID(int=7), "110000")]
UNCODED = [Unit(UUID(int=9), None)]


def resolve(
    as_of: str, target: list[Unit] | None = None, client: list[Unit] | None = None
) -> Resolution:
    found = BOOKS.resolve(None, d(as_of), target or [], client or [])
    assert isinstance(found, Resolution)
    return found


@pytest.mark.parametrize(
    ("target", "client", "basis", "governing", "unit"),
    [
        (LUZHOU_DISTRICT, None, "target_org_unit", LUZHOU, 3),  # 510502 → Luzhou's 510500
        (CHENGDU, None, "target_org_unit", SICHUAN, 5),  # 510100 → Sichuan's 510000
        (BEIJING, LUZHOU_DISTRICT, "client_jurisdiction", LUZHOU, 3),  # no rulebook: next
        (UNCODED + LUZHOU_DISTRICT[1:], None, "target_org_unit", LUZHOU, 2),  # walks up
        (None, CHENGDU, "client_jurisdiction", SICHUAN, 5),
        (CHENGDU, LUZHOU_DISTRICT, "target_org_unit", SICHUAN, 5),  # the post wins
        (BEIJING, UNCODED, "fallback", NATIONAL, None),
        (None, None, "fallback", NATIONAL, None),
    ],
)
def test_the_jurisdiction_is_the_target_post_else_the_client_else_the_fallback(
    target: list[Unit] | None,
    client: list[Unit] | None,
    basis: str,
    governing: str,
    unit: int | None,
) -> None:
    found = resolve("2026-06-01", target, client)
    assert (found.basis, found.governing_id, found.rulebook.id) == (basis, governing, governing)
    assert found.org_unit_id == (UUID(int=unit) if unit else None)
    described = found.describe()
    assert described["basis"] == basis and described["message_zh"].startswith("依")


@pytest.mark.parametrize(
    ("as_of", "applied", "in_force"),
    [
        ("2018-04-07", NATIONAL, False),  # before the central 规定: held, not invented
        ("2018-04-08", NATIONAL, True),
        ("2018-08-07", NATIONAL, True),
        ("2018-08-08", SICHUAN, True),
        ("2018-10-31", SICHUAN, True),
        ("2018-11-01", LUZHOU, True),
        ("2026-06-01", LUZHOU, True),
    ],
)
def test_a_luzhou_post_gets_the_rules_in_force_on_as_of(
    as_of: str, applied: str, in_force: bool
) -> None:
    found = resolve(as_of, LUZHOU_DISTRICT)
    assert (found.governing_id, found.rulebook.id) == (LUZHOU, applied)
    decision = vet(cadre(), as_of=as_of, rulebook=found.rulebook)
    assert ("hold.rules_not_in_force" in rule_ids(decision)) is not in_force


def test_asking_for_a_rulebook_by_id_applies_its_version_in_force_that_day() -> None:
    found = BOOKS.resolve(LUZHOU, d("2018-09-01"), CHENGDU, [])
    assert isinstance(found, Resolution)
    assert (found.basis, found.rulebook.id) == ("requested", SICHUAN)
    assert BOOKS.resolve("cn-atlantis", d("2026-01-01"), [], []).status == 404  # type: ignore[union-attr]


def test_a_deployment_may_fall_back_on_its_city() -> None:
    books = Rulebooks.shipped(LUZHOU)
    found = books.resolve(None, d("2026-01-01"), [], [])
    assert isinstance(found, Resolution)
    assert (found.basis, found.rulebook.id) == ("fallback", LUZHOU)
    with pytest.raises(RulebookError, match="fallback rulebook 'cn-nowhere' unknown"):
        Rulebooks.shipped("cn-nowhere")


def test_a_later_version_takes_over_on_its_effective_date_and_not_before() -> None:
    books = Rulebooks.shipped()
    text = (RULEBOOK_DIR / f"{SICHUAN}.toml").read_text("utf-8")
    later = text.replace('version = "1.0.0"', 'version = "1.1.0"').replace(
        "effective_from = 2018-08-08", "effective_from = 2027-01-01"
    )
    books.add(read_layer(later, "sichuan-1.1.toml"))
    assert books.governing(SICHUAN, d("2026-12-31")).version == "1.0.0"
    assert books.governing(SICHUAN, d("2027-01-01")).version == "1.1.0"
    # Luzhou's stack on a day takes Sichuan's version of that day.
    luzhou = books.governing(LUZHOU, d("2027-02-01"))
    assert [(r.id, r.version) for r in luzhou.layers][1] == (SICHUAN, "1.1.0")
    with pytest.raises(RulebookError, match="already known"):
        books.add(read_layer(later, "again.toml"))


def test_the_shipped_files_are_read_as_layers() -> None:
    assert read_file(RULEBOOK_DIR / f"{LUZHOU}.toml").extends == SICHUAN


# --- the same record, different places and days (the table) ---------------------------

NOTIFIED = case(
    "2024-03-15", circumstance=Circumstance.DUTIES_NOT_PERFORMED, methods=(Method.NOTIFICATION,)
)
ACCIDENT = case(
    "2024-03-15", circumstance=Circumstance.ACCIDENT_RESPONSIBILITY, methods=(Method.NOTIFICATION,)
)


@pytest.mark.parametrize(
    ("record", "where", "outcome", "vetoed", "eligible_from"),
    [
        # Luzhou: any safety-duty problem vetoes, for 12 months.
        (NOTIFIED, LUZHOU_DISTRICT, Outcome.INELIGIBLE, True, date(2025, 3, 16)),
        # Elsewhere: the central Art. 20 vetoes only accident leadership responsibility.
        (NOTIFIED, CHENGDU, Outcome.ELIGIBLE, False, date(2024, 6, 1)),
        (NOTIFIED, BEIJING, Outcome.ELIGIBLE, False, date(2024, 6, 1)),
        (ACCIDENT, LUZHOU_DISTRICT, Outcome.INELIGIBLE, True, date(2025, 3, 16)),
        # ... and sets no length: vetoed, with no date promised.
        (ACCIDENT, CHENGDU, Outcome.INELIGIBLE, True, None),
        (ACCIDENT, BEIJING, Outcome.INELIGIBLE, True, None),
    ],
)
def test_the_same_record_is_judged_by_the_rules_of_the_target_posts_place(
    record: object,
    where: list[Unit],
    outcome: Outcome,
    vetoed: bool,
    eligible_from: date | None,
) -> None:
    book = resolve("2024-06-01", where).rulebook
    decision = vet(cadre(record), Purpose.PROMOTION, "2024-06-01", rulebook=book)
    assert decision.outcome is outcome
    assert ("veto.one_vote" in deciding(decision)) is vetoed
    assert decision.eligible_from == eligible_from
    assert decision.rulebook.id == book.id


def test_the_unstated_national_period_says_the_text_sets_no_length() -> None:
    book = resolve("2024-06-01", BEIJING).rulebook
    decision = vet(cadre(ACCIDENT), Purpose.PROMOTION, "2024-06-01", rulebook=book)
    veto = next(f for f in decision.findings if f.rule_id == "veto.one_vote")
    assert veto.blocks_until is None
    assert "第二十条" in veto.message.zh
