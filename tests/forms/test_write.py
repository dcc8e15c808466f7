"""Writing .lrmx forms, and the round trip another part of the service relies on:
write_lrmx(parse_lrmx(write_lrmx(form))) == write_lrmx(form), byte for byte."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest

from app.domain.enums import CadreGrade
from app.forms import (
    Education,
    LrmxForm,
    assessments_text,
    parse_lrmx,
    write_lrmx,
)
from tests.forms import FAMILY_MEMBERS, FULL, ID_NUMBER, PHOTO, lrmx, person_xml

# The element order of LRMX.md, written out independently of the implementation's table.
LRMX_ORDER = [
    "XingMing", "XingBie", "ChuShengNianYue", "MinZu", "JiGuan", "ChuShengDi", "RuDangShiJian",
    "CanJiaGongZuoShiJian", "DaoLingNianYue", "JianKangZhuangKuang", "ZhuanYeJiShuZhiWu",
    "ShuXiZhuanYeYouHeZhuanChang", "QuanRiZhiJiaoYu_XueLi", "QuanRiZhiJiaoYu_XueWei",
    "QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi",
    "ZaiZhiJiaoYu_XueLi", "ZaiZhiJiaoYu_XueWei", "ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi",
    "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi", "XianRenZhiWu", "NiRenZhiWu", "NiMianZhiWu", "JianLi",
    "JiangChengQingKuang", "NianDuKaoHeJieGuo", "RenMianLiYou", "JiaTingChengYuan",
    "ChengBaoDanWei", "GaiGeQianRenZhiNianLingJieXian", "JiSuanNianLingShiJian",
    "TianBiaoShiJian", "TianBiaoRen", "ShenFenZheng", "ZhaoPian", "Version",
]  # fmt: skip

CAREER_WITH_SUB_ENTRIES = (
    "2002.07--2008.06  泸州市纳溪区安监局科员（其间：2004.09--2007.07 中央党校在职\r\n"
    "                  研究生学习；2006.01--2006.12 挂职锻炼）\r\n"
    "2008.06—2016.09  泸州市纳溪区安全生产监督管理局副局长、党组成员\r\n"
    "                  （其间：2010.09--2012.07 四川大学在职研究生学习）\r\n"
    "２０１６．９～       泸州市纳溪区副区长\r\n"
    "2008.13--2010.01 写错的日期"
)


def _round_trips(form: LrmxForm) -> None:
    written = write_lrmx(form)
    again = parse_lrmx(written)
    assert write_lrmx(again) == written
    assert again == replace(form, family_members_present=0, photo_present=False)


def test_a_form_is_written_as_utf8_with_bom_and_crlf() -> None:
    written = write_lrmx(parse_lrmx(lrmx(FULL)))
    assert written.startswith(b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\r\n<Person>')
    assert written.endswith(b"</Person>\r\n")
    assert b"\n" not in written.replace(b"\r\n", b"")


def test_every_element_is_written_in_the_order_of_the_format() -> None:
    text = write_lrmx(LrmxForm()).decode("utf-8-sig")
    assert re.findall(r"<(\w+)>", text) == ["Person", *LRMX_ORDER]


def test_career_lines_are_written_with_crlf() -> None:
    written = write_lrmx(LrmxForm(career_raw="2002.07--2008.06  科员\n2008.06--  副区长"))
    assert "<JianLi>2002.07--2008.06  科员\r\n2008.06--  副区长</JianLi>".encode() in written


def test_family_and_photo_are_written_empty() -> None:
    written = write_lrmx(parse_lrmx(lrmx(FULL, family=FAMILY_MEMBERS, photo=PHOTO)))
    assert b"<JiaTingChengYuan></JiaTingChengYuan>" in written
    assert b"<ZhaoPian></ZhaoPian>" in written
    assert "王秘密".encode() not in written and PHOTO.encode() not in written


def test_xml_special_characters_survive() -> None:
    form = LrmxForm(name="A&B <C> ]]> \"'", rewards="a < b & c")
    assert parse_lrmx(write_lrmx(form)).name == "A&B <C> ]]> \"'"
    _round_trips(form)


def test_rewards_and_assessments_can_be_replaced_when_writing() -> None:
    form = parse_lrmx(lrmx(FULL))
    text = assessments_text({2024: CadreGrade.COMPETENT, 2025: CadreGrade.BASICALLY_COMPETENT})
    written = write_lrmx(form, rewards_text="2025年受到通报表扬", assessments_text=text)
    again = parse_lrmx(written)
    assert again.rewards == "2025年受到通报表扬"
    assert again.assessments.grades == {
        2024: CadreGrade.COMPETENT,
        2025: CadreGrade.BASICALLY_COMPETENT,
    }
    assert again.name == form.name and again.career == form.career


def test_texts_are_normalised_when_a_form_is_built() -> None:
    form = LrmxForm(name=" 张\x00三\u3000", career_raw="a\r\nb\rc", full_time=Education(" 大学 "))
    assert (form.name, form.career_raw, form.full_time.education) == ("张三", "a\nb\nc", "大学")


# Round trips ---------------------------------------------------------------------------


def test_a_full_form_round_trips() -> None:
    _round_trips(parse_lrmx(lrmx(FULL)))


def test_an_empty_form_round_trips() -> None:
    _round_trips(LrmxForm())


def test_a_form_with_family_and_photo_round_trips_without_them() -> None:
    form = parse_lrmx(lrmx(FULL, family=FAMILY_MEMBERS, photo=PHOTO))
    _round_trips(form)


def test_a_multi_line_career_with_sub_entries_round_trips() -> None:
    form = parse_lrmx(lrmx({**FULL, "JianLi": CAREER_WITH_SUB_ENTRIES}))
    assert len(form.career.entries) == 3 and len(form.career.unparsed_lines) == 1
    _round_trips(form)


@pytest.mark.parametrize("declared", [True, False])
def test_gbk_input_round_trips(declared: bool) -> None:
    xml = person_xml(
        {**FULL, "JianLi": CAREER_WITH_SUB_ENTRIES}, encoding="GBK" if declared else None
    )
    form = parse_lrmx(xml.encode("gbk"))
    assert form == parse_lrmx(lrmx({**FULL, "JianLi": CAREER_WITH_SUB_ENTRIES}))
    _round_trips(form)


def test_utf16_input_round_trips() -> None:
    form = parse_lrmx(person_xml(FULL, encoding="UTF-16").encode("utf-16"))
    _round_trips(form)


def test_chinese_punctuation_and_odd_spacing_round_trip() -> None:
    form = LrmxForm(
        name="欧阳　娜娜",
        rewards="2019年：记三等功；\n\n2021年，“优秀共产党员”（市委）！\t…—",
        appointment_reason="  因工作需要，拟任。  ",
        filled_in_on="",
    )
    _round_trips(form)


ALPHABET = (
    "张三李四泸州市纳溪区安监局科员副区长（其间：）；，。、“”—－～~至 \u3000\t\r\n"
    "0123456789０１２３４５６７８９.．-&<>\"']]>\x00\x01\x0b\ufffe\ud800\U0001f600\x85\u2028"
)
TEXT_FIELDS = [
    "name", "gender_raw", "birth_raw", "ethnicity", "native_place", "birthplace",
    "party_joined_raw", "work_started_raw", "age_limit_reached_raw", "health",
    "professional_title", "expertise", "current_post", "proposed_post", "post_to_remove",
    "career_raw", "rewards", "assessments_raw", "appointment_reason", "submitting_unit",
    "pre_reform_age_limit", "age_reference_raw", "filled_in_on", "filled_in_by", "version",
]  # fmt: skip
SEEDS = ["198002", "19800229", "男", "2008.07--2012.06  科员", "2023、2024年均为称职", "2019.03-"]


def _random_text(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(SEEDS)
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(0, 40)))


@pytest.mark.parametrize("seed", range(200))
def test_random_forms_round_trip_byte_for_byte(seed: int) -> None:
    rng = random.Random(seed)
    texts = {name: _random_text(rng) for name in TEXT_FIELDS}
    education = [Education(*(_random_text(rng) for _ in range(4))) for _ in range(2)]
    form = LrmxForm(
        **texts,
        full_time=education[0],
        in_service=education[1],
        id_number_raw=rng.choice(["", ID_NUMBER, f" {ID_NUMBER.lower()} "]),
    )
    _round_trips(form)
