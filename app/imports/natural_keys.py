"""Natural keys: which facts a row states, so that the same facts sent again in other bytes (CRLF
line endings, reordered columns, extra spaces, another spreadsheet program) are recognised and
never recorded twice.

- An assessment (考核结果) is its subject (the cadre, or the org unit) + kind + year — the
  identity the database itself holds unique.
- An accountability case (问责) is the cadre + the decision date + the document number
  (文号); when either side has no document number, the deciding authority (决定机关) + the
  circumstance (问责情形) stand for it. Two decisions of one day with different document
  numbers are two cases. A case still under investigation (no decision date) is the cadre + the
  date it was opened + the circumstance.
- A commendation (表彰奖励) is the cadre + kind + award date.

Texts are compared as people type them differently: Unicode NFKC (full-width digits and
letters), without spaces, with every kind of bracket alike (泸纪发〔2025〕3号 = 泸纪发[2025]3号).
Only current records count: the latest version of a record, unless it is revoked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.imports.messages import Says
from app.models import AccountabilityCase, Assessment, Commendation
from app.records.repository import in_array, latest, not_revoked

Row = dict[str, Any]

_SPACE = re.compile(r"\s+")
_OPEN = str.maketrans({c: "[" for c in "〔【［（(｛{「"} | {c: "]" for c in "〕】］）)｝}」"})


def plain(value: Any) -> Any:
    """A value as it compares and hashes alike from a row and from a stored record."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, str):
        folded = unicodedata.normalize("NFKC", value).translate(_OPEN)
        return _SPACE.sub("", folded).casefold()
    return value


def _get(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name)


@dataclass(frozen=True)
class NaturalKey:
    what: Says  # the record, in both languages, for messages
    model: Any
    group: Callable[[Any], Hashable]  # a row or a stored record → the facts it is about
    same: Callable[[Any, Any], bool]  # within one group: do the two state the same fact?
    column: str  # the column a duplicate is reported on
    unique_first_version: bool = False  # the database holds version 1 unique (assessments)

    def subjects(self, rows: Sequence[Row]) -> list[UUID]:
        return list({s for r in rows for s in (r.get("cadre_id"), r.get("org_unit_id")) if s})

    async def current(self, session: AsyncSession, subjects: list[UUID]) -> list[Any]:
        """Current (not revoked) records of these subjects."""
        query = latest(self.model).where(not_revoked(self.model), self._of(subjects))
        return list((await session.execute(query)).scalars())

    async def first_versions(self, session: AsyncSession, subjects: list[UUID]) -> list[Any]:
        query = select(self.model).where(self.model.version == 1, self._of(subjects))
        return list((await session.execute(query)).scalars())

    def _of(self, subjects: list[UUID]) -> Any:
        condition = in_array(self.model.cadre_id, subjects)
        if hasattr(self.model, "org_unit_id"):
            condition = condition | in_array(self.model.org_unit_id, subjects)
        return condition


def _always(_a: Any, _b: Any) -> bool:
    return True


def _assessment_group(item: Any) -> Hashable:
    subject = _get(item, "cadre_id") or _get(item, "org_unit_id")
    return (subject, plain(_get(item, "kind")), _get(item, "year"))


def _commendation_group(item: Any) -> Hashable:
    return (_get(item, "cadre_id"), plain(_get(item, "kind")), _get(item, "awarded_on"))


def _case_group(item: Any) -> Hashable:
    decided = _get(item, "decision_date")
    if decided is None:
        return (_get(item, "cadre_id"), "opened", _get(item, "opened_on"))
    return (_get(item, "cadre_id"), "decided", decided)


def _same_case(a: Any, b: Any) -> bool:
    if _get(a, "decision_date") is None:
        return bool(plain(_get(a, "circumstance")) == plain(_get(b, "circumstance")))
    number_a, number_b = plain(_get(a, "document_number")), plain(_get(b, "document_number"))
    if number_a and number_b:
        return bool(number_a == number_b)
    return (plain(_get(a, "authority")), plain(_get(a, "circumstance"))) == (
        plain(_get(b, "authority")),
        plain(_get(b, "circumstance")),
    )


KEYS = {
    "assessments": NaturalKey(
        Says("考核结果（同一考核对象、考核类型和年度）", "assessment (subject, kind and year)"),
        Assessment,
        _assessment_group,
        _always,
        "year",
        unique_first_version=True,
    ),
    "accountability-cases": NaturalKey(
        Says(
            "问责（同一干部、决定日期和文号，或决定机关和问责情形）",
            "accountability case (cadre, decision date and document number, "
            "or authority and circumstance)",
        ),
        AccountabilityCase,
        _case_group,
        _same_case,
        "decision_date",
    ),
    "commendations": NaturalKey(
        Says("表彰奖励（同一干部、奖励类型和奖励日期）", "commendation (cadre, kind and date)"),
        Commendation,
        _commendation_group,
        _always,
        "awarded_on",
    ),
}


def find(key: NaturalKey, row: Any, among: dict[Hashable, list[Any]]) -> Any | None:
    """The item of `among` (grouped by `key.group`) that states the same fact as `row`."""
    return next((item for item in among.get(key.group(row), ()) if key.same(row, item)), None)


def grouped(key: NaturalKey, items: Sequence[Any]) -> dict[Hashable, list[Any]]:
    out: dict[Hashable, list[Any]] = {}
    for item in items:
        out.setdefault(key.group(item), []).append(item)
    return out
