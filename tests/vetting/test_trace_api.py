"""The trace over HTTP: `GET /v1/vetting/decisions/{id}/trace` and `?trace=true` on a check,
recomputed from the stored facts and rulebook text; replay compares traces."""

from fastapi import FastAPI

from tests.factories import Api
from tests.vetting.world import World, check


async def test_a_check_with_trace_true_lists_every_rule_and_the_stored_trace_matches(
    api: Api, world: World
) -> None:
    case = await api.case(world["cadre"]["id"], opened_on="2025-01-10", decision_date="2025-03-15")
    response = await api.http.post(
        "/v1/vetting/checks",
        params={"trace": "true"},
        json={"cadre_id": world["cadre"]["id"], "purpose": "promotion", "as_of": "2025-06-01"},
        headers=api.headers,
    )
    assert response.status_code == 201, response.text
    decision = response.json()
    trace = decision.pop("trace")
    rules = {r["rule_id"]: r for r in trace["rules"]}
    assert rules["veto.one_vote"]["fired"] is True
    assert {"record_kind": "accountability_case", "record_id": case["id"]} in rules[
        "veto.one_vote"
    ]["facts_read"]
    assert rules["influence.notification"]["status"] == "switched_off"
    assert rules["soe_bar.dismissal"]["status"] == "not_for_purpose"
    assert trace["rulebook"]["sha256"] == decision["rulebook"]["sha256"]
    assert trace["decision_id"] == decision["decision_id"]
    # The stored decision is the decision without the trace; its trace is recomputed the same.
    assert await api.get(f"/v1/vetting/decisions/{decision['decision_id']}") == decision
    assert await api.get(f"/v1/vetting/decisions/{decision['decision_id']}/trace") == trace


async def test_a_trace_of_an_unknown_decision_is_404(api: Api) -> None:
    await api.get("/v1/vetting/decisions/00000000-0000-0000-0000-000000000009/trace", expect=404)


async def test_replay_reports_the_rules_whose_trace_changed(
    api: Api, world: World, app: FastAPI
) -> None:
    from app.vetting.rules.rulebook_layers import read_layer

    await api.case(world["cadre"]["id"], opened_on="2025-01-10", decision_date="2025-03-15")
    decision = await check(
        api, cadre_id=world["cadre"]["id"], purpose="promotion", as_of="2025-06-01"
    )
    books = app.state.rulebooks
    old = books.latest("cn-sichuan-luzhou-2018")
    newer = read_layer(
        old.text.replace('version = "2.1.0"', 'version = "2.9.0"').replace(
            'months = 12 },\n  { purposes = ["commendation"',
            'months = 18 },\n  { purposes = ["commendation"',
            1,
        ),
        "test",
    )
    books.add(newer)
    try:
        path = f"/v1/vetting/decisions/{decision['decision_id']}/replay"
        same = await api.post(path, {}, 200)
        current = await api.post(path, {"rulebook": "current"}, 200)
    finally:
        books.versions[old.id].remove(newer)
    assert same["trace_differences"] == []
    assert current["trace_differences"] == [
        {
            "rule_id": "veto.one_vote",
            "before": "fired",
            "after": "fired",
            "parameters_changed": True,
        }
    ]
