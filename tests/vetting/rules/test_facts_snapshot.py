"""The facts snapshot and digest: canonical JSON without known_at, and its exact inverse."""

from __future__ import annotations

import dataclasses
import decimal
import hashlib
import json
import random
import tracemalloc
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import orjson
import pytest

from app.domain.enums import (
    Method,
    Purpose,
)
from app.vetting.rules import Decision, Finding, Message, evaluate
from app.vetting.rules.facts import (
    CadreFacts,
    TargetPost,
)
from app.vetting.rules.rulebook import default_rulebook
from app.vetting.rules.snapshot import (
    SharedFacts,
    canonical_json,
    fact_json,
    facts_from_snapshot,
    facts_sha256,
    facts_snapshot,
    fragment,
    from_dict,
    join_snapshot,
    split_snapshot,
    to_dict,
    unit_part,
)
from tests.vetting.rules import accident, cadre, case, post
from tests.vetting.rules.generated_facts import (
    CST,
    GENERATED,
    SHANGHAI,
    Gen,
    nested_facts,
)

# --- the round trip ----------------------------------------------------------------------------


def test_a_snapshot_gives_back_the_very_same_facts() -> None:
    for index, facts in enumerate(GENERATED):
        snapshot = facts_snapshot(facts)
        rebuilt = facts_from_snapshot(snapshot, facts.known_at)
        assert rebuilt == facts, index
        assert hash(rebuilt) == hash(facts), index
        assert facts_snapshot(rebuilt) == snapshot, index
        assert facts_sha256(rebuilt) == facts_sha256(facts), index
        # The text, the bytes and the parsed form (as read back from JSONB) all decode.
        assert facts_from_snapshot(snapshot.decode(), facts.known_at) == facts, index
        assert facts_from_snapshot(json.loads(snapshot), facts.known_at) == facts, index


def test_preset_fragments_give_the_same_bytes() -> None:
    odd = replace(accident(), occurred_at=datetime(1890, 6, 1, 12, tzinfo=SHANGHAI))
    common = (accident(), odd)
    shared = SharedFacts({id(a): fragment(a) for a in common})
    for index, facts in enumerate(GENERATED[:40]):
        facts = replace(facts, accidents=(*common, *facts.accidents))
        assert facts_snapshot(facts, shared) == facts_snapshot(facts), index
    assert json.loads(facts_snapshot(facts, shared))["accidents"][1]["occurred_at"] == (
        "1890-06-01T12:00:00+08:05:43"
    )


def test_to_dict_is_the_snapshot_plus_known_at_and_from_dict_inverts_it() -> None:
    later = datetime(2030, 1, 1, tzinfo=UTC)
    for index, facts in enumerate(GENERATED):
        data = to_dict(facts)
        assert data["known_at"] == facts.known_at.isoformat(), index
        assert from_dict(data) == facts, index
        assert from_dict(json.loads(json.dumps(data))) == facts, index
        without = {k: v for k, v in data.items() if k != "known_at"}
        assert without == json.loads(facts_snapshot(facts)), index
        # A known_at left in the dict is ignored in favour of the argument.
        assert facts_from_snapshot(data, later) == replace(facts, known_at=later), index


def test_the_snapshot_is_canonical_json_and_survives_reordering() -> None:
    for index, facts in enumerate(GENERATED):
        snapshot = facts_snapshot(facts)
        parsed = json.loads(snapshot)
        # The stdlib's sorted, compact, UTF-8 form of the same data is the very same text ...
        assert canonical_json(parsed).encode() == snapshot, index
        # ... so a store that reorders keys (PostgreSQL's JSONB does) keeps a checkable digest.
        reordered = json.loads(json.dumps(_reversed_keys(parsed)))
        assert canonical_json(reordered).encode() == snapshot, index
        assert orjson.dumps(reordered, option=orjson.OPT_SORT_KEYS) == snapshot, index


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


# --- what the digest covers ---------------------------------------------------------------------


def test_known_at_is_left_out_of_the_snapshot_and_the_digest() -> None:
    facts = cadre(case("2024-03-15"))
    later = replace(facts, known_at=datetime(2030, 5, 1, 8, tzinfo=CST))
    assert b"known_at" not in facts_snapshot(facts)
    assert facts_snapshot(later) == facts_snapshot(facts)
    assert facts_sha256(later) == facts_sha256(facts)


def test_any_other_change_changes_the_digest() -> None:
    facts = cadre(case("2024-03-15"), accident())
    digest = facts_sha256(facts)
    assert facts_sha256(replace(facts, name="李某某")) != digest
    assert facts_sha256(replace(facts, cases=())) != digest
    assert facts_sha256(replace(facts, posts=(*facts.posts, post(start="2020-01-01")))) != digest
    changed = replace(facts.accidents[0], direct_loss_cny=Decimal("0.01"))
    assert facts_sha256(replace(facts, accidents=(changed,))) != digest


def test_the_digest_is_the_sha256_of_the_snapshot() -> None:
    import hashlib

    facts = GENERATED[3]
    assert facts_sha256(facts) == hashlib.sha256(facts_snapshot(facts)).hexdigest()


def test_cadre_facts_no_longer_carry_an_extra_field() -> None:
    assert "extra" not in {f.name for f in dataclasses.fields(CadreFacts)}


# --- value forms ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "written"),
    [
        (Decimal("12.50"), "12.5"),
        (Decimal(100), "100"),
        (Decimal("1E+2"), "100"),
        (Decimal(0), "0"),
        (Decimal("0.000"), "0"),
        (Decimal("-3.250"), "-3.25"),
        (Decimal("1234567890123456789012345678901.25"), "1234567890123456789012345678901.25"),
    ],
)
def test_decimals_are_written_as_plain_normalised_numerals(amount: Decimal, written: str) -> None:
    facts = cadre(replace(accident(), direct_loss_cny=amount))
    with decimal.localcontext(decimal.Context(prec=3)):  # the caller's context does not matter
        data = json.loads(facts_snapshot(facts))
    assert data["accidents"][0]["direct_loss_cny"] == written
    rebuilt = facts_from_snapshot(facts_snapshot(facts), facts.known_at)
    assert rebuilt.accidents[0].direct_loss_cny == amount


@pytest.mark.parametrize(
    ("zone", "suffix"),
    [
        (CST, "+08:00"),
        (SHANGHAI, "+08:00"),
        (UTC, "+00:00"),
        (timezone(timedelta(hours=-5, minutes=-30)), "-05:30"),
        (None, ":00"),
    ],
)
def test_datetimes_keep_their_utc_offset(zone: Any, suffix: str) -> None:
    moment = datetime(2024, 1, 10, 8, 30, tzinfo=zone)
    facts = cadre(replace(accident(), occurred_at=moment))
    written = json.loads(facts_snapshot(facts))["accidents"][0]["occurred_at"]
    assert written == moment.isoformat() and written.endswith(suffix)
    rebuilt = facts_from_snapshot(facts_snapshot(facts), facts.known_at).accidents[0]
    assert rebuilt.occurred_at == moment and rebuilt.occurred_at.utcoffset() == moment.utcoffset()


def test_an_offset_with_seconds_is_kept_whole() -> None:
    # Before 1901 Asia/Shanghai is local mean time, +08:05:43; orjson alone would cut the seconds.
    moment = datetime(1890, 6, 1, 12, tzinfo=SHANGHAI)
    facts = cadre(replace(accident(), occurred_at=moment))
    written = json.loads(facts_snapshot(facts))["accidents"][0]["occurred_at"]
    assert written == "1890-06-01T12:00:00+08:05:43"
    assert facts_from_snapshot(facts_snapshot(facts), facts.known_at) == facts


def test_ids_enums_and_dates_are_their_string_forms_and_text_stays_utf8() -> None:
    facts = cadre(case("2024-03-15", methods=(Method.ADMONISHMENT,)))
    snapshot = facts_snapshot(facts)
    data = json.loads(snapshot)
    first = data["cases"][0]
    assert first["id"] == str(facts.cases[0].id)
    assert first["methods"] == ["admonishment"] and first["decision_date"] == "2024-03-15"
    assert first["party_sanction"] is None and data["target"] is None
    assert data["statuses"] == [] and data["name"] == "张某某"
    assert "张某某".encode() in snapshot and b'", "' not in snapshot and b'": ' not in snapshot


def test_a_value_of_an_unexpected_type_is_refused() -> None:
    facts = cadre()
    broken = replace(facts, posts=(replace(facts.posts[0], team_rank=object()),))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        facts_snapshot(broken)


def test_missing_optional_keys_take_their_defaults() -> None:
    facts = cadre(case("2024-03-15"))
    data = json.loads(facts_snapshot(facts))
    del data["cases"][0]["post_id"], data["target"], data["commendations"]
    rebuilt = facts_from_snapshot(data, facts.known_at)
    assert rebuilt.cases[0].post_id is None and rebuilt.commendations == ()
    with pytest.raises(ValueError):
        facts_from_snapshot(b"[]", facts.known_at)


# --- what the fast paths rely on -------------------------------------------------------------


def test_fact_instances_hold_nothing_but_their_fields_after_evaluation() -> None:
    """The snapshot writes each fact's instance __dict__: nothing may be cached on it."""
    rulebook = default_rulebook()
    for facts in GENERATED[:60]:
        for purpose in Purpose:
            target = facts.target or TargetPost(Gen(1).unit())
            evaluate(replace(facts, target=target), purpose, date(2025, 1, 15), rulebook)
        for fact in nested_facts(facts):
            assert list(vars(fact)) == [f.name for f in dataclasses.fields(fact)], fact


def test_findings_and_decisions_made_by_the_engine_are_ordinary_instances() -> None:
    rulebook = default_rulebook()
    kinds: set[type] = set()
    for facts in GENERATED[:40]:
        target = facts.target or TargetPost(Gen(2).unit())
        for purpose in Purpose:
            decision = evaluate(replace(facts, target=target), purpose, date(2025, 1, 15), rulebook)
            made: list[Any] = [decision, *decision.findings]
            made += [f.message for f in decision.findings]
            kinds |= {type(i) for i in made}
            for instance in made:
                names = [f.name for f in dataclasses.fields(instance)]
                assert sorted(vars(instance)) == sorted(names)
                assert type(instance)(**vars(instance)) == instance
                assert hash(instance) == hash(type(instance)(**vars(instance)))
                with pytest.raises(dataclasses.FrozenInstanceError):
                    instance.rule_id = "x"
    assert kinds == {Decision, Finding, Message}


def test_evaluate_records_a_digest_it_is_given() -> None:
    facts = cadre(case("2024-03-15"))
    rulebook = default_rulebook()
    computed = evaluate(facts, Purpose.PROMOTION, date(2025, 1, 15), rulebook)
    given = evaluate(
        facts, Purpose.PROMOTION, date(2025, 1, 15), rulebook, facts_sha256=facts_sha256(facts)
    )
    assert computed == given and computed.facts_sha256 == facts_sha256(facts)


def test_a_fragment_holds_no_more_than_its_own_bytes() -> None:
    # Fragments stay cached with their unit's history: not orjson's whole write buffer each.
    facts = [replace(accident(), deaths=i) for i in range(500)]
    size = len(json.dumps(json.loads(facts_snapshot(cadre(facts[0])))["accidents"][0])) + 300
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [fragment(f) for f in facts]
        held = (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()
    assert held < size, held
    shared = SharedFacts({id(f): w for f, w in zip(facts, kept, strict=True)})
    some = cadre(*facts[:3])
    assert facts_snapshot(some, shared) == facts_snapshot(some)


# --- split snapshots: the cadre's own facts plus references into facts parts -------------------


_KEPT: list[Any] = []  # placed facts must outlive their SharedFacts (it knows them by identity)


def _parts_of(facts: CadreFacts, seed: int) -> tuple[SharedFacts, dict[str, bytes]]:
    """Two facts parts holding the facts' accidents and unit assessments (and more), shuffled
    and dealt between them, as two units' histories would."""
    rng = random.Random(seed)
    extra = [replace(accident(), id=uuid.UUID(int=rng.getrandbits(128))) for _ in range(3)]
    _KEPT.extend(extra)
    deals: list[tuple[list[Any], list[Any]]] = [([], []), ([], [])]
    for fact in (*facts.accidents, *extra):
        deals[rng.randrange(2)][0].append(fact)
    for fact in facts.unit_assessments:
        deals[rng.randrange(2)][1].append(fact)
    parts: dict[str, bytes] = {}
    placed: dict[int, tuple[str, int]] = {}
    for accidents, assessments in deals:
        rng.shuffle(accidents)
        part = unit_part([fact_json(a) for a in accidents], [fact_json(a) for a in assessments])
        digest = hashlib.sha256(part).hexdigest()
        parts[digest] = part
        for index, fact in (*enumerate(accidents), *enumerate(assessments)):
            placed[id(fact)] = (digest, index)
    return SharedFacts({}, placed), parts


def test_a_split_snapshot_joins_back_to_the_very_same_bytes() -> None:
    for index, facts in enumerate(GENERATED):
        shared, parts = _parts_of(facts, index)
        split = split_snapshot(facts, shared)
        assert split is not None, index
        joined = join_snapshot(split[0], parts)
        assert joined == facts_snapshot(facts), index
        assert set(split[1]) <= set(parts), index
        own = orjson.loads(split[0])
        assert len(own["accidents"]) <= len(facts.accidents), index  # runs, not facts


def test_consecutive_facts_of_a_part_are_one_run() -> None:
    facts = replace(GENERATED[0], accidents=tuple(accident() for _ in range(5)))
    facts = replace(facts, accidents=tuple(replace(a, id=uuid.uuid4()) for a in facts.accidents))
    part = unit_part([fact_json(a) for a in facts.accidents], [])
    digest = hashlib.sha256(part).hexdigest()
    placed = {id(a): (digest, i) for i, a in enumerate(facts.accidents)}
    placed.update({id(a): (digest, 0) for a in facts.unit_assessments})
    if facts.unit_assessments:
        facts = replace(facts, unit_assessments=())
    split = split_snapshot(facts, SharedFacts({}, placed))
    assert split is not None
    assert orjson.loads(split[0])["accidents"] == [[0, 0, 5]]
    assert split[1] == [digest]
    assert join_snapshot(split[0], {digest: part}) == facts_snapshot(facts)


def test_facts_in_no_part_keep_the_snapshot_whole() -> None:
    facts = next(f for f in GENERATED if f.accidents)
    shared, _ = _parts_of(facts, 1)
    stray = replace(facts, accidents=(*facts.accidents, replace(accident(), id=uuid.uuid4())))
    assert split_snapshot(stray, shared) is None


def test_a_missing_or_short_part_is_refused_and_a_changed_one_changes_the_bytes() -> None:
    facts = next(f for f in GENERATED if len(f.accidents) >= 2)
    shared, parts = _parts_of(facts, 2)
    split = split_snapshot(facts, shared)
    assert split is not None
    own, named = split
    with pytest.raises(ValueError, match="missing"):
        join_snapshot(own, {d: p for d, p in parts.items() if d != named[0]})
    emptied = {d: unit_part([], []) for d in parts}
    with pytest.raises(ValueError, match="has no"):
        join_snapshot(own, emptied)
    changed = {d: p.replace(b'"deaths":', b'"deaths":1', 1) for d, p in parts.items()}
    assert join_snapshot(own, changed) != facts_snapshot(facts)
