"""Spreadsheets in: CSV (UTF-8, with or without BOM, or GBK as Excel in China often saves it)
or XLSX, first row the headers. Cells come out as trimmed strings; empty cells as None."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from app.errors import Unprocessable, UnsupportedMediaType

XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list[str | None]]]  # (line number in the file, cells)


def _cell(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, float) and value.is_integer():
        text = str(int(value))
    return text or None


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unprocessable(
        "The CSV file is neither UTF-8 nor GBK text.", errors=[("body", "unreadable text encoding")]
    )


def _csv(content: bytes) -> Iterator[list[str | None]]:
    for row in csv.reader(io.StringIO(_decode(content), newline="")):
        yield [_cell(v) for v in row]


def _xlsx(content: bytes) -> Iterator[list[str | None]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged file
        raise Unprocessable(
            "The XLSX file cannot be read.", errors=[("body", "not a readable XLSX workbook")]
        ) from None
    sheet = book.worksheets[0]
    for row in sheet.iter_rows(values_only=True):
        yield [_cell(_date_text(v)) for v in row]
    book.close()


def _date_text(value: object) -> object:
    from datetime import date, datetime

    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    return value


def read_sheet(content: bytes, filename: str | None) -> Sheet:
    # The bytes decide (an XLSX file is a zip): a generated client may label every file with
    # one of the media types the operation declares. A file *named* .xlsx must be one.
    name = (filename or "").lower()
    is_xlsx = content.startswith(XLSX_MAGIC) or name.endswith(".xlsx")
    if not is_xlsx and name and not name.endswith((".csv", ".txt")):
        raise UnsupportedMediaType("Send a .csv or .xlsx file.")
    lines = list(_xlsx(content) if is_xlsx else _csv(content))
    while lines and not any(lines[-1]):
        lines.pop()
    if not lines or not any(lines[0]):
        raise Unprocessable("The file has no header row.", errors=[("body", "empty file")])
    headers = [h or "" for h in lines[0]]
    rows = [(i + 2, r) for i, r in enumerate(lines[1:]) if any(r)]
    if not rows:
        raise Unprocessable("The file has a header but no rows.", errors=[("body", "no rows")])
    return Sheet(headers=headers, rows=rows)
