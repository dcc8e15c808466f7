"""The impact report over the demo data: a candidate Luzhou version that lengthens one period
(a failed cadre investigation blocks 24 months instead of 12) moves exactly the cadres a hand
count finds, and nothing else."""

from pathlib import Path
from typing import Any

import httpx

from app.config import Settings
from app.main import create_app
from app.runtime import DEMO_KEY_FILE
from tests.test_demo import demo  # noqa: F401 - the module-scoped demo database
from tests.vetting.test_publication import candidate_text


async def test_the_impact_of_a_longer_period_is_exactly_the_hand_count(
    demo: Settings,  # noqa: F811
) -> None:
    key = (Path(demo.data_dir) / DEMO_KEY_FILE).read_text().strip()
    app = create_app(demo)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:

            async def call(method: str, path: str, status: int = 200, **kw: Any) -> Any:
                response = await http.request(method, path, headers=headers, **kw)
                assert response.status_code == status, response.text
                return response.json()

            await call(
                "POST",
                "/v1/rulebooks/versions",
                201,
                json={"text": candidate_text(), "reason": "试算"},
            )
            report = await call(
                "POST",
                "/v1/rulebooks/cn-sichuan-luzhou-2018/versions/2.2.0/impact",
                json={"population": "all_cadres", "as_of": "2026-07-01"},
            )
            failed = await call(
                "GET", "/v1/cadre-investigations", params={"result": "fail", "limit": 100}
            )
    finally:
        await app.state.engine.dispose()
    # By hand: the demo has three failed investigations (2025-04-01, 2025-05-06, 2025-06-10),
    # each blocking promotion, important use and both commendations. On 2026-07-01 the
    # current 12 months have run out for all three; 24 months run to the same day of 2027
    # (民法典第二百零二条), so each is eligible the day after. A safety commendation stays
    # blocked either way (no recorded basis: open-ended, no date), so it does not move.
    ends = {"2025-04-01": "2027-04-02", "2025-05-06": "2027-05-07", "2025-06-10": "2027-06-11"}
    expected = {
        (i["cadre_id"], purpose, ends[i["conducted_on"]])
        for i in failed["items"]
        for purpose in ("promotion", "important_use", "commendation")
    }
    assert len(failed["items"]) == 3 and len(expected) == 9
    moved = {
        (c["cadre_id"], c["purpose"], c["candidate"]["eligible_from"]) for c in report["changes"]
    }
    assert moved == expected
    for change in report["changes"]:
        assert change["current"] == {"outcome": "eligible", "eligible_from": "2026-07-01"}
        assert change["candidate"]["outcome"] == "ineligible"
        assert change["rules"] == ["investigation.failed"]
    counts = report["counts"]
    assert (counts["changed"], counts["outcome_changed"], counts["eligible_from_changed"]) == (
        9,
        9,
        9,
    )
    assert counts["by_outcome"] == [{"current": "eligible", "candidate": "ineligible", "count": 9}]
    assert counts["evaluated"] == counts["unchanged"] + 9
    assert report["population"]["kind"] == "all_cadres" and report["truncated"] is False
    assert report["as_of"] == "2026-07-01"
