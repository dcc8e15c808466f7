"""简历 (career) of a 干部任免审批表: one dated line per post, `2008.07--2012.06  科员`.

Choices, so that nothing a writer put in the career is lost:
- Continuation lines (no leading date) are joined to the previous entry's text without a
  separator, because writers wrap long Chinese descriptions by hand for the printed table.
- Sub-entries `（其间：2010.09--2012.07 中央党校在职研究生学习）`, inline or on continuation
  lines, stay verbatim in the parent's `text` and are also parsed into `sub_entries`. While a
  `（其间` parenthesis is open, lines that start with a date belong to it, not to a new entry
  (unless they start at or after the parent's end: the parenthesis was left unclosed).
- A line that starts with a digit but not with a valid date range (`2008.13--…`, `20008.01--…`)
  goes to `unparsed_lines` with its line number and the reason; so do lines continuing it.
- An open end (blank, `至今`) means the post is still held: `end` is None.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

MIN_YEAR, MAX_YEAR = 1900, 2099
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")
_SEPARATOR = r"(?:-+|—+|－+|–+|―+|～|~|〜|至)"
_OPEN_END = "至今"
RANGE = re.compile(
    rf"(?<![0-9])(?P<sy>[0-9]+)\.(?P<sm>[0-9]+)\s*(?:{_OPEN_END}|{_SEPARATOR}\s*"
    rf"(?:(?P<ey>[0-9]+)\.(?P<em>[0-9]+)|{_OPEN_END})?)"
)
_PAREN_TOKEN = re.compile(r"[（(]|[）)]|其间\s*[：:]?")
_OPENERS, _CLOSERS = "（(", "）)"
_ITEM_PUNCTUATION = " \t\n；;，,。、"
_DIGITS = frozenset("0123456789")
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})?")
_DOTTED_DATE = re.compile(r"([0-9]{4})[./-]([0-9]{1,2})(?:[./-]([0-9]{1,2}))?")


def normalize_digits(text: str) -> str:
    """Full-width digits and dots to ASCII, one character for one (offsets stay valid)."""
    return text.translate(_FULL_WIDTH)


def _starts_with_digit(text: str) -> bool:
    return normalize_digits(text[:1]) in _DIGITS


@dataclass(frozen=True, order=True)
class YearMonth:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not MIN_YEAR <= self.year <= MAX_YEAR:
            raise ValueError(f"year {self.year} is outside {MIN_YEAR}–{MAX_YEAR}")
        if not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} is not 1–12")

    def __str__(self) -> str:
        """The form's own notation, `2008.07`."""
        return f"{self.year:04d}.{self.month:02d}"

    def isoformat(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_form_date(text: str) -> tuple[YearMonth | None, date | None]:
    """A form date, `YYYYMM`, `YYYYMMDD` or dotted `YYYY.M(.D)`: the year-month, and the date
    when a day is given; (None, None) when the text is anything else."""
    normalized = normalize_digits(text.strip())
    match = _COMPACT_DATE.fullmatch(normalized) or _DOTTED_DATE.fullmatch(normalized)
    if match is None:
        return None, None
    try:
        year_month = YearMonth(int(match[1]), int(match[2]))
    except ValueError:
        return None, None
    try:
        day = date(year_month.year, year_month.month, int(match[3])) if match[3] else None
    except ValueError:
        day = None
    return year_month, day


@dataclass(frozen=True)
class CareerEntry:
    start: YearMonth
    end: YearMonth | None  # None: still held
    text: str
    line: int  # 1-based line of the career text where the entry starts
    sub_entries: tuple[CareerEntry, ...] = ()  # parsed from （其间：…）; also kept in text


@dataclass(frozen=True)
class UnparsedLine:
    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class Career:
    entries: tuple[CareerEntry, ...] = ()
    unparsed_lines: tuple[UnparsedLine, ...] = ()


def parse_range(match: re.Match[str]) -> tuple[YearMonth, YearMonth | None] | str:
    """The dates of a `RANGE` match, or the reason they are not valid."""
    start = _year_month(match["sy"], match["sm"], "start")
    if isinstance(start, str):
        return start
    if match["ey"] is None:
        return start, None
    end = _year_month(match["ey"], match["em"], "end")
    if isinstance(end, str):
        return end
    if end < start:
        return f"end date {end} is before start date {start}"
    return start, end


def _year_month(year: str, month: str, which: str) -> YearMonth | str:
    if len(year) != 4:
        return f"{which} year {year} is not a 4-digit year"
    if len(month) > 2:
        return f"{which} month {month} has more than 2 digits"
    try:
        return YearMonth(int(year), int(month))
    except ValueError as error:
        return f"{which} date {year}.{month}: {error}"


def parse_career(text: str) -> Career:
    entries: list[CareerEntry] = []
    unparsed: list[UnparsedLine] = []
    draft: _Draft | None = None
    orphan_reason = "text before the first dated line"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if draft is not None and _continues(draft, line):
            draft.append(line, number)
            continue
        if not _starts_with_digit(line):
            unparsed.append(UnparsedLine(number, line, orphan_reason))
            continue
        if draft is not None:
            entries.append(_finish(draft, unparsed))
            draft = None
        started = _start_entry(line, number)
        if isinstance(started, UnparsedLine):
            unparsed.append(started)
            orphan_reason = f"continues line {number}, which was not understood"
        else:
            draft = started
    if draft is not None:
        entries.append(_finish(draft, unparsed))
    return Career(tuple(entries), tuple(sorted(unparsed, key=lambda u: u.line)))


def _start_entry(line: str, number: int) -> _Draft | UnparsedLine:
    match = RANGE.match(normalize_digits(line))
    if match is None:
        return UnparsedLine(number, line, "does not start with a date range like 2008.07--2012.06")
    dates = parse_range(match)
    if isinstance(dates, str):
        return UnparsedLine(number, line, dates)
    rest = line[match.end() :].strip()
    if dates[1] is None and _starts_with_digit(rest):
        return UnparsedLine(number, line, "the end date is malformed")
    draft = _Draft(start=dates[0], end=dates[1], line=number)
    draft.append(rest, number)
    return draft


@dataclass
class _Interludes:
    """The （其间：…） blocks of a text fed line by line, found in one pass: `spans` holds
    [content start, content stop] (stop -1 while open); blocks without a parenthesis run on."""

    spans: list[list[int]] = field(default_factory=list)
    parentheses: list[int | None] = field(default_factory=list)  # open ones: span index or None
    open_blocks: int = 0
    after_opener: bool = False  # an opening parenthesis was the last thing read

    def feed(self, chunk: str, offset: int) -> None:
        position = 0
        for token in _PAREN_TOKEN.finditer(chunk):
            follows_opener = self.after_opener and not chunk[position : token.start()].strip()
            kind = token[0][0]
            if kind in _OPENERS:
                self.parentheses.append(None)
            elif kind in _CLOSERS:
                if self.parentheses and (index := self.parentheses.pop()) is not None:
                    self.spans[index][1] = offset + token.start()
                    self.open_blocks -= 1
            else:
                self.spans.append([offset + token.end(), -1])
                if follows_opener and self.parentheses and self.parentheses[-1] is None:
                    self.parentheses[-1] = len(self.spans) - 1
                    self.open_blocks += 1
            self.after_opener = kind in _OPENERS
            position = token.end()
        self.after_opener = self.after_opener and not chunk[position:].strip()

    def contents(self, length: int) -> list[tuple[int, int]]:
        """(start, stop) of each block's content; a block stops where the next one starts, so
        that nested blocks are not read twice."""
        stops = [stop if stop >= 0 else length for _, stop in self.spans]
        starts = [start for start, _ in self.spans] + [length]
        return [(starts[i], min(stops[i], starts[i + 1])) for i in range(len(self.spans))]


@dataclass
class _Draft:
    """An entry being assembled from its first line and its continuation lines."""

    start: YearMonth
    end: YearMonth | None
    line: int
    parts: list[str] = field(default_factory=list)
    length: int = 0
    offsets: list[int] = field(default_factory=list)  # where each line's text starts
    lines: list[int] = field(default_factory=list)
    interludes: _Interludes = field(default_factory=_Interludes)

    def append(self, text: str, line: int) -> None:
        self.offsets.append(self.length)
        self.lines.append(line)
        self.interludes.feed(text, self.length)
        self.parts.append(text)
        self.length += len(text)

    def line_at(self, offset: int) -> int:
        return self.lines[max(bisect_right(self.offsets, offset) - 1, 0)]


def _finish(draft: _Draft, unparsed: list[UnparsedLine]) -> CareerEntry:
    text = "".join(draft.parts)
    subs = tuple(_sub_entries(draft, text, unparsed))
    return CareerEntry(draft.start, draft.end, text, draft.line, subs)


def _sub_entries(draft: _Draft, text: str, unparsed: list[UnparsedLine]) -> list[CareerEntry]:
    found: list[CareerEntry] = []
    normalized = normalize_digits(text)
    for start, stop in draft.interludes.contents(len(text)):
        ranges = list(RANGE.finditer(normalized, start, stop))
        for i, match in enumerate(ranges):
            item_end = ranges[i + 1].start() if i + 1 < len(ranges) else stop
            line = draft.line_at(match.start())
            dates = parse_range(match)
            if isinstance(dates, str):
                item = text[match.start() : item_end].strip(_ITEM_PUNCTUATION)
                unparsed.append(UnparsedLine(line, item, f"sub-entry: {dates}"))
                continue
            description = text[match.end() : item_end].strip(_ITEM_PUNCTUATION)
            found.append(CareerEntry(dates[0], dates[1], description, line))
    return found


def _continues(draft: _Draft, line: str) -> bool:
    """Whether a line belongs to the entry being assembled: it has no leading date, or it is
    inside an open （其间 block — unless it starts at or after the entry's end, which means
    the block was never closed and this is the next entry."""
    if not _starts_with_digit(line):
        return True
    if draft.interludes.open_blocks == 0:
        return False
    match = RANGE.match(normalize_digits(line))
    dates = parse_range(match) if match else None
    return not (isinstance(dates, tuple) and draft.end is not None and dates[0] >= draft.end)


def career_text(entries: tuple[CareerEntry, ...] | list[CareerEntry]) -> str:
    """Canonical career text (`2008.07--2012.06  text`, blank end when still held), lines
    separated by `\\n`; parse_career reads it back to the same dates and texts."""
    lines = []
    for entry in entries:
        end = str(entry.end) if entry.end is not None else " " * 7
        lines.append(f"{entry.start}--{end}  {entry.text}".rstrip())
    return "\n".join(lines)
