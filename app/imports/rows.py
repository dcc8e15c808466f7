"""From a sheet to row values: headers matched to columns (named afterwards as the file names
them), cells parsed, each problem reported once on its row and column."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.imports import messages
from app.imports.kinds import IGNORED_HEADERS, ImportKind
from app.imports.messages import CellError, RowError, Says
from app.imports.parse import Sheet

# A field of the create schema that no column carries by that name: the columns naming it.
_FIELD_COLUMNS = {
    "cadre_id": ("id_number", "cadre_id"),
    "org_unit_id": ("org_unit", "org_unit_id", "division_code"),
    "subject": ("id_number", "cadre_id", "org_unit", "org_unit_id", "division_code"),
}


@dataclass
class Problems:
    """Row errors, at most one per row and column (the first reason found)."""

    items: list[RowError] = field(default_factory=list)
    _seen: set[tuple[int, str]] = field(default_factory=set)

    def add(self, row: int, column: str, says: Says) -> None:
        if (row, column) not in self._seen:
            self._seen.add((row, column))
            self.items.append(row_error(row, column, says))

    def rows(self) -> set[int]:
        return {e.row for e in self.items}


def row_error(row: int, column: str, says: Says) -> RowError:
    return RowError(row, column, says)


@dataclass(frozen=True)
class Labels:
    """How the file names each column; a column it lacks by its usual Chinese header when the
    file's headers are Chinese, else by its English name."""

    kind: ImportKind
    given: dict[str, str]
    chinese: bool

    def of(self, name: str) -> str:
        for candidate in (name, *_FIELD_COLUMNS.get(name, ())):
            if candidate in self.given:
                return self.given[candidate]
        column = self.kind.column(_FIELD_COLUMNS.get(name, (name,))[0])
        return column.label(self.chinese) if column else name


def cells(
    kind: ImportKind, sheet: Sheet, problems: Problems
) -> tuple[list[dict[str, Any]], Labels]:
    """Each row's parsed values (with its line as `_line`), and the file's column names."""
    mapping = kind.header_map(sheet.headers)
    given: dict[str, str] = {}
    for index, header in enumerate(sheet.headers):
        name = header.strip()
        if not name or name in IGNORED_HEADERS:
            continue
        column = mapping.get(index)
        if column is None:
            problems.add(1, name, messages.UNKNOWN_COLUMN)
        elif column.name in given:
            problems.add(1, name, messages.duplicate_column(given[column.name]))
            del mapping[index]
        else:
            given[column.name] = name
    chinese = any(not h.isascii() for h in given.values())
    parsed = []
    for line, row in sheet.rows:
        values: dict[str, Any] = {"_line": line}
        for index, column in mapping.items():
            raw = row[index] if index < len(row) else None
            if raw is None:
                continue
            try:
                values[column.name] = column.parse(raw)
            except CellError as exc:
                problems.add(line, given[column.name], exc.says)
            except ValueError as exc:
                problems.add(line, given[column.name], Says("取值无效", str(exc)))
        parsed.append(values)
    return parsed, Labels(kind, given, chinese)


def same_name(given: str, recorded: str) -> bool:
    """Names compare without spaces and with any middle dot alike (少数民族姓名: 阿依·买买提)."""

    def fold(name: str) -> str:
        text = unicodedata.normalize("NFKC", name)
        for dot in "·•・‧･.":
            text = text.replace(dot, "·")
        return "".join(text.split())

    return fold(given) == fold(recorded)


@dataclass(frozen=True)
class Subjects:
    """What the rows' references resolve to, within the client's jurisdiction."""

    by_number: dict[str, UUID]  # normalized ID number → cadre
    visible_cadres: set[UUID]
    names: dict[UUID, str]
    units: dict[str, UUID]
