"""The opinion letter names, per post, the duty lists the candidate carried, and cites the
article and item of a duty an accountability case names as not performed."""

from __future__ import annotations

import re

from tests.consultations.world import DECIDED, OPENED, build_world, issue, request
from tests.factories import Api


async def _letter_text(api: Api, issued: dict[str, object]) -> str:
    page = await api.http.get(
        f"/v1/consultations/{issued['id']}/document?format=html", headers=api.headers
    )
    assert page.status_code == 200
    return re.sub(r"<[^>]+>", "", page.text)


async def test_the_letter_shows_the_duties_per_post_and_cites_the_duty_breached(
    api: Api,
) -> None:
    world = await build_world(api)
    posts = await api.get("/v1/posts", cadre_id=world["cadre"]["id"])
    post = posts["items"][0]
    await api.case(
        world["cadre"]["id"],
        circumstance="duties_not_performed",
        opened_on=OPENED,
        decision_date=DECIDED,
        methods=["admonishment"],
        post_id=post["id"],
        breached_duties=[{"duty_code": "central.8.2"}],
    )
    text = await _letter_text(api, await issue(api, world, await request(api, world)))
    assert (
        "未履行《地方党政领导干部安全生产责任制规定》第八条第（二）项规定的“协助党委主要负责人和政府"
        "主要负责人统筹推进本地区安全生产工作" in text
    ), text
    assert (
        "该同志任叙永县人民政府副县长期间（2019年3月1日起），承担县级以上地方各级政府分管安全生产"
        "工作的领导干部安全生产职责5项（依据：《地方党政领导干部安全生产责任制规定》第八条）"
        in text
    ), text
