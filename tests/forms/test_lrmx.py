"""Reading .lrmx forms: every field, encodings, refusals, privacy of family and photo."""

from __future__ import annotations

import json
from dataclasses import fields, is_dataclass
from datetime import date
from typing import Any

import pytest

from app.domain.enums import CadreGrade, Gender
from app.forms import Education, FormError, LrmxForm, YearMonth, parse_lrmx
from app.forms.lrmx import MAX_FORM_BYTES
from tests.forms import FAMILY_MEMBERS, FULL, ID_NUMBER, PHOTO, lrmx, person_xml


def test_every_element_of_the_format_is_read() -> None:
    form = parse_lrmx(lrmx(FULL))
    assert form.name == "张三"
    assert form.gender_raw == "男" and form.gender is Gender.MALE
    assert form.birth_raw == "198002" and form.birth == YearMonth(1980, 2)
    assert (form.ethnicity, form.native_place, form.birthplace) == ("汉族", "四川泸县", "四川泸州")
    assert form.party_joined_raw == "200106" and form.party_joined == YearMonth(2001, 6)
    assert form.work_started_raw == "200207" and form.work_started == YearMonth(2002, 7)
    assert form.age_limit_reached_raw == "204002"
    assert form.age_limit_reached == YearMonth(2040, 2)
    assert (form.health, form.professional_title) == ("健康", "高级工程师")
    assert form.expertise == "安全生产监管"
    assert form.full_time == Education(
        "大学", "工学学士", "中国矿业大学安全工程专业", "中国矿业大学"
    )
    assert form.in_service == Education("研究生", "管理学硕士", "中央党校经济管理专业", "四川大学")
    assert form.current_post == "泸州市纳溪区副区长"
    assert form.proposed_post == "泸州市纳溪区区长"
    assert form.post_to_remove == "泸州市纳溪区副区长职务"
    assert form.career_raw.startswith("2002.07--2008.06") and len(form.career.entries) == 2
    assert form.rewards == "2015年被评为全省安全生产先进个人"
    assert form.assessments_raw == "2023、2024年均为称职，2025年为优秀"
    assert form.assessments.grades[2025] is CadreGrade.EXCELLENT
    assert form.appointment_reason == "工作需要"
    assert form.submitting_unit == "中共泸州市纳溪区委"
    assert form.pre_reform_age_limit == "60"
    assert form.age_reference_raw == "20260101"
    assert form.age_reference == YearMonth(2026, 1)
    assert form.age_reference_date == date(2026, 1, 1)
    assert (form.filled_in_on, form.filled_in_by) == ("2026.01.05", "李四")
    assert form.id_number_raw == ID_NUMBER
    assert form.id_number is not None and form.id_number.birth_date == date(1980, 2, 29)
    assert form.version == "3.2.1.6"
    assert form.ignored_elements == ()


def test_values_are_trimmed_of_every_kind_of_space() -> None:
    form = parse_lrmx(lrmx({"XingMing": "\u3000 张三 \r\n\t", "MinZu": "  "}))
    assert (form.name, form.ethnicity) == ("张三", "")


def test_missing_elements_read_as_empty() -> None:
    form = parse_lrmx(lrmx({"XingMing": "张三"}))
    assert form.birth_raw == "" and form.birth is None
    assert form.id_number is None
    assert form.career.entries == () and form.assessments.grades == {}


@pytest.mark.parametrize(
    ("text", "gender"), [("男", Gender.MALE), ("女", Gender.FEMALE), ("未知", None), ("", None)]
)
def test_gender_is_parsed_from_the_chinese_label(text: str, gender: Gender | None) -> None:
    form = parse_lrmx(lrmx({"XingBie": text}))
    assert form.gender is gender and form.gender_raw == text


@pytest.mark.parametrize(
    ("text", "year_month", "day"),
    [
        ("198002", YearMonth(1980, 2), None),
        ("19800229", YearMonth(1980, 2), date(1980, 2, 29)),
        ("1980.2", YearMonth(1980, 2), None),
        ("１９８００２", YearMonth(1980, 2), None),
        ("19800230", YearMonth(1980, 2), None),
        ("198013", None, None),
        ("1980年2月", None, None),
    ],
)
def test_birth_is_a_year_month_and_a_date_when_the_day_is_given(
    text: str, year_month: YearMonth | None, day: date | None
) -> None:
    form = parse_lrmx(lrmx({"ChuShengNianYue": text}))
    assert (form.birth, form.birth_date, form.birth_raw) == (year_month, day, text)


def test_party_membership_in_free_text_is_kept_raw() -> None:
    form = parse_lrmx(lrmx({"RuDangShiJian": "2001.06（预备党员）"}))
    assert form.party_joined is None and form.party_joined_raw == "2001.06（预备党员）"


def test_unknown_elements_are_ignored_and_listed_once() -> None:
    data = lrmx({"XingMing": "张三", "ZhengZhiMianMao": "中共党员", "Extra": "x", "extra2": ""})
    form = parse_lrmx(data)
    assert form.ignored_elements == ("ZhengZhiMianMao", "Extra", "extra2")
    assert "中共党员" not in repr(form)


def test_an_element_given_twice_is_refused() -> None:
    data = person_xml(raw_tail="<XingMing>甲</XingMing><XingMing>乙</XingMing>").encode()
    with pytest.raises(FormError) as refused:
        parse_lrmx(data)
    assert refused.value.field == "XingMing"


def test_a_field_holding_elements_is_refused() -> None:
    with pytest.raises(FormError) as refused:
        parse_lrmx(person_xml(raw_tail="<XingMing><b>张</b>三</XingMing>").encode())
    assert refused.value.field == "XingMing"


@pytest.mark.parametrize("root", ["Persons", "person", 'Person xmlns="urn:x"'])
def test_a_root_other_than_person_is_refused(root: str) -> None:
    with pytest.raises(FormError, match="Person") as refused:
        parse_lrmx(person_xml({"XingMing": "张三"}, root=root).encode())
    assert refused.value.field == "body"


WRONG_CHECK_DIGIT = ID_NUMBER[:-1] + ("2" if ID_NUMBER[-1] == "1" else "1")


@pytest.mark.parametrize("number", [WRONG_CHECK_DIGIT, ID_NUMBER[:-1], "abc", "510502198002300011"])
def test_an_invalid_id_number_is_refused_on_its_field(number: str) -> None:
    with pytest.raises(FormError) as refused:
        parse_lrmx(lrmx({"ShenFenZheng": number}))
    assert refused.value.field == "ShenFenZheng"
    assert isinstance(refused.value, ValueError) and refused.value.message


def test_a_form_cannot_be_built_with_an_invalid_id_number() -> None:
    with pytest.raises(FormError) as refused:
        LrmxForm(id_number_raw=WRONG_CHECK_DIGIT)
    assert refused.value.field == "ShenFenZheng"


def test_a_form_is_hashable_and_compares_by_value() -> None:
    form = parse_lrmx(lrmx(FULL))
    assert hash(form) == hash(parse_lrmx(lrmx(FULL))) and form == parse_lrmx(lrmx(FULL))


def test_an_id_number_with_a_lower_case_x_is_accepted() -> None:
    number = "11010519491231002X"
    form = parse_lrmx(lrmx({"ShenFenZheng": number.lower()}))
    assert form.id_number is not None and form.id_number.value == number


# Encodings -------------------------------------------------------------------------------


def test_utf8_without_bom_is_read() -> None:
    assert parse_lrmx(person_xml(FULL).encode("utf-8")).name == "张三"


def test_utf8_with_bom_is_read() -> None:
    assert parse_lrmx(b"\xef\xbb\xbf" + person_xml(FULL).encode("utf-8")).name == "张三"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_read(codec: str) -> None:
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    data = bom + person_xml(FULL, encoding="UTF-16").encode(codec)
    assert parse_lrmx(data).current_post == "泸州市纳溪区副区长"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_recognised(codec: str) -> None:
    assert parse_lrmx(person_xml(FULL, encoding="UTF-16").encode(codec)).name == "张三"


def test_a_bom_wins_over_a_declared_encoding() -> None:
    data = b"\xef\xbb\xbf" + person_xml(FULL, encoding="GBK").encode("utf-8")
    assert parse_lrmx(data).name == "张三"


@pytest.mark.parametrize("declared", ["GBK", "gb2312", "GB18030"])
def test_gbk_declared_in_the_xml_declaration_is_read(declared: str) -> None:
    data = person_xml(FULL, encoding=declared).encode("gbk")
    form = parse_lrmx(data)
    assert (form.name, form.career.entries[0].text) == ("张三", "泸州市纳溪区安监局科员")


def test_undeclared_gbk_bytes_are_read_as_gbk() -> None:
    assert parse_lrmx(person_xml(FULL, encoding=None).encode("gbk")).name == "张三"


def test_gbk_bytes_declared_as_utf8_are_refused() -> None:
    with pytest.raises(FormError, match="utf-8"):
        parse_lrmx(person_xml(FULL, encoding="UTF-8").encode("gbk"))


def test_undeclared_bytes_that_are_neither_utf8_nor_gbk_are_refused() -> None:
    with pytest.raises(FormError, match="neither UTF-8 nor GBK"):
        parse_lrmx(b"<Person><XingMing>\x81\x20</XingMing></Person>")


def test_an_unsupported_declared_encoding_is_refused() -> None:
    with pytest.raises(FormError, match="not supported"):
        parse_lrmx(person_xml(FULL, encoding="EBCDIC-CP-US").encode("utf-8"))


# Refusals --------------------------------------------------------------------------------

DTD = '<?xml version="1.0"?>\n<!DOCTYPE Person>\n<Person><XingMing>x</XingMing></Person>'
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Person [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Person><XingMing>&lol3;</XingMing></Person>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE Person [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Person><XingMing>&secret;</XingMing></Person>"""
EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE Person SYSTEM "http://example.invalid/person.dtd">
<Person><XingMing>x</XingMing></Person>"""


@pytest.mark.parametrize("attack", [DTD, BILLION_LAUGHS, EXTERNAL, EXTERNAL_DTD])
def test_dtds_and_entities_are_refused_unprocessed(attack: str) -> None:
    with pytest.raises(FormError, match="DOCTYPE") as refused:
        parse_lrmx(attack.encode("utf-8"))
    assert refused.value.field == "body"
    assert "lol" not in str(refused.value) and "root:" not in str(refused.value)


def test_an_undeclared_entity_reference_is_refused() -> None:
    with pytest.raises(FormError, match="not well-formed"):
        parse_lrmx(b"<Person><XingMing>&secret;</XingMing></Person>")


def test_oversized_input_is_refused_before_parsing() -> None:
    data = lrmx({"JianLi": "x" * MAX_FORM_BYTES})
    with pytest.raises(FormError, match="at most") as refused:
        parse_lrmx(data)
    assert refused.value.field == "body"


@pytest.mark.parametrize("data", [b"", b"  \r\n", b"<Person>", b"not xml", b"\xef\xbb\xbf<a"])
def test_empty_or_malformed_input_is_refused(data: bytes) -> None:
    with pytest.raises(FormError) as refused:
        parse_lrmx(data)
    assert refused.value.field == "body"


# Privacy ---------------------------------------------------------------------------------

SECRETS = [value for member in FAMILY_MEMBERS for value in member.values()] + [PHOTO]


def _all_text(value: Any) -> str:
    if is_dataclass(value) and not isinstance(value, type):
        return " ".join(_all_text(getattr(value, f.name)) for f in fields(value))
    if isinstance(value, tuple | list):
        return " ".join(_all_text(item) for item in value)
    if isinstance(value, dict):
        return " ".join(f"{_all_text(k)} {_all_text(v)}" for k, v in value.items())
    return str(value)


def test_family_members_and_photo_are_counted_but_never_kept() -> None:
    form = parse_lrmx(lrmx(FULL, family=FAMILY_MEMBERS, photo=PHOTO))
    assert form.family_members_present == 2 and form.photo_present
    kept = " ".join([repr(form), _all_text(form), json.dumps(form.to_summary())])
    for secret in SECRETS:
        assert secret not in kept
    assert "王秘密" not in kept and "PHOTOSECRET" not in kept


def test_an_empty_family_and_photo_count_as_absent() -> None:
    data = person_xml(raw_tail="<JiaTingChengYuan/><ZhaoPian>  </ZhaoPian>").encode()
    form = parse_lrmx(data)
    assert (form.family_members_present, form.photo_present) == (0, False)


def test_the_id_number_stays_out_of_the_repr() -> None:
    assert ID_NUMBER not in repr(parse_lrmx(lrmx(FULL)))


# Summary ---------------------------------------------------------------------------------


def test_the_summary_is_json_ready_and_complete() -> None:
    summary = parse_lrmx(lrmx(FULL, family=FAMILY_MEMBERS, photo=PHOTO)).to_summary()
    json.dumps(summary)
    assert summary["name"] == "张三" and summary["gender"] == "male"
    assert summary["birth"] == "1980-02" and summary["age_reference_date"] == "2026-01-01"
    assert summary["full_time"]["degree"] == "工学学士"
    assert summary["career"]["entries"][1] == {
        "start": "2008-06",
        "end": None,
        "text": "泸州市纳溪区副区长",
        "line": 2,
        "sub_entries": [],
    }
    assert summary["assessments"]["grades"] == {
        "2023": "competent",
        "2024": "competent",
        "2025": "excellent",
    }
    assert summary["id_number"]["value"] == ID_NUMBER
    assert summary["family_members_present"] == 2 and summary["photo_present"] is True
    assert {f.name for f in fields(LrmxForm)} == set(summary)
