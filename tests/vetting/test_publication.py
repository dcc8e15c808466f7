"""Publishing a rulebook version through the API: validation naming the place, a candidate
kept and logged, the diff, an explicit activation with its effective date, and decisions on
either side of that date."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from app.vetting.publication import load_activated
from app.vetting.rulebooks import Rulebooks
from app.vetting.rules.rulebook import RULEBOOK_DIR
from tests.factories import Api
from tests.vetting.world import World, check

LUZHOU = "cn-sichuan-luzhou-2018"
TEXT = (RULEBOOK_DIR / f"{LUZHOU}.toml").read_text(encoding="utf-8")
INVESTIGATION_12 = (
    'purposes = ["promotion", "important_use", "commendation", "safety_commendation"], '
    'period = "months", months = 12 }]'
)


def candidate_text(months: int = 24, version: str = "2.2.0", start: str = "2026-01-01") -> str:
    """Luzhou's layer with a failed cadre investigation blocking for `months`, in force from
    `start`: the one change of the candidate."""
    assert INVESTIGATION_12 in TEXT and 'version = "2.1.0"' in TEXT
    return (
        TEXT.replace(INVESTIGATION_12, INVESTIGATION_12.replace("12", str(months)))
        .replace('version = "2.1.0"', f'version = "{version}"')
        .replace("effective_from = 2018-11-01", f"effective_from = {start}")
    )


@pytest.fixture
def books(app: FastAPI) -> Iterator[Rulebooks]:
    """The app's registry, given back as it was: an activation adds a version to it."""
    registry: Rulebooks = app.state.rulebooks
    before = {k: list(v) for k, v in registry.versions.items()}
    yield registry
    registry.versions.clear()
    registry.versions.update(before)


async def failed_investigation(api: Api, cadre_id: str) -> None:
    """A cadre investigation of 2025-03-01 that found work-safety performance failed."""
    body = {"cadre_id": cadre_id, "conducted_on": "2025-03-01", "purpose": "promotion"}
    await api.post("/v1/cadre-investigations", {**body, "result": "fail"})


async def submit(api: Api, text: str, status: int = 201) -> dict[str, Any]:
    return await api.post("/v1/rulebooks/versions", {"text": text, "reason": "试行"}, status)


@pytest.mark.parametrize(
    ("old", "new", "place"),
    [
        (
            '"important_use", "commendation"',
            '"important_use", "commendaton"',
            "investigation.failed",
        ),
        (
            'rule_id = "investigation.failed"',
            'rule_id = "investigation.flunked"',
            "unknown rule id",
        ),
        (
            'basis = ["luzhou"]\nblocks = [{ purposes = ["promotion", "important_use"',
            'basis = ["nowhere"]\nblocks = [{ purposes = ["promotion", "important_use"',
            "nowhere",
        ),
        ('period = "months", months = 24', 'period = "fortnights", months = 24', "period kind"),
        (
            'jurisdiction = "四川省泸州市"',
            'jurisdiction = "四川省泸州市"\nmayor = "x"',
            "unknown top-level keys",
        ),
        (
            'extends = "cn-sichuan-2018"',
            'extends = "cn-hubei-2018"',
            "unknown rulebook 'cn-hubei-2018'",
        ),
        ("effective_from = 2026-01-01", 'effective_from = "soon"', "effective_from"),
        ("[citations]", "[citations", "not a valid TOML"),
    ],
)
async def test_a_faulty_version_is_refused_naming_the_place(
    api: Api, books: Rulebooks, old: str, new: str, place: str
) -> None:
    text = candidate_text()
    assert old in text
    problem = await submit(api, text.replace(old, new, 1), 422)
    assert problem["errors"][0]["field"] == "body.text"
    assert place in problem["errors"][0]["message"]
    assert place in problem["detail"]
    versions = await api.get(f"/v1/rulebooks/{LUZHOU}/versions")
    assert [v["version"] for v in versions] == ["2.1.0"]  # nothing kept


async def test_a_version_that_exists_is_a_conflict(api: Api, books: Rulebooks) -> None:
    await submit(api, TEXT.replace("# Luzhou", "# Luzhou (again)"), 409)
    await submit(api, candidate_text())
    await submit(api, candidate_text(months=18), 409)


async def test_a_candidate_is_kept_logged_and_diffed_and_applies_to_nothing(
    api: Api, books: Rulebooks, world: World
) -> None:
    submitted = await submit(api, candidate_text())
    assert (submitted["status"], submitted["version"]) == ("candidate", "2.2.0")
    assert submitted["effective_from"] == "2026-01-01"
    events = await api.get("/v1/audit-events", action="rulebook.submitted")
    assert [e["target_id"] for e in events["items"]] == [submitted["sha256"]]
    versions = await api.get(f"/v1/rulebooks/{LUZHOU}/versions")
    assert [(v["version"], v["status"]) for v in versions] == [
        ("2.1.0", "shipped"),
        ("2.2.0", "candidate"),
    ]
    diff = await api.get(f"/v1/rulebooks/{LUZHOU}/diff", **{"from": "2.1.0", "to": "2.2.0"})
    assert (diff["from"]["version"], diff["to"]["version"]) == ("2.1.0", "2.2.0")
    assert diff["rules_added"] == diff["rules_removed"] == []
    [changed] = diff["rules_changed"]
    assert changed["rule_id"] == "investigation.failed"
    [field] = changed["fields"]
    assert field["key"] == "blocks"
    assert field["before"][0]["period"]["months"] == 12
    assert field["after"][0]["period"]["months"] == 24
    assert diff["header"] == [
        {"key": "effective_from", "before": "2018-11-01", "after": "2026-01-01"}
    ]
    assert any(line.startswith("+") and "months = 24" in line for line in diff["text_diff"])
    # Not active: a check applies 2.1.0.
    decision = await check(
        api, cadre_id=world["clean"]["id"], purpose="promotion", as_of="2026-06-01"
    )
    assert decision["rulebook"]["version"] == "2.1.0"
    await api.get(f"/v1/rulebooks/{LUZHOU}/diff", expect=404, **{"from": "2.1.0", "to": "9"})


async def test_activation_is_explicit_logged_and_dated(
    api: Api, books: Rulebooks, world: World, app: FastAPI
) -> None:
    await failed_investigation(api, world["clean"]["id"])
    before = await check(
        api, cadre_id=world["clean"]["id"], purpose="promotion", as_of="2026-06-01"
    )
    assert before["outcome"] == "eligible"  # 12 months ended on 2026-02-28
    submitted = await submit(api, candidate_text())
    path = f"/v1/rulebooks/{LUZHOU}/versions/2.2.0/activate"
    wrong = await api.post(path, {"reason": "x", "effective_from": "2026-02-01"}, 422)
    assert wrong["errors"][0]["field"] == "body.effective_from"
    activated = await api.post(path, {"reason": "市安委会 2025 年第 3 次会议决定"}, 200)
    assert activated["status"] == "active" and activated["activated_at"]
    await api.post(path, {"reason": "again"}, 409)
    events = await api.get("/v1/audit-events", action="rulebook.activated")
    assert events["items"][0]["summary"]["reason"] == "市安委会 2025 年第 3 次会议决定"
    after = await check(api, cadre_id=world["clean"]["id"], purpose="promotion", as_of="2026-06-01")
    assert after["rulebook"]["version"] == "2.2.0"
    assert after["rulebook"]["layers"][-1]["sha256"] == submitted["sha256"]
    # 24 months from 2025-03-01 end on 2027-03-01 (民法典第二百零二条): eligible the day after.
    assert (after["outcome"], after["eligible_from"]) == ("ineligible", "2027-03-02")
    earlier = await check(
        api, cadre_id=world["clean"]["id"], purpose="promotion", as_of="2025-12-31"
    )
    assert earlier["rulebook"]["version"] == "2.1.0"  # the day before it took effect
    # The decision made before activation replays under the text it used.
    replayed = await api.post(f"/v1/vetting/decisions/{before['decision_id']}/replay", {}, 200)
    assert replayed["identical"] is True
    assert replayed["stored_rulebook"]["version"] == "2.1.0"
    # Another server (a fresh registry) loads the activated version.
    fresh = Rulebooks.shipped(LUZHOU)
    async with app.state.sessionmaker() as session:
        assert await load_activated(session, fresh) == 1
    assert fresh.version(LUZHOU, "2.2.0") is not None


async def test_publication_needs_the_admin_scope(api: Api, app: FastAPI) -> None:
    from tests.conftest import make_client

    key = await make_client(app, "checker", ["vetting:check"])
    response = await api.http.post(
        "/v1/rulebooks/versions",
        json={"text": candidate_text(), "reason": "x"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 403


async def test_the_impact_over_recent_decisions_names_who_would_move(
    api: Api, books: Rulebooks, world: World
) -> None:
    await failed_investigation(api, world["clean"]["id"])
    for purpose in ("promotion", "appointment"):  # appointment: the rule does not concern it
        await check(api, cadre_id=world["clean"]["id"], purpose=purpose, as_of="2026-06-01")
    await check(api, cadre_id=world["cadre"]["id"], purpose="promotion", as_of="2026-06-01")
    await submit(api, candidate_text())
    path = f"/v1/rulebooks/{LUZHOU}/versions/2.2.0/impact"
    report = await api.post(path, {"as_of": "2026-06-01"}, 200)
    assert report["population"]["kind"] == "recent_decisions"
    assert report["counts"]["evaluated"] == 3
    [moved] = report["changes"]
    assert (moved["cadre_id"], moved["purpose"]) == (world["clean"]["id"], "promotion")
    assert moved["current"] == {"outcome": "eligible", "eligible_from": "2026-06-01"}
    assert moved["candidate"] == {"outcome": "ineligible", "eligible_from": "2027-03-02"}
    events = await api.get("/v1/audit-events", action="rulebook.impact_reported")
    assert events["items"][0]["summary"]["changed"] == 1
    # A version already shipped is not a candidate.
    await api.post(f"/v1/rulebooks/{LUZHOU}/versions/2.1.0/impact", {}, 404)
    bad = await api.post(path, {"population": "everyone"}, 422)
    assert bad["errors"][0]["field"] == "body.population"
