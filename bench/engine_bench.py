"""Micro-benchmark of the pure rules engine: `evaluate` and the facts digest.

Builds N synthetic but realistic cadres (60 % with no records beyond a current post, 30 % with a
few records, 10 % heavy with several cases, sanctions and accidents), then times `evaluate` and
`facts_sha256` over all of them. Run from the repository root:

    .venv/bin/python bench/engine_bench.py [N]

It also prints a digest of every decision (without the facts digest) so two versions of the
engine can be checked to decide identically on the same synthetic population.
"""

from __future__ import annotations

import gc
import hashlib
import inspect
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.domain.enums import (
    AccidentLevel,
    AdminSanction,
    AssessmentKind,
    CadreGrade,
    CadreStatus,
    CaseStatus,
    Circumstance,
    CommendationBasis,
    CommendationKind,
    Industry,
    InvestigationResult,
    InvestigationStatus,
    Leniency,
    Method,
    OrgUnitKind,
    OrgUnitLevel,
    PartySanction,
    PositionKind,
    Purpose,
    ReportingFailure,
    SafetyRole,
    UnitGrade,
)
from app.vetting.rules import decision_to_dict, default_rulebook, evaluate
from app.vetting.rules.facts import (
    AccidentFact,
    AssessmentFact,
    CadreFacts,
    CadreInvestigationFact,
    CaseFact,
    CommendationFact,
    ContributionFact,
    OrgUnitRef,
    PostFact,
    StatusEventFact,
    TargetPost,
    UnitAssessmentFact,
)
from app.vetting.rules.snapshot import facts_sha256

AS_OF = date(2025, 6, 1)
KNOWN_AT = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
CST = timezone(timedelta(hours=8))


class Gen:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.units = [
            OrgUnitRef(
                self.uuid(),
                f"单位{i}",
                self.rng.choice(list(OrgUnitKind)),
                self.rng.choice(list(OrgUnitLevel)),
                is_key_soe=i % 7 == 0,
                industry=self.rng.choice([None, *Industry]),
            )
            for i in range(200)
        ]

    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128))

    def day(self, first: int = 2012, last: int = 2025) -> date:
        start = date(first, 1, 1).toordinal()
        end = min(date(last, 12, 31), AS_OF + timedelta(days=200)).toordinal()
        return date.fromordinal(self.rng.randint(start, end))

    def posts(self, count: int) -> list[PostFact]:
        posts = []
        start = self.day(2008, 2012)
        for i in range(count):
            last = i == count - 1
            end = None if last else start + timedelta(days=self.rng.randint(400, 1600))
            posts.append(
                PostFact(
                    id=self.uuid(),
                    org_unit=self.rng.choice(self.units),
                    title="区长" if i % 2 else "副县长",
                    position=self.rng.choice(list(PositionKind)),
                    safety_role=self.rng.choice(list(SafetyRole)),
                    team_rank=self.rng.choice([None, 1, 2, 3]),
                    start_date=start,
                    end_date=end,
                )
            )
            if end is not None:
                start = end + timedelta(days=1)
        return posts

    def assessments(self, count: int) -> list[AssessmentFact]:
        years = self.rng.sample(range(2015, 2025), count)
        grades = [CadreGrade.COMPETENT] * 6 + [CadreGrade.EXCELLENT] * 3 + list(CadreGrade)
        return [
            AssessmentFact(
                self.uuid(),
                AssessmentKind.ANNUAL if i % 3 else self.rng.choice(list(AssessmentKind)[:5]),
                year,
                self.rng.choice(grades),
                revoked=self.rng.random() < 0.05,
            )
            for i, year in enumerate(years)
        ]

    def accident(self, posts: list[PostFact]) -> AccidentFact:
        p = self.rng.choice(posts)
        occurred_on = self.day(p.start_date.year, 2025)
        at = datetime(occurred_on.year, occurred_on.month, occurred_on.day, 8, 30, tzinfo=CST)
        concluded = self.rng.random() < 0.6
        return AccidentFact(
            id=self.uuid(),
            org_unit_id=p.org_unit.id,
            occurred_at=at,
            occurred_on=occurred_on,
            industry=self.rng.choice(list(Industry)),
            level=self.rng.choice(list(AccidentLevel)),
            deaths=self.rng.randint(0, 12),
            serious_injuries=self.rng.randint(0, 20),
            direct_loss_cny=Decimal(self.rng.randint(0, 10_000_000)) / 100,
            investigation_status=(
                InvestigationStatus.CONCLUDED if concluded else InvestigationStatus.OPEN
            ),
            concluded_on=occurred_on + timedelta(days=180) if concluded else None,
            reporting_failures=tuple(self.rng.sample(list(ReportingFailure), 1))
            if self.rng.random() < 0.2
            else (),
        )

    def case(self, posts: list[PostFact], accidents: list[AccidentFact]) -> CaseFact:
        opened = self.day(2014, 2025)
        status = self.rng.choices(list(CaseStatus), weights=[2, 7, 1])[0]
        decided = opened + timedelta(days=self.rng.randint(30, 300))
        methods = tuple(self.rng.sample(list(Method), self.rng.randint(0, 2)))
        probation = self.rng.random() < 0.2
        accident = self.rng.choice(accidents) if accidents and self.rng.random() < 0.5 else None
        return CaseFact(
            id=self.uuid(),
            circumstance=self.rng.choice(list(Circumstance)),
            status=status,
            opened_on=opened,
            decision_date=decided if status is not CaseStatus.UNDER_INVESTIGATION else None,
            authority="泸州市纪委监委",
            document_number=f"泸纪〔{decided.year}〕{self.rng.randint(1, 99)}号",
            methods=methods,
            party_sanction=PartySanction.PROBATION
            if probation
            else self.rng.choice([None, None, *PartySanction]),
            party_probation_months=self.rng.choice([None, 12, 24]) if probation else None,
            admin_sanction=self.rng.choice([None, None, *AdminSanction]),
            suspension_months=self.rng.choice([None, 6, 12]),
            leniency=self.rng.choice([None, None, None, *Leniency]),
            criminal_penalty=self.rng.random() < 0.1,
            criminal_penalty_completed_on=self.day(2016, 2024) if self.rng.random() < 0.5 else None,
            accident_id=None if accident is None else accident.id,
            post_id=self.rng.choice(posts).id if self.rng.random() < 0.3 else None,
        )

    def facts(self, kind: str) -> CadreFacts:
        rng = self.rng
        posts = self.posts({"none": 1, "few": 2, "heavy": rng.randint(3, 4)}[kind])
        fields: dict[str, Any] = {}
        if kind != "none":
            heavy = kind == "heavy"
            accidents = [self.accident(posts) for _ in range(rng.randint(2, 4) if heavy else 1)]
            if not heavy and rng.random() < 0.5:
                accidents = []
            cases = [self.case(posts, accidents) for _ in range(rng.randint(2, 4) if heavy else 1)]
            if not heavy and rng.random() < 0.5:
                cases = []
            fields = {
                "posts": posts,
                "assessments": self.assessments(8 if heavy else 5),
                "accidents": accidents,
                "cases": cases,
                "unit_assessments": [
                    UnitAssessmentFact(
                        self.uuid(),
                        p.org_unit.id,
                        rng.randint(2015, 2025),
                        rng.choice(list(UnitGrade)),
                        Decimal(rng.randint(0, 10000)) / 100 if rng.random() < 0.7 else None,
                    )
                    for p in posts
                ]
                if heavy or rng.random() < 0.3
                else [],
                "commendations": [
                    CommendationFact(
                        self.uuid(),
                        rng.choice(list(CommendationKind)),
                        rng.choice(list(CommendationBasis)),
                        2020,
                        date(2020, 12, 1),
                    )
                ]
                if rng.random() < 0.2
                else [],
                "contributions": [
                    ContributionFact(
                        self.uuid(), rng.choice(list(CommendationBasis)), 2023, date(2023, 5, 1)
                    )
                ]
                if rng.random() < 0.2
                else [],
                "investigations": [
                    CadreInvestigationFact(
                        self.uuid(),
                        self.day(2018, 2025),
                        rng.choice([None, *Purpose]),
                        rng.choice(list(InvestigationResult)),
                    )
                ]
                if heavy or rng.random() < 0.2
                else [],
                "statuses": [
                    StatusEventFact(self.uuid(), rng.choice(list(CadreStatus)), self.day(2020))
                ]
                if heavy and rng.random() < 0.5
                else [],
            }
        fields["posts"] = posts
        target = None
        if rng.random() < 0.15:
            soe = [u for u in self.units if u.kind is OrgUnitKind.STATE_OWNED_ENTERPRISE]
            target = TargetPost(rng.choice(soe or self.units), "董事长")
        return CadreFacts(
            cadre_id=self.uuid(),
            name="张某某",
            birth_date=date(1970, 5, 1),
            known_at=KNOWN_AT,
            target=target,
            **{name: tuple(values) for name, values in fields.items()},
        )


def population(n: int) -> list[tuple[str, CadreFacts, Purpose]]:
    gen = Gen(20250601)
    kinds = ["none"] * 60 + ["few"] * 30 + ["heavy"] * 10
    purposes = [p for p in Purpose if p is not Purpose.SOE_HEAD_APPOINTMENT]
    out = []
    for i in range(n):
        kind = kinds[i % 100]
        facts = gen.facts(kind)
        if facts.target is not None:
            purpose = Purpose.SOE_HEAD_APPOINTMENT
        else:
            purpose = Purpose.PROMOTION if i % 2 else purposes[(i // 2) % len(purposes)]
        out.append((kind, facts, purpose))
    return out


def best_of(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of `repeat` runs, in seconds (garbage collected before each)."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


Cadres = list[tuple[str, CadreFacts, Purpose]]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rulebook = default_rulebook()
    built = time.perf_counter()
    cadres = population(n)
    built = time.perf_counter() - built
    print(f"built {n} cadres in {built:.2f} s (60% no records, 30% a few, 10% heavy)")

    def evaluate_all(items: Cadres) -> Callable[[], object]:
        return lambda: [evaluate(f, p, AS_OF, rulebook) for _, f, p in items]

    def digest_all(items: Cadres) -> Callable[[], object]:
        return lambda: [facts_sha256(f) for _, f, _ in items]

    evaluate_all(cadres[:200])()  # warm up
    total = best_of(3, evaluate_all(cadres))
    digest = best_of(3, digest_all(cadres))
    print(
        f"evaluate      : {total / n * 1e6:8.1f} µs per call "
        f"({n / total:,.0f} evaluations/s, {total * 1e3:.0f} ms for {n})"
    )
    print(f"facts_sha256  : {digest / n * 1e6:8.1f} µs per call")
    if "facts_sha256" in inspect.signature(evaluate).parameters:
        # As when the caller has the digest already (it takes the snapshot to store anyway).
        digests = [facts_sha256(f) for _, f, _ in cadres]
        pairs = list(zip(cadres, digests, strict=True))
        rules = best_of(
            3, lambda: [evaluate(f, p, AS_OF, rulebook, facts_sha256=h) for (_, f, p), h in pairs]
        )
        print(f"  rules only  : {rules / n * 1e6:8.1f} µs per call (evaluate given the digest)")
    for kind in ("none", "few", "heavy"):
        items = [c for c in cadres if c[0] == kind]
        t = best_of(3, evaluate_all(items))
        h = best_of(3, digest_all(items))
        print(
            f"  {kind:<6} ({len(items):>5}): evaluate {t / len(items) * 1e6:7.1f} µs, "
            f"facts_sha256 {h / len(items) * 1e6:7.1f} µs"
        )

    check = hashlib.sha256()
    findings = 0
    for _, f, p in cadres:
        data = decision_to_dict(evaluate(f, p, AS_OF, rulebook))
        data.pop("facts_sha256")
        findings += len(data["findings"])
        check.update(json.dumps(data, sort_keys=True, ensure_ascii=False).encode())
    print(f"decisions digest (without facts_sha256): {check.hexdigest()[:16]}, {findings} findings")


if __name__ == "__main__":
    main()
