"""Random but valid `CadreFacts` for the snapshot tests: every field type, odd texts, Decimals of
every shape, datetimes in several zones; seeded, so the same on every run."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

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

CST = timezone(timedelta(hours=8))
SHANGHAI = ZoneInfo("Asia/Shanghai")
DECIMALS = [
    Decimal("12.50"),
    Decimal(100),
    Decimal(0),
    Decimal("0.000"),
    Decimal("1E+2"),
    Decimal("-3.25"),
    Decimal("98.6"),
    Decimal("1234567890123456789012345678901.25"),  # more digits than the default context keeps
]
TEXTS = ["纳溪区人民政府", "区长", 'a "quoted" \\ name', "line\nbreak\ttab", "emoji 🚒", "", "—"]


class Gen:
    """Random but reproducible facts touching every field, type and optional value."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128))

    def maybe(self, value: Any) -> Any:
        return value if self.rng.random() < 0.5 else None

    def pick(self, values: Any) -> Any:
        return self.rng.choice(list(values))

    def day(self) -> date:
        return date.fromordinal(self.rng.randint(date(1950, 1, 1).toordinal(), 740_000))

    def moment(self) -> datetime:
        day = self.day()
        zone = self.pick([CST, UTC, SHANGHAI, timezone(timedelta(hours=-5, minutes=-30)), None])
        moment = datetime(day.year, day.month, day.day, self.rng.randint(0, 23), 30, tzinfo=zone)
        return moment.replace(microsecond=self.pick([0, 0, 123456]))

    def tuple_of(self, make: Any, most: int = 3) -> tuple[Any, ...]:
        return tuple(make() for _ in range(self.rng.randint(0, most)))

    def unit(self) -> OrgUnitRef:
        return OrgUnitRef(
            self.uuid(),
            self.pick(TEXTS),
            self.pick(OrgUnitKind),
            self.pick(OrgUnitLevel),
            self.rng.random() < 0.3,
            self.maybe(self.pick(Industry)),
        )

    def post(self) -> PostFact:
        return PostFact(
            self.uuid(),
            self.unit(),
            self.pick(TEXTS),
            self.pick(PositionKind),
            self.pick(SafetyRole),
            self.maybe(self.rng.randint(1, 9)),
            self.day(),
            self.maybe(self.day()),
            self.rng.random() < 0.2,
        )

    def accident(self) -> AccidentFact:
        return AccidentFact(
            self.uuid(),
            self.uuid(),
            self.moment(),
            self.day(),
            self.pick(Industry),
            self.pick(AccidentLevel),
            self.rng.randint(0, 40),
            self.rng.randint(0, 40),
            self.pick(DECIMALS),
            self.pick(InvestigationStatus),
            self.maybe(self.day()),
            tuple(self.rng.sample(list(ReportingFailure), self.rng.randint(0, 2))),
            self.rng.random() < 0.2,
        )

    def case(self) -> CaseFact:
        return CaseFact(
            id=self.uuid(),
            circumstance=self.pick(Circumstance),
            status=self.pick(CaseStatus),
            opened_on=self.day(),
            decision_date=self.maybe(self.day()),
            authority=self.maybe(self.pick(TEXTS)),
            document_number=self.maybe("泸纪〔2024〕7号"),
            methods=tuple(self.rng.sample(list(Method), self.rng.randint(0, 3))),
            party_sanction=self.maybe(self.pick(PartySanction)),
            party_probation_months=self.maybe(self.rng.randint(6, 24)),
            admin_sanction=self.maybe(self.pick(AdminSanction)),
            suspension_months=self.maybe(6),
            leniency=self.maybe(self.pick(Leniency)),
            criminal_penalty=self.rng.random() < 0.3,
            criminal_penalty_completed_on=self.maybe(self.day()),
            referred_to_supervisory_commission=self.rng.random() < 0.3,
            accident_id=self.maybe(self.uuid()),
            post_id=self.maybe(self.uuid()),
        )

    def facts(self) -> CadreFacts:
        rng = self.rng
        return CadreFacts(
            cadre_id=self.uuid(),
            name=self.pick(TEXTS),
            birth_date=self.day(),
            known_at=self.moment() if rng.random() < 0.8 else datetime(2026, 1, 1, tzinfo=UTC),
            statuses=self.tuple_of(
                lambda: StatusEventFact(self.uuid(), self.pick(CadreStatus), self.day())
            ),
            posts=self.tuple_of(self.post),
            assessments=self.tuple_of(
                lambda: AssessmentFact(
                    self.uuid(),
                    self.pick(AssessmentKind),
                    rng.randint(2000, 2030),
                    self.pick(CadreGrade),
                    rng.random() < 0.1,
                ),
                most=6,
            ),
            unit_assessments=self.tuple_of(
                lambda: UnitAssessmentFact(
                    self.uuid(),
                    self.uuid(),
                    rng.randint(2000, 2030),
                    self.pick(UnitGrade),
                    self.maybe(self.pick(DECIMALS)),
                )
            ),
            accidents=self.tuple_of(self.accident),
            cases=self.tuple_of(self.case),
            commendations=self.tuple_of(
                lambda: CommendationFact(
                    self.uuid(),
                    self.pick(CommendationKind),
                    self.pick(CommendationBasis),
                    rng.randint(2000, 2030),
                    self.day(),
                )
            ),
            contributions=self.tuple_of(
                lambda: ContributionFact(
                    self.uuid(), self.pick(CommendationBasis), rng.randint(2000, 2030), self.day()
                )
            ),
            investigations=self.tuple_of(
                lambda: CadreInvestigationFact(
                    self.uuid(),
                    self.day(),
                    self.maybe(self.pick(Purpose)),
                    self.pick(InvestigationResult),
                )
            ),
            target=self.maybe(TargetPost(self.unit(), self.maybe(self.pick(TEXTS)))),
        )


GENERATED = [Gen(seed).facts() for seed in range(300)]


def nested_facts(value: Any) -> list[Any]:
    """Every fact dataclass instance inside `value`, `value` included."""
    if isinstance(value, tuple):
        return [inner for item in value for inner in nested_facts(item)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [value] + [
            inner
            for f in dataclasses.fields(value)
            for inner in nested_facts(getattr(value, f.name))
        ]
    return []
