"""The issued letter reads as an official document: the opinion stated once, no doubled words,
no instruction to the recipient to record something — what could not be verified is said."""

from __future__ import annotations

import re
from datetime import timedelta

from app import clock
from tests.consultations.world import YEAR, build_world, issue, request
from tests.factories import Api


async def _letter_text(api: Api, issued: dict[str, object]) -> str:
    page = await api.http.get(
        f"/v1/consultations/{issued['id']}/document?format=html", headers=api.headers
    )
    assert page.status_code == 200
    return re.sub(r"<[^>]+>", "", page.text)


def _section_three(text: str) -> str:
    return text[text.index("三、意见") : text.index("特此函复")]


async def test_an_objection_is_stated_once_with_its_reason(api: Api) -> None:
    world = await build_world(api)
    await api.case(
        world["cadre"]["id"],
        opened_on=(clock.today() - timedelta(days=60)).isoformat(),
        decision_date=(clock.today() - timedelta(days=30)).isoformat(),
        methods=["sanction"],
        party_sanction="serious_warning",
    )
    text = await _letter_text(api, await issue(api, world, await request(api, world)))
    three = _section_three(text)
    assert three.count("有异议") == 1, three
    assert "意见为：有异议。" in three and "目前不宜提拔任用" in three
    assert "年度年度" not in text and "补录" not in text


async def test_no_objection_is_stated_once(api: Api) -> None:
    world = await build_world(api)
    text = await _letter_text(api, await issue(api, world, await request(api, world)))
    three = _section_three(text)
    assert three.count("无异议") == 1, three
    assert "年度年度" not in text and "补录" not in text


async def test_a_missing_record_is_told_as_what_could_not_be_verified(api: Api) -> None:
    world = await build_world(api)
    newcomer = await api.cadre("钱多多")  # no annual assessment for last year on record
    await api.post_held(newcomer["id"], world["county"]["id"], start="2020-01-01")
    consultation = await request(api, world, cadre_id=newcomer["id"])
    text = await _letter_text(api, await issue(api, world, consultation))
    assert f"未能核实{YEAR - 1}年度考核结果" in text, text
    assert "补录" not in text and "请" not in _section_three(text)
    assert _section_three(text).count("暂缓") == 1
