"""年度考核结果 texts in the styles writers use, ranges included; what is not understood is
kept in `unparsed`."""

from __future__ import annotations

import random

import pytest

from app.domain.enums import CadreGrade
from app.forms import assessments_text, parse_assessments

E, C, B, I = (  # noqa: E741
    CadreGrade.EXCELLENT,
    CadreGrade.COMPETENT,
    CadreGrade.BASICALLY_COMPETENT,
    CadreGrade.INCOMPETENT,
)


@pytest.mark.parametrize(
    ("text", "grades"),
    [
        ("2023、2024年均为称职，2025年为优秀", {2023: C, 2024: C, 2025: E}),
        (
            "2021年度考核为称职；2022年度考核为优秀；2023年度被确定为基本称职",
            {2021: C, 2022: E, 2023: B},
        ),
        ("2022年、2023年考核均为称职", {2022: C, 2023: C}),
        ("2019—2021年连续三年考核为称职", {2019: C, 2020: C, 2021: C}),
        ("2019年至2021年考核结果均为优秀。", {2019: E, 2020: E, 2021: E}),
        ("2019-2020年度考核为不称职", {2019: I, 2020: I}),
        ("2021年，2022年考核均为称职", {2021: C, 2022: C}),
        ("２０２４年度考核为优秀", {2024: E}),
        ("2023年度考核等次为合格；2024年度考核为不合格", {2023: C, 2024: I}),
        ("2024年度考核为基本合格", {2024: B}),
        ("2021年优秀\n2022年称职", {2021: E, 2022: C}),
    ],
)
def test_each_style_is_read(text: str, grades: dict[int, CadreGrade]) -> None:
    result = parse_assessments(text)
    assert result.grades == grades
    assert result.unparsed == ()


def test_longer_grades_are_not_mistaken_for_shorter_ones() -> None:
    assert parse_assessments("2022年为不称职，2023年为基本称职").grades == {2022: I, 2023: B}


@pytest.mark.parametrize(
    ("text", "grades", "unparsed"),
    [
        ("2021年因病未参加考核，2022年为称职", {2022: C}, ("2021年因病未参加考核",)),
        ("2021年，因病未考核，2022年为称职", {2022: C}, ("2021年", "因病未考核")),
        ("近三年均为称职", {}, ("近三年均为称职",)),
        ("23、24年均为称职", {}, ("23、24年均为称职",)),
        ("2022年度考核为称职（援藏期间）", {2022: C}, ("2022年度考核为称职（援藏期间）",)),
        ("2022年为称职；2022年为优秀", {2022: C}, ("2022年为优秀",)),
        ("2022年为良好", {}, ("2022年为良好",)),
        ("2024年", {}, ("2024年",)),
        ("1800年为优秀", {}, ("1800年为优秀",)),
        ("2021—2019年为称职", {}, ("2021—2019年为称职",)),
    ],
)
def test_what_is_not_understood_is_kept(
    text: str, grades: dict[int, CadreGrade], unparsed: tuple[str, ...]
) -> None:
    result = parse_assessments(text)
    assert (result.grades, result.unparsed) == (grades, unparsed)


def test_empty_text_has_no_grades() -> None:
    result = parse_assessments("")
    assert (result.grades, result.unparsed) == ({}, ())


def test_canonical_text_groups_runs_of_the_same_grade() -> None:
    text = assessments_text({2025: E, 2023: C, 2024: C, 2021: C})
    assert text == "2021、2023、2024年度考核均为称职；2025年度考核为优秀"


def test_canonical_text_of_no_grades_is_empty() -> None:
    assert assessments_text({}) == ""


def test_canonical_text_refuses_years_it_could_not_read_back() -> None:
    with pytest.raises(ValueError, match="outside"):
        assessments_text({99: C})


@pytest.mark.parametrize("seed", range(50))
def test_canonical_text_reads_back_to_the_same_grades(seed: int) -> None:
    rng = random.Random(seed)
    years = rng.sample(range(1990, 2030), rng.randrange(0, 12))
    grades = {year: rng.choice(list(CadreGrade)) for year in years}
    result = parse_assessments(assessments_text(grades))
    assert (result.grades, result.unparsed) == (grades, ())
