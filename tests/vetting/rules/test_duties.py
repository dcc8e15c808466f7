"""Duty lists (职责清单): which lists each post carries in each shipped rulebook, how a duty is
cited, what a rulebook's duty data must satisfy and how layers change it."""

from __future__ import annotations

import functools
from datetime import date

import pytest

from app.domain.enums import DutyWording, OrgUnitKind, SafetyRole
from app.vetting.rules import load_rulebook
from app.vetting.rules.duties import DutyError, citation_en, citation_zh, item_zh
from app.vetting.rules.rulebook import RULEBOOK_DIR, read_file
from app.vetting.rules.rulebook_layers import Layer, compose, read_layer
from app.vetting.rules.rulebook_model import Rulebook
from app.vetting.rules.rulebook_parse import RulebookError

NATIONAL = "cn-national-2018"
SICHUAN = "cn-sichuan-2018"
LUZHOU = "cn-sichuan-luzhou-2018"
BOOKS = (NATIONAL, SICHUAN, LUZHOU)
ARTICLE = "《地方党政领导干部安全生产责任制规定》"

R = SafetyRole
K = OrgUnitKind


@functools.cache
def book(rulebook_id: str) -> Rulebook:
    return load_rulebook(rulebook_id)


# --- who carries what ---------------------------------------------------------------------------
# Counted by hand from the TOML texts: party_principal 6 duties (第五条), government_principal 7
# (第六条), party_standing_member 1 (第七条 as a whole), government_safety_lead 5 (第八条),
# government_other_leader 4 (第九条).

PP = ("party_principal", 6)
GP = ("government_principal", 7)
PSM = ("party_standing_member", 1)
GSL = ("government_safety_lead", 5)
GOL = ("government_other_leader", 4)

# A post's lists, and the reference that brought them: (follows, basis citation key) or None.
PARTY_REF = (("party_committee",), "central_art2")
GOVT_REF = (("government",), "central_art2")
BOTH_REF = (("party_committee", "government"), "central_art2")
LUZHOU_REF = (("party_committee", "government"), "luzhou")
NOTHING: tuple[tuple[tuple[str, int], ...], None] = ((), None)

# Every SafetyRole × OrgUnitKind, written out: (unit kind, role) -> (lists carried, reference).
NATIONAL_EXPECTED = {
    (K.PARTY_COMMITTEE, R.FIRST_RESPONSIBLE): ((PP,), None),
    (K.PARTY_COMMITTEE, R.SAFETY_LEAD): ((PSM,), None),
    (K.PARTY_COMMITTEE, R.ASSISTING_SAFETY_LEAD): ((PSM,), None),
    (K.PARTY_COMMITTEE, R.TEAM_MEMBER): ((PSM,), None),
    (K.PARTY_COMMITTEE, R.SOE_PRINCIPAL): NOTHING,
    (K.GOVERNMENT, R.FIRST_RESPONSIBLE): ((GP,), None),
    (K.GOVERNMENT, R.SAFETY_LEAD): ((GSL,), None),
    (K.GOVERNMENT, R.ASSISTING_SAFETY_LEAD): ((GOL,), None),
    (K.GOVERNMENT, R.TEAM_MEMBER): ((GOL,), None),
    (K.GOVERNMENT, R.SOE_PRINCIPAL): NOTHING,
    (K.PARTY_WORKING_ORGAN, R.FIRST_RESPONSIBLE): ((PP,), PARTY_REF),
    (K.PARTY_WORKING_ORGAN, R.SAFETY_LEAD): ((PSM,), PARTY_REF),
    (K.PARTY_WORKING_ORGAN, R.ASSISTING_SAFETY_LEAD): ((PSM,), PARTY_REF),
    (K.PARTY_WORKING_ORGAN, R.TEAM_MEMBER): ((PSM,), PARTY_REF),
    (K.PARTY_WORKING_ORGAN, R.SOE_PRINCIPAL): NOTHING,
    (K.GOVERNMENT_DEPARTMENT, R.FIRST_RESPONSIBLE): ((GP,), GOVT_REF),
    (K.GOVERNMENT_DEPARTMENT, R.SAFETY_LEAD): ((GSL,), GOVT_REF),
    (K.GOVERNMENT_DEPARTMENT, R.ASSISTING_SAFETY_LEAD): ((GOL,), GOVT_REF),
    (K.GOVERNMENT_DEPARTMENT, R.TEAM_MEMBER): ((GOL,), GOVT_REF),
    (K.GOVERNMENT_DEPARTMENT, R.SOE_PRINCIPAL): NOTHING,
    (K.TOWNSHIP, R.FIRST_RESPONSIBLE): ((PP, GP), BOTH_REF),
    (K.TOWNSHIP, R.SAFETY_LEAD): ((PSM, GSL), BOTH_REF),
    (K.TOWNSHIP, R.ASSISTING_SAFETY_LEAD): ((PSM, GOL), BOTH_REF),
    (K.TOWNSHIP, R.TEAM_MEMBER): ((PSM, GOL), BOTH_REF),
    (K.TOWNSHIP, R.SOE_PRINCIPAL): NOTHING,
    (K.STREET, R.FIRST_RESPONSIBLE): ((PP, GP), BOTH_REF),
    (K.STREET, R.SAFETY_LEAD): ((PSM, GSL), BOTH_REF),
    (K.STREET, R.ASSISTING_SAFETY_LEAD): ((PSM, GOL), BOTH_REF),
    (K.STREET, R.TEAM_MEMBER): ((PSM, GOL), BOTH_REF),
    (K.STREET, R.SOE_PRINCIPAL): NOTHING,
    (K.DEVELOPMENT_ZONE, R.FIRST_RESPONSIBLE): ((PP, GP), BOTH_REF),
    (K.DEVELOPMENT_ZONE, R.SAFETY_LEAD): ((PSM, GSL), BOTH_REF),
    (K.DEVELOPMENT_ZONE, R.ASSISTING_SAFETY_LEAD): ((PSM, GOL), BOTH_REF),
    (K.DEVELOPMENT_ZONE, R.TEAM_MEMBER): ((PSM, GOL), BOTH_REF),
    (K.DEVELOPMENT_ZONE, R.SOE_PRINCIPAL): NOTHING,
    (K.INDUSTRIAL_PARK, R.FIRST_RESPONSIBLE): NOTHING,
    (K.INDUSTRIAL_PARK, R.SAFETY_LEAD): NOTHING,
    (K.INDUSTRIAL_PARK, R.ASSISTING_SAFETY_LEAD): NOTHING,
    (K.INDUSTRIAL_PARK, R.TEAM_MEMBER): NOTHING,
    (K.INDUSTRIAL_PARK, R.SOE_PRINCIPAL): NOTHING,
    (K.PORT_ZONE, R.FIRST_RESPONSIBLE): NOTHING,
    (K.PORT_ZONE, R.SAFETY_LEAD): NOTHING,
    (K.PORT_ZONE, R.ASSISTING_SAFETY_LEAD): NOTHING,
    (K.PORT_ZONE, R.TEAM_MEMBER): NOTHING,
    (K.PORT_ZONE, R.SOE_PRINCIPAL): NOTHING,
    (K.SCENIC_AREA, R.FIRST_RESPONSIBLE): NOTHING,
    (K.SCENIC_AREA, R.SAFETY_LEAD): NOTHING,
    (K.SCENIC_AREA, R.ASSISTING_SAFETY_LEAD): NOTHING,
    (K.SCENIC_AREA, R.TEAM_MEMBER): NOTHING,
    (K.SCENIC_AREA, R.SOE_PRINCIPAL): NOTHING,
    (K.STATE_OWNED_ENTERPRISE, R.FIRST_RESPONSIBLE): NOTHING,
    (K.STATE_OWNED_ENTERPRISE, R.SAFETY_LEAD): NOTHING,
    (K.STATE_OWNED_ENTERPRISE, R.ASSISTING_SAFETY_LEAD): NOTHING,
    (K.STATE_OWNED_ENTERPRISE, R.TEAM_MEMBER): NOTHING,
    (K.STATE_OWNED_ENTERPRISE, R.SOE_PRINCIPAL): NOTHING,
}
# Sichuan adds nothing to the duties.
SICHUAN_EXPECTED = dict(NATIONAL_EXPECTED)
# Luzhou makes every functional zone follow both sides' lists.
LUZHOU_EXPECTED = {
    **NATIONAL_EXPECTED,
    (K.INDUSTRIAL_PARK, R.FIRST_RESPONSIBLE): ((PP, GP), LUZHOU_REF),
    (K.INDUSTRIAL_PARK, R.SAFETY_LEAD): ((PSM, GSL), LUZHOU_REF),
    (K.INDUSTRIAL_PARK, R.ASSISTING_SAFETY_LEAD): ((PSM, GOL), LUZHOU_REF),
    (K.INDUSTRIAL_PARK, R.TEAM_MEMBER): ((PSM, GOL), LUZHOU_REF),
    (K.PORT_ZONE, R.FIRST_RESPONSIBLE): ((PP, GP), LUZHOU_REF),
    (K.PORT_ZONE, R.SAFETY_LEAD): ((PSM, GSL), LUZHOU_REF),
    (K.PORT_ZONE, R.ASSISTING_SAFETY_LEAD): ((PSM, GOL), LUZHOU_REF),
    (K.PORT_ZONE, R.TEAM_MEMBER): ((PSM, GOL), LUZHOU_REF),
    (K.SCENIC_AREA, R.FIRST_RESPONSIBLE): ((PP, GP), LUZHOU_REF),
    (K.SCENIC_AREA, R.SAFETY_LEAD): ((PSM, GSL), LUZHOU_REF),
    (K.SCENIC_AREA, R.ASSISTING_SAFETY_LEAD): ((PSM, GOL), LUZHOU_REF),
    (K.SCENIC_AREA, R.TEAM_MEMBER): ((PSM, GOL), LUZHOU_REF),
}
EXPECTED = {NATIONAL: NATIONAL_EXPECTED, SICHUAN: SICHUAN_EXPECTED, LUZHOU: LUZHOU_EXPECTED}


def test_the_expectation_table_covers_every_role_in_every_kind_of_unit() -> None:
    every = {(kind, role) for kind in OrgUnitKind for role in SafetyRole}
    assert all(set(table) == every for table in EXPECTED.values())


@pytest.mark.parametrize(
    ("rulebook_id", "kind", "role"),
    [(b, kind, role) for b in BOOKS for kind in OrgUnitKind for role in SafetyRole],
)
def test_each_post_carries_exactly_its_lists(
    rulebook_id: str, kind: OrgUnitKind, role: SafetyRole
) -> None:
    lists, reference = EXPECTED[rulebook_id][kind, role]
    carried = book(rulebook_id).duties.carried(role, kind)
    assert tuple((c.duty_list.list_id, len(c.duty_list.duties)) for c in carried) == lists
    for c in carried:
        ref = c.by_reference
        if reference is None:
            assert ref is None
        else:
            assert ref is not None
            assert ref.unit_kind is kind
            assert (tuple(k.value for k in ref.follows), ref.basis_key) == reference
            assert ref.basis == book(rulebook_id).citations[reference[1]]


@pytest.mark.parametrize("rulebook_id", BOOKS)
def test_the_lists_are_the_five_of_the_central_rules_in_article_order(rulebook_id: str) -> None:
    table = book(rulebook_id).duties
    assert [(lst.list_id, lst.basis_key, len(lst.duties)) for lst in table.lists] == [
        ("party_principal", "central_art5", 6),
        ("government_principal", "central_art6", 7),
        ("party_standing_member", "central_art7", 1),
        ("government_safety_lead", "central_art8", 5),
        ("government_other_leader", "central_art9", 4),
    ]
    described = table.describe()
    assert [d["list_id"] for d in described["duty_lists"]] == [lst.list_id for lst in table.lists]
    assert len(described["duty_references"]) == (8 if rulebook_id == LUZHOU else 5)


def test_describe_of_a_carried_list_names_the_reference() -> None:
    (party, government) = book(LUZHOU).duties.carried(R.FIRST_RESPONSIBLE, K.SCENIC_AREA)
    assert party.describe()["by_reference"] == {
        "unit_kind": "scenic_area",
        "follows": ["party_committee", "government"],
        "basis": "《泸州市党政领导干部安全生产责任制实施办法》",
    }
    assert government.describe()["list_id"] == "government_principal"
    (own,) = book(LUZHOU).duties.carried(R.FIRST_RESPONSIBLE, K.GOVERNMENT)
    assert own.describe()["by_reference"] is None


# --- citations ----------------------------------------------------------------------------------


@pytest.mark.parametrize("rulebook_id", BOOKS)
def test_duty_codes_are_unique_across_lists(rulebook_id: str) -> None:
    codes = [d.code for lst in book(rulebook_id).duties.lists for d in lst.duties]
    assert len(codes) == 23
    assert len(set(codes)) == len(codes)


def test_find_returns_the_list_and_the_duty() -> None:
    table = book(NATIONAL).duties
    found = table.find("central.5.2")
    assert found is not None
    lst, duty = found
    assert (lst.list_id, duty.code, duty.item) == ("party_principal", "central.5.2", 2)
    assert duty.wording is DutyWording.VERBATIM
    assert citation_zh(lst, duty) == f"{ARTICLE}第五条第（二）项"
    assert citation_en(lst, duty) == "central_art5 item (2)"
    assert table.find("central.5.7") is None
    assert table.find("") is None


def test_an_article_as_a_whole_is_cited_without_an_item() -> None:
    found = book(NATIONAL).duties.find("central.7")
    assert found is not None
    lst, duty = found
    assert (lst.list_id, duty.item) == ("party_standing_member", 0)
    assert citation_zh(lst, duty) == f"{ARTICLE}第七条"
    assert citation_en(lst, duty) == "central_art7"
    assert duty.describe()["item_zh"] is None


@pytest.mark.parametrize(
    ("item", "text"),
    [
        (1, "（一）"),
        (2, "（二）"),
        (3, "（三）"),
        (4, "（四）"),
        (5, "（五）"),
        (6, "（六）"),
        (7, "（七）"),
        (8, "（八）"),
        (9, "（九）"),
        (10, "（十）"),
        (11, "（十一）"),
        (19, "（十九）"),
        (20, "（二十）"),
        (21, "（二十一）"),
        (99, "（九十九）"),
    ],
)
def test_item_zh(item: int, text: str) -> None:
    assert item_zh(item) == text


@pytest.mark.parametrize("item", [0, -1, 100])
def test_item_zh_refuses_numbers_out_of_range(item: int) -> None:
    with pytest.raises(DutyError, match="out of range"):
        item_zh(item)


# --- validation ---------------------------------------------------------------------------------

HEAD = """
id = "test-layer"
extends = "cn-national-2018"
version = "1"
title = "t"
jurisdiction = "j"
effective_from = 2020-01-01
"""

DUTY = '{ code = "test.1", item = 1, wording = "gist", zh = "职责", en = "duty" }'


def national() -> Layer:
    return read_file(RULEBOOK_DIR / f"{NATIONAL}.toml")


def over_national(text: str) -> Rulebook:
    return compose([national(), read_layer(HEAD + text, "test.toml")])[0]


def new_list(kinds: str, roles: str, duties: str = DUTY, basis: str = "central_art2") -> str:
    return f"""
[[duty_lists]]
list_id = "test_list"
title = "测试"
title_en = "Test"
basis = "{basis}"
unit_kinds = {kinds}
roles = {roles}
duties = [{duties}]
"""


SOE = '["state_owned_enterprise"]'
SOE_PRINCIPAL = '["soe_principal"]'


def test_a_new_list_for_an_uncovered_post_is_accepted() -> None:
    rulebook = over_national(new_list(SOE, SOE_PRINCIPAL))
    (carried,) = rulebook.duties.carried(R.SOE_PRINCIPAL, K.STATE_OWNED_ENTERPRISE)
    assert (carried.duty_list.list_id, carried.by_reference) == ("test_list", None)
    assert rulebook.stated_in["duty_lists.test_list"] == ("test-layer", date(2020, 1, 1))


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        (
            '[[duty_lists]]\nlist_id = "party_principal"\nroles = ["chairman"]\n',
            r"duty list 'party_principal': 'roles' names an unknown safety role",
        ),
        (
            '[[duty_lists]]\nlist_id = "party_principal"\nunit_kinds = ["ministry"]\n',
            r"duty list 'party_principal': 'unit_kinds' names an unknown unit kind",
        ),
        (
            new_list(SOE, SOE_PRINCIPAL, DUTY.replace("test.1", "central.5.1")),
            r"duty code 'central\.5\.1' in both 'party_principal' and 'test_list'",
        ),
        (
            '[[duty_lists]]\nlist_id = "party_principal"\nbasis = "nowhere"\n',
            r"duty list 'party_principal': basis names an unknown citation 'nowhere'",
        ),
        (
            new_list(
                SOE,
                SOE_PRINCIPAL,
                f"{DUTY.replace('item = 1', 'item = 2')}, {DUTY.replace('test.1', 'test.2')}",
            ),
            r"duty list 'test_list': items must be in increasing order",
        ),
        (
            new_list(SOE, SOE_PRINCIPAL, f"{DUTY}, {DUTY.replace('test.1', 'test.2')}"),
            r"duty list 'test_list': items must be in increasing order, each once",
        ),
        (
            new_list(SOE, SOE_PRINCIPAL, DUTY.replace("}", ", page = 3 }")),
            r"duty list 'test_list' duty 'test\.1': unknown keys \['page'\]",
        ),
        (
            new_list(SOE, SOE_PRINCIPAL, DUTY.replace('"gist"', '"paraphrase"')),
            r"duty list 'test_list' duty 'test\.1': 'wording' must be",
        ),
        (
            '[[duty_references]]\nunit_kind = "scenic_area"\n'
            'follows = ["state_owned_enterprise"]\nbasis = "central_art2"\n',
            r"duty reference 'scenic_area' follows kinds no list covers: "
            r"\['state_owned_enterprise'\]",
        ),
        (
            '[[duty_references]]\nunit_kind = "party_committee"\n'
            'follows = ["government"]\nbasis = "central_art2"\n',
            r"duty reference 'party_committee': that kind has lists of its own",
        ),
        (
            '[[duty_references]]\nunit_kind = "scenic_area"\n'
            'follows = ["scenic_area"]\nbasis = "central_art2"\n',
            r"duty reference 'scenic_area': a unit kind cannot follow itself",
        ),
        (
            '[[duty_references]]\nunit_kind = "scenic_area"\n'
            'follows = ["government"]\nbasis = "nowhere"\n',
            r"duty reference 'scenic_area': basis names an unknown citation 'nowhere'",
        ),
        (
            new_list('["government"]', '["team_member"]'),
            r"duty lists 'government_other_leader' and 'test_list' both cover team_member in "
            r"government",
        ),
        (
            'remove_duty_lists = ["no_such_list"]\n',
            r"remove_duty_lists names 'no_such_list', not in what it extends",
        ),
        (
            'remove_duty_lists = ["government_principal", "government_safety_lead", '
            '"government_other_leader"]\n',
            r"duty reference 'government_department' follows kinds no list covers: "
            r"\['government'\]",
        ),
    ],
)
def test_faulty_duty_data_is_refused_naming_the_list_or_duty(text: str, fault: str) -> None:
    with pytest.raises(RulebookError, match=fault) as error:
        over_national(text)
    assert "test.toml" in str(error.value)


def test_a_list_stated_twice_in_one_layer_is_refused() -> None:
    with pytest.raises(RulebookError, match=r"duty lists defined twice: \['test_list'\]"):
        read_layer(HEAD + new_list(SOE, SOE_PRINCIPAL) * 2, "test.toml")


# --- layering -----------------------------------------------------------------------------------


def test_restating_duties_replaces_them_as_a_whole_and_keeps_the_other_keys() -> None:
    duties = ", ".join(
        f'{{ code = "test.{n}", item = {n}, wording = "gist", zh = "职责{n}", en = "duty {n}" }}'
        for n in range(1, 8)
    )
    rulebook = over_national(f'[[duty_lists]]\nlist_id = "party_principal"\nduties = [{duties}]\n')
    (carried,) = rulebook.duties.carried(R.FIRST_RESPONSIBLE, K.PARTY_COMMITTEE)
    lst = carried.duty_list
    assert [d.code for d in lst.duties] == [f"test.{n}" for n in range(1, 8)]
    assert (lst.title_zh, lst.basis_key) == ("地方各级党委主要负责人安全生产职责", "central_art5")
    assert rulebook.duties.find("central.5.1") is None
    # Referenced kinds see the new list too.
    township = rulebook.duties.carried(R.FIRST_RESPONSIBLE, K.TOWNSHIP)
    assert [(c.duty_list.list_id, len(c.duty_list.duties)) for c in township] == [
        ("party_principal", 7),
        ("government_principal", 7),
    ]
    assert rulebook.stated_in["duty_lists.party_principal"] == ("test-layer", date(2020, 1, 1))


def test_restating_only_a_title_keeps_the_duties() -> None:
    rulebook = over_national('[[duty_lists]]\nlist_id = "party_principal"\ntitle = "新"\n')
    (carried,) = rulebook.duties.carried(R.FIRST_RESPONSIBLE, K.PARTY_COMMITTEE)
    assert (carried.duty_list.title_zh, len(carried.duty_list.duties)) == ("新", 6)


def test_remove_duty_lists_leaves_the_posts_it_covered_carrying_nothing() -> None:
    rulebook = over_national('remove_duty_lists = ["party_standing_member"]\n')
    table = rulebook.duties
    assert table.carried(R.TEAM_MEMBER, K.PARTY_COMMITTEE) == ()
    assert table.carried(R.SAFETY_LEAD, K.PARTY_COMMITTEE) == ()
    assert table.find("central.7") is None
    # A referenced kind keeps the other side's list.
    assert [c.duty_list.list_id for c in table.carried(R.TEAM_MEMBER, K.TOWNSHIP)] == [
        "government_other_leader"
    ]
    assert table.carried(R.TEAM_MEMBER, K.PARTY_WORKING_ORGAN) == ()
    (first,) = table.carried(R.FIRST_RESPONSIBLE, K.PARTY_COMMITTEE)
    assert first.duty_list.list_id == "party_principal"
    assert "duty_lists.party_standing_member" not in rulebook.stated_in
    assert rulebook.stated_in["duty_lists.party_principal"] == (NATIONAL, date(2018, 4, 8))


def test_a_removed_list_can_be_restated_whole_in_the_same_layer() -> None:
    rulebook = over_national(
        'remove_duty_lists = ["party_standing_member"]\n'
        + new_list('["party_committee"]', '["team_member"]').replace(
            "test_list", "party_standing_member"
        )
    )
    (carried,) = rulebook.duties.carried(R.TEAM_MEMBER, K.PARTY_COMMITTEE)
    assert [d.code for d in carried.duty_list.duties] == ["test.1"]
    assert rulebook.duties.carried(R.SAFETY_LEAD, K.PARTY_COMMITTEE) == ()
    assert rulebook.stated_in["duty_lists.party_standing_member"] == (
        "test-layer",
        date(2020, 1, 1),
    )


def test_stated_in_names_the_layer_that_last_stated_each_list_and_reference() -> None:
    stated = book(LUZHOU).stated_in
    assert stated["duty_lists.party_principal"] == (NATIONAL, date(2018, 4, 8))
    assert stated["duty_references.township"] == (NATIONAL, date(2018, 4, 8))
    assert stated["duty_references.industrial_park"] == (LUZHOU, date(2018, 11, 1))
    assert book(NATIONAL).stated_in == {}
