"""Values for the rulebook's message templates, in Chinese and English.

Chinese labels come from the enums (app.domain.labels); English ones are the enum's English
label in running-text case, with a few phrasings that read better in a sentence.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Mapping
from datetime import date
from enum import StrEnum
from operator import itemgetter
from typing import Any

from app.domain.enums import CadreStatus, Circumstance, Purpose, SafetyRole
from app.domain.labels import en, zh
from app.vetting.rules.facts import AccidentFact, CaseFact, PostFact

_ENGLISH: Mapping[StrEnum, str] = {
    Circumstance.DUTIES_NOT_PERFORMED: "failing to perform work-safety duties",
    Circumstance.OBSTRUCTION: "obstructing safety law enforcement or an accident investigation",
    Circumstance.REPORTING_FAILURE: (
        "leadership responsibility for a late, omitted, false or concealed accident report"
    ),
    Circumstance.ACCIDENT_RESPONSIBILITY: "leadership responsibility for an accident",
    Circumstance.OTHER: "other circumstances warranting accountability",
    Purpose.IMPORTANT_USE: "important use",
    Purpose.SAFETY_COMMENDATION: "a work-safety commendation",
    Purpose.SOE_HEAD_APPOINTMENT: "appointment as principal of a key SOE",
    SafetyRole.FIRST_RESPONSIBLE: "first responsible person",
    SafetyRole.SOE_PRINCIPAL: "SOE principal",
    CadreStatus.RETIRED: "retired",
    CadreStatus.LEFT: "left office",
}


# Labels by enum class and member value, filled on first use: looked up for every finding, so
# kept clear of the Enum machinery (`member.value` and `hash(member)` run Python code).
_ZH_TEXT: dict[type[StrEnum], Mapping[str, str]] = {}
_EN_TEXT: dict[type[StrEnum], Mapping[str, str]] = {}


def en_text(member: StrEnum) -> str:
    """The member's English label in running text (`_ENGLISH`, else its label lower-cased)."""
    texts = _EN_TEXT.get(type(member))
    if texts is None:
        kind = type(member)
        texts = _EN_TEXT[kind] = {m._value_: _ENGLISH.get(m) or en(m).lower() for m in kind}
    return texts[member._value_]


def zh_text(member: StrEnum) -> str:
    """The member's Chinese label: `app.domain.labels.zh`, looked up faster."""
    texts = _ZH_TEXT.get(type(member))
    if texts is None:
        kind = type(member)
        texts = _ZH_TEXT[kind] = {m._value_: zh(m) for m in kind}
    return texts[member._value_]


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# The ISO and Chinese texts of the dates findings name, by date: formatting them is a good
# part of a finding's cost, and a batch names the same few thousand dates over and over.
_DATE_TEXTS: dict[date, tuple[str, str]] = {}
_DATE_TEXTS_KEPT = 50_000


def date_texts(day: date) -> tuple[str, str]:
    """The ISO and the Chinese text of `day`: `(day.isoformat(), zh_date(day))`."""
    texts = _DATE_TEXTS.get(day)
    if texts is None:
        texts = (day.isoformat(), zh_date(day))
        if type(day) is date:  # not a datetime: equal datetimes can differ in text
            if len(_DATE_TEXTS) >= _DATE_TEXTS_KEPT:
                _DATE_TEXTS.clear()
            _DATE_TEXTS[day] = texts
    return texts


def iso_or_open(day: date | None) -> str:
    return "open-ended" if day is None else date_texts(day)[0]


def zh_or_open(day: date | None) -> str:
    return "长期" if day is None else date_texts(day)[1]


def date_values(name: str, day: date | None) -> dict[str, str]:
    """`{name}` as an ISO date and `{name}_zh` as 2025年3月15日 (or "长期"/"open" if none)."""
    return {name: iso_or_open(day), _keys(name)[0]: zh_or_open(day)}


def label_zh(member: StrEnum | None) -> str:
    return "未记录" if member is None else zh_text(member)


def label_en(member: StrEnum | None) -> str:
    return "not recorded" if member is None else en_text(member)


def labelled(name: str, member: StrEnum | None) -> dict[str, str]:
    """`{name}_zh` and `{name}_en` for an enum member."""
    zh_key, en_key = _keys(name)
    return {zh_key: label_zh(member), en_key: label_en(member)}


_KEYS: dict[str, tuple[str, str]] = {}


def _keys(name: str) -> tuple[str, str]:
    """`{name}_zh` and `{name}_en`, made once (a new string is hashed on every dict insert)."""
    keys = _KEYS.get(name)
    if keys is None:
        keys = _KEYS[name] = (f"{name}_zh", f"{name}_en")
    return keys


def case_values(case: CaseFact) -> dict[str, Any]:
    decided, opened = case.decision_date, case.opened_on
    completed = case.criminal_penalty_completed_on
    return {
        "circumstance_zh": label_zh(case.circumstance),
        "circumstance_en": label_en(case.circumstance),
        "leniency_zh": label_zh(case.leniency),
        "leniency_en": label_en(case.leniency),
        "decision_date": iso_or_open(decided),
        "decision_date_zh": zh_or_open(decided),
        "opened_on": iso_or_open(opened),
        "opened_on_zh": zh_or_open(opened),
        "completed_on": iso_or_open(completed),
        "completed_on_zh": zh_or_open(completed),
        "document_number": case.document_number or "—",
    }


def duty_sentences(case: CaseFact) -> tuple[str, str]:
    """What a finding about `case` adds when the case names the duties not performed: each
    duty's article and item, quoted where the rulebook holds the article's wording."""
    zh_parts, en_parts = [], []
    for duty in case.duties:
        if duty.wording == "verbatim":
            zh_parts.append(f"{duty.citation_zh}规定的“{duty.text_zh}”职责")
        else:
            zh_parts.append(f"{duty.citation_zh}规定的职责（要点：{duty.text_zh}）")
        en_parts.append(f"{duty.duty_code} ({duty.text_en})")
    return (
        f"所涉职责：未履行{'；'.join(zh_parts)}。",
        f" Duties not performed: {'; '.join(en_parts)}.",
    )


def accident_values(accident: AccidentFact, org_unit_name: str) -> dict[str, Any]:
    return {
        "level_zh": label_zh(accident.level),
        "level_en": label_en(accident.level),
        "industry_zh": label_zh(accident.industry),
        "industry_en": label_en(accident.industry),
        "accident_date": iso_or_open(accident.occurred_on),
        "accident_date_zh": zh_or_open(accident.occurred_on),
        "org_unit_name": org_unit_name,
    }


def post_values(post: PostFact | None) -> dict[str, Any]:
    if post is None:
        return {"role_zh": "未记录职务", "role_en": "without a recorded post", "org_unit_name": "—"}
    return {**labelled("role", post.safety_role), "org_unit_name": post.org_unit.name}


class _KeepUnknown(dict[str, Any]):
    """Leaves an unfilled placeholder visible instead of failing a whole decision over it."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(template: str, values: Mapping[str, Any]) -> str:
    return template.format_map(_KeepUnknown(values))


Renderer = Callable[[Mapping[str, Any]], str]


def template_names(template: str) -> frozenset[str]:
    """The value names a message template looks up (each field up to any `.` or `[`, and those
    nested in format specs); empty for a template `str.format` cannot parse."""
    names: set[str] = set()
    try:
        for _, name, spec, _ in string.Formatter().parse(template):
            if name is not None:
                names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
            if spec:
                names |= template_names(spec)
    except ValueError:
        return frozenset()
    return frozenset(names)


def compile_template(template: str) -> Renderer:
    """A function that renders `template` with a mapping as `template.format_map` does, faster.

    When every field is a bare name (no conversion, format spec, attribute or index), the
    template becomes a printf-style one filled from a single `itemgetter`: about twice as fast
    as `format_map`, and the same text for the str and int values messages are made of (`%s`
    writes str(value), `format_map` format(value, ""): the same for those). A missing name
    goes through the mapping's `__missing__` either way. Other templates use `format_map`.
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return template.format_map  # fails as it always did, when rendered
    parts: list[str] = []
    keys: list[str] = []
    for literal, name, spec, conversion in parsed:
        parts.append(literal.replace("%", "%%"))
        if name is None:
            continue
        if spec or conversion or not name.isidentifier():
            return template.format_map
        parts.append("%s")
        keys.append(name)
    printf = "".join(parts)
    if not keys:
        text = printf % ()
        return lambda values: text
    if len(keys) == 1:
        key = keys[0]
        return lambda values: printf % (values[key],)
    fetch = itemgetter(*keys)
    return lambda values: printf % fetch(values)
