"""Resident identity numbers (GB 11643-1999): 6-digit region code, 8-digit birth date, 3-digit
sequence (odd for men, even for women), and an ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.domain.enums import Gender

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")
# First two digits: the province-level division codes of GB/T 2260 (plus 71/81/82/83 for
# Taiwan, Hong Kong, Macao and the 2017 code for residence permits of HK/Macao/Taiwan people).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
        "65", "71", "81", "82", "83",
    }
)  # fmt: skip


class InvalidIdNumber(ValueError):
    """The text is not a valid resident ID number; the message says why."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    region_code: str
    birth_date: date
    gender: Gender

    @property
    def masked(self) -> str:
        return mask(self.value)


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def normalize(text: str) -> str:
    return text.strip().upper()


def parse(text: str, *, today: date) -> IdNumber:
    """Parse and check an ID number; `today` bounds the birth date (the caller's clock)."""
    value = normalize(text)
    if len(value) != 18:
        raise InvalidIdNumber(f"must be 18 characters, got {len(value)}")
    if not _SHAPE.match(value):
        raise InvalidIdNumber("must be 17 digits followed by a digit or X")
    if value[:2] not in PROVINCE_CODES or value[2:6] == "0000":
        raise InvalidIdNumber(f"region code {value[:6]} is not an administrative division")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidIdNumber(f"birth date {value[6:14]} is not a real date") from None
    if born.year < 1900 or born > today:
        raise InvalidIdNumber(f"birth date {born.isoformat()} is out of range")
    expected = check_character(value[:17])
    if value[17] != expected:
        raise InvalidIdNumber(f"check digit is {value[17]}, expected {expected} (GB 11643)")
    gender = Gender.MALE if int(value[16]) % 2 == 1 else Gender.FEMALE
    return IdNumber(value=value, region_code=value[:6], birth_date=born, gender=gender)


MASK_KEEP_FIRST, MASK_KEEP_LAST = 2, 2


def mask(value: str) -> str:
    """`51**************34`: the province and the last two characters only.

    Chosen so that nothing else a reader without `pii:read` sees gives the number back: such a
    reader sees the birth month but not the day (see `app.security.disclosure`), so the county,
    the day and two sequence digits stay unknown — hundreds of valid numbers per mask even when
    the county is guessed from the jurisdiction (the check digit removes only 10 in 11). The old
    mask (`510502********1234`) hid exactly the birth date, which the same response showed.
    Idempotent: masking a masked number (of either style) gives the same mask."""
    hidden = len(value) - MASK_KEEP_FIRST - MASK_KEEP_LAST
    return f"{value[:MASK_KEEP_FIRST]}{'*' * hidden}{value[-MASK_KEEP_LAST:]}"
