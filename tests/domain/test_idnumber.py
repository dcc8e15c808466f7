from datetime import date

import pytest

from app.domain.enums import Gender
from app.domain.idnumber import InvalidIdNumber, check_character, mask, parse

TODAY = date(2026, 12, 1)  # a fixed day: the domain takes "today" from its caller


def make(first17: str) -> str:
    return first17 + check_character(first17)


def test_a_valid_number_gives_birth_date_gender_and_region() -> None:
    parsed = parse(make("51050219800229001"), today=TODAY)
    assert parsed.birth_date == date(1980, 2, 29)
    assert parsed.gender is Gender.MALE
    assert parsed.region_code == "510502"


def test_an_even_sequence_digit_is_a_woman() -> None:
    assert parse(make("51050219800101002"), today=TODAY).gender is Gender.FEMALE


def test_the_published_example_check_digit() -> None:
    # GB 11643-1999 appendix example: 11010519491231002X
    assert parse("11010519491231002X", today=TODAY).birth_date == date(1949, 12, 31)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("5105021980010112", "18 characters"),
        ("51050219800101123A", "digit or X"),
        (make("51050219810229001"), "not a real date"),
        (make("99050219800101001"), "region code"),
        (make("51000019800101001"), "region code"),
        (make("51050218890101001"), "out of range"),
        (make("51050220990101001"), "out of range"),
    ],
)
def test_invalid_numbers_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber, match=reason):
        parse(text, today=TODAY)


def test_a_wrong_check_digit_names_the_expected_one() -> None:
    good = make("51050219800101001")
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(InvalidIdNumber, match=f"expected {good[17]}"):
        parse(bad, today=TODAY)


def test_masking_keeps_the_province_and_the_last_two() -> None:
    assert mask("510502198001011234") == "51**************34"


def test_masking_is_idempotent_and_remasks_the_old_style() -> None:
    assert mask(mask("510502198001011234")) == "51**************34"
    assert mask("510502********1234") == "51**************34"


def test_the_birth_date_bound_is_the_callers_today() -> None:
    born_today = make("51050220261201001")
    assert parse(born_today, today=TODAY).birth_date == TODAY
    with pytest.raises(InvalidIdNumber, match="out of range"):
        parse(born_today, today=date(2026, 11, 30))
