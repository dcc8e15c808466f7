"""`vetting demo` (and `make run` on first start) loads a realistic Luzhou: every district and
county, a park, three key SOEs, ~200 cadres with careers, every record kind, retired and
transferred cadres — and a demo admin key that works."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from app.runtime import DEMO_KEY_FILE, load_demo, migrate
from tests.dbutil import TestServer, create_database, drop_database

COUNTIES = {"江阳区", "龙马潭区", "纳溪区", "泸县", "合江县", "叙永县", "古蔺县"}
RECORD_LISTS = (
    "posts",
    "assessments",
    "accidents",
    "accountability-cases",
    "commendations",
    "contributions",
    "cadre-investigations",
    "inspections",
    "supervision-items",
    "duty-performances",
)


@pytest.fixture(scope="module")
def demo(pg_server: TestServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    url = create_database(pg_server.url, prefix="vetting_demo")
    migrate(url)
    settings = Settings(
        database_url=url,
        data_dir=tmp_path_factory.mktemp("demo"),
        secret_key="demo-test-secret-key-0123456789abcdef",
    )
    message = load_demo(url, settings, force=False)
    assert message.startswith("Demo data loaded")
    assert load_demo(url, settings, force=False).endswith("nothing loaded.")  # idempotent
    yield settings
    drop_database(pg_server.url, url)


async def _everything(settings: Settings) -> dict[str, Any]:
    key = (Path(settings.data_dir) / DEMO_KEY_FILE).read_text().strip()
    app = create_app(settings)
    headers = {"Authorization": f"Bearer {key}"}
    found: dict[str, Any] = {}
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:

            async def page(path: str, **params: Any) -> dict[str, Any]:
                response = await http.get(path, params={"limit": 500, **params}, headers=headers)
                assert response.status_code == 200, response.text
                return dict(response.json())

            found["units"] = (await page("/v1/org-units"))["items"]
            found["cadres"] = await page("/v1/cadres")
            found["retired"] = await page("/v1/cadres", status="retired")
            for kind in RECORD_LISTS:
                found[kind] = await page(f"/v1/{kind}")
            found["assessment_kinds"] = {
                kind: (await page("/v1/assessments", kind=kind))["total"]
                for kind in (
                    "annual",
                    "safety_duty",
                    "target",
                    "performance",
                    "term",
                    "safety_work",
                )
            }
            cadre = found["cadres"]["items"][0]["id"]
            check = await http.post(
                "/v1/vetting/checks",
                json={"cadre_id": cadre, "purpose": "promotion"},
                headers=headers,
            )
            assert check.status_code == 201, check.text
    finally:
        await app.state.engine.dispose()
    return found


def test_the_demo_is_a_realistic_luzhou(demo: Settings) -> None:
    found = asyncio.run(_everything(demo))
    names = {u["name"] for u in found["units"]}
    assert all(any(county in name for name in names) for county in COUNTIES), names
    kinds = {u["kind"] for u in found["units"]}
    assert {"party_committee", "government", "government_department", "industrial_park"} <= kinds
    assert sum(1 for u in found["units"] if u.get("is_key_soe")) == 3
    assert 150 <= found["cadres"]["total"] <= 260
    assert found["retired"]["total"] >= 1
    for kind in RECORD_LISTS:
        assert found[kind]["total"] > 0, f"the demo has no {kind}"
    posts_per_cadre: dict[str, int] = {}
    for post in found["posts"]["items"]:
        posts_per_cadre[post["cadre_id"]] = posts_per_cadre.get(post["cadre_id"], 0) + 1
    assert max(posts_per_cadre.values()) >= 2  # transferred cadres
    circumstances = {c["circumstance"] for c in found["accountability-cases"]["items"]}
    assert circumstances == {
        "accident_responsibility",
        "reporting_failure",
        "duties_not_performed",
        "obstruction",
        "other",
    }
    assert all(found["assessment_kinds"].values()), found["assessment_kinds"]
    assert found["duty-performances"]["total"] == 12
    named = [c for c in found["accountability-cases"]["items"] if c["breached_duties"]]
    assert named and all(c["circumstance"] == "duties_not_performed" for c in named)
    assert all(d["citation_zh"].startswith("《") for c in named for d in c["breached_duties"])
    commendation_kinds = {c["kind"] for c in found["commendations"]["items"]}
    assert len(commendation_kinds) >= 5
