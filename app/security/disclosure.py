"""What a reader may see of a person: the one field policy for personal data in everything the
service answers or keeps outside the encrypted column.

A reader without `pii:read` sees an ID number only masked (`51**************34`, see
`app.domain.idnumber.mask`) and a birth date only as its month (`birth_month: "1980-01"`, as the
appointment form's 出生年月 gives it; `birth_date` is null). Together these leave the number
unrecoverable. Documents kept as JSON (a consultation's dossier, audit summaries, webhook
payloads) are stored narrowed (`narrow`), and a reader with `pii:read` gets the full values
back from the encrypted column when the document is rendered for them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from app.domain import idnumber

ID_NUMBER_FIELDS = frozenset({"id_number", "candidate_id_number", "id_number_masked"})
BIRTH_DATE_FIELD = "birth_date"
BIRTH_MONTH_FIELD = "birth_month"


def birth_month(value: date | str) -> str:
    """`1980-01`: the month of a birth date (a date or its ISO text)."""
    return value.isoformat()[:7] if isinstance(value, date) else value[:7]


def _narrow_mapping(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in ID_NUMBER_FIELDS and isinstance(item, str) and len(item) == 18:
            out[key] = idnumber.mask(item)
        elif key == BIRTH_DATE_FIELD and isinstance(item, date | str) and item:
            out[key] = None
            out.setdefault(BIRTH_MONTH_FIELD, birth_month(item))
        else:
            out[key] = narrow(item)
    return out


def narrow(value: Any) -> Any:
    """A JSON-like value as a reader without `pii:read` may see it: every ID number masked,
    every birth date reduced to its month, at any depth. Idempotent."""
    if isinstance(value, dict):
        return _narrow_mapping(value)
    if isinstance(value, list | tuple):
        return [narrow(item) for item in value]
    return value


def reveal(person: dict[str, Any], id_number: str, birth_date: date) -> dict[str, Any]:
    """A stored (narrowed) person as a reader with `pii:read` sees it: the full values, taken
    from the encrypted column by the caller."""
    return {
        **person,
        "id_number": id_number,
        BIRTH_DATE_FIELD: birth_date.isoformat(),
        BIRTH_MONTH_FIELD: birth_month(birth_date),
    }
