"""Every versioned record kind, in the order their routers appear in the API."""

from app.records.kind import RecordKind
from app.records.kinds.accidents import ACCIDENTS
from app.records.kinds.accountability import ACCOUNTABILITY_CASES
from app.records.kinds.assessments import ASSESSMENTS
from app.records.kinds.cadre_records import (
    CADRE_INVESTIGATIONS,
    CADRE_STATUS_EVENTS,
    COMMENDATIONS,
    CONTRIBUTIONS,
)
from app.records.kinds.duty_performance import DUTY_PERFORMANCES
from app.records.kinds.posts import POSTS
from app.records.kinds.unit_records import INSPECTIONS, SUPERVISION_ITEMS

ALL_KINDS: tuple[RecordKind, ...] = (
    POSTS,
    CADRE_STATUS_EVENTS,
    ASSESSMENTS,
    ACCIDENTS,
    ACCOUNTABILITY_CASES,
    COMMENDATIONS,
    CONTRIBUTIONS,
    CADRE_INVESTIGATIONS,
    DUTY_PERFORMANCES,
    INSPECTIONS,
    SUPERVISION_ITEMS,
)

BY_NAME = {kind.name: kind for kind in ALL_KINDS}
