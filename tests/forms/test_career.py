"""简历 lines: separators, open ends, sub-entries, continuations, malformed dates kept."""

from __future__ import annotations

import pytest

from app.forms import CareerEntry, UnparsedLine, YearMonth, career_text, parse_career

YM = YearMonth


def only_entry(text: str) -> CareerEntry:
    career = parse_career(text)
    assert career.unparsed_lines == ()
    assert len(career.entries) == 1
    return career.entries[0]


@pytest.mark.parametrize("separator", ["--", "—", "——", "－", "～", "~", "至", "-", "–", " -- "])
def test_every_separator_style_is_read(separator: str) -> None:
    entry = only_entry(f"2008.07{separator}2012.06  泸州市纳溪区安监局科员")
    assert (entry.start, entry.end, entry.text) == (
        YM(2008, 7),
        YM(2012, 6),
        "泸州市纳溪区安监局科员",
    )


@pytest.mark.parametrize(
    "line",
    [
        "2019.03--        县长",
        "2019.03-  县长",
        "2019.03- 县长",
        "2019.03—至今 县长",
        "2019.03至今 县长",
    ],
)
def test_an_open_end_means_the_post_is_still_held(line: str) -> None:
    entry = only_entry(line)
    assert (entry.start, entry.end, entry.text) == (YM(2019, 3), None, "县长")


@pytest.mark.parametrize("line", ["2019.03-", "2019.03--", "2019.03--   "])
def test_an_open_entry_may_have_no_text(line: str) -> None:
    assert only_entry(line) == CareerEntry(YM(2019, 3), None, "", 1)


def test_months_without_zero_padding_are_read() -> None:
    entry = only_entry("2008.7--2012.6 科员")
    assert (entry.start, entry.end) == (YM(2008, 7), YM(2012, 6))


def test_full_width_digits_and_dots_are_normalised() -> None:
    entry = only_entry("２００８．０７－－２０１２．０６　科员")
    assert (entry.start, entry.end, entry.text) == (YM(2008, 7), YM(2012, 6), "科员")


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
def test_lines_are_split_on_crlf_or_lf(newline: str) -> None:
    career = parse_career(newline.join(["2002.07--2008.06  科员", "2008.06--  副区长"]))
    assert [(e.text, e.line) for e in career.entries] == [("科员", 1), ("副区长", 2)]


def test_continuation_lines_are_appended_to_the_previous_entry() -> None:
    career = parse_career(
        "2008.06--2016.09  泸州市纳溪区安全生产监督管理局副局长、党组\n"
        "                  成员\n"
        "\n"
        "2016.09--         副区长"
    )
    assert [e.text for e in career.entries] == [
        "泸州市纳溪区安全生产监督管理局副局长、党组成员",
        "副区长",
    ]
    assert career.entries[1].line == 4


def test_an_inline_sub_entry_stays_with_its_parent() -> None:
    entry = only_entry("2008.07--2012.06  科员（其间：2010.09--2012.07 中央党校在职研究生学习）")
    assert entry.text == "科员（其间：2010.09--2012.07 中央党校在职研究生学习）"
    assert entry.sub_entries == (
        CareerEntry(YM(2010, 9), YM(2012, 7), "中央党校在职研究生学习", 1),
    )


def test_a_sub_entry_on_a_continuation_line_stays_with_its_parent() -> None:
    career = parse_career(
        "2008.07--2012.06  科员\n          （其间：2010.09--2012.07 中央党校在职研究生学习）"
    )
    (entry,) = career.entries
    assert entry.text == "科员（其间：2010.09--2012.07 中央党校在职研究生学习）"
    assert entry.sub_entries[0].line == 2


def test_dated_lines_inside_an_open_sub_entry_block_belong_to_it() -> None:
    career = parse_career(
        "2008.07--2016.06  科员\n"
        "（其间：2010.09--2012.07 中央党校在职研究生学习；\n"
        "2013.01--2014.01 在某县挂职副县长）\n"
        "2016.06--  副区长"
    )
    assert [e.start for e in career.entries] == [YM(2008, 7), YM(2016, 6)]
    subs = career.entries[0].sub_entries
    assert [(s.start, s.end, s.text, s.line) for s in subs] == [
        (YM(2010, 9), YM(2012, 7), "中央党校在职研究生学习", 2),
        (YM(2013, 1), YM(2014, 1), "在某县挂职副县长", 3),
    ]


def test_an_unclosed_sub_entry_block_does_not_swallow_the_next_entry() -> None:
    career = parse_career(
        "2008.07--2016.06  科员（其间：2010.09--2012.07 学习\n"
        "2012.08--2013.01 挂职\n"
        "2016.06--  副区长"
    )
    assert [e.start for e in career.entries] == [YM(2008, 7), YM(2016, 6)]
    assert [s.text for s in career.entries[0].sub_entries] == ["学习", "挂职"]


def test_an_open_ended_sub_entry_is_read() -> None:
    entry = only_entry("2019.03--  县长（其间：2024.09-- 在职研究生学习）")
    assert entry.sub_entries == (CareerEntry(YM(2024, 9), None, "在职研究生学习", 1),)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("2008.13--2010.01 xx", "month 13"),
        ("20008.01--2010.01 xx", "20008 is not a 4-digit year"),
        ("2008.01--2010.00 xx", "month 0"),
        ("2012.01--2010.01 xx", "before start"),
        ("2008.01--2010 xx", "end date is malformed"),
        ("2008年1月--2010年1月 xx", "does not start with a date range"),
        ("1850.01--1851.01 xx", "outside"),
    ],
)
def test_a_malformed_date_line_is_reported_not_dropped(line: str, reason: str) -> None:
    career = parse_career(f"2002.07--2008.06  科员\n{line}\n2012.01--  副区长")
    assert [e.line for e in career.entries] == [1, 3]
    (unparsed,) = career.unparsed_lines
    assert (unparsed.line, unparsed.text) == (2, line)
    assert reason in unparsed.reason


def test_lines_continuing_a_malformed_line_are_reported_with_it() -> None:
    career = parse_career("2002.07--2008.06  科员\n2008.13--2010.01 某局\n  副局长")
    assert career.entries[0].text == "科员"
    assert career.unparsed_lines[1] == UnparsedLine(
        3, "副局长", "continues line 2, which was not understood"
    )


def test_text_before_the_first_dated_line_is_reported() -> None:
    career = parse_career("简历：\n2002.07--2008.06  科员")
    assert career.unparsed_lines == (UnparsedLine(1, "简历：", "text before the first dated line"),)


def test_a_malformed_sub_entry_is_reported_on_its_line() -> None:
    career = parse_career("2002.07--2008.06  科员\n（其间：2004.13--2007.07 学习）")
    assert career.entries[0].sub_entries == ()
    assert career.unparsed_lines[0].line == 2
    assert career.unparsed_lines[0].reason.startswith("sub-entry: ")


def test_career_text_is_canonical_and_reads_back() -> None:
    career = parse_career(
        "2002.7－2008.6 科员（其间：2004.09--2007.07 学习）\n２０１６．９～  副区长\n2019.03至今"
    )
    text = career_text(career.entries)
    assert text == (
        "2002.07--2008.06  科员（其间：2004.09--2007.07 学习）\n2016.09--         副区长\n2019.03--"
    )
    assert parse_career(text).entries == career.entries


def test_an_empty_career_has_no_entries() -> None:
    assert parse_career("") == parse_career("\n \n")
    assert career_text([]) == ""
