"""The opinion letter as an A4 PDF, following GB/T 9704-2012 《党政机关公文格式》 as far as a
generated document can (see `render` for the elements).

The PDF embeds a subset of Noto Serif SC (SIL OFL, from the `pylopdf_fonts_zh_cn` wheel); the
title and headings use the same face, emboldened with the fill+stroke text rendering mode. The
font is parsed once per process; each render only re-opens the file lazily for subsetting.
Deterministic: the same document gives the same bytes.
"""

from __future__ import annotations

import copy
import functools
import importlib.resources
import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Literal

from fontTools import ttLib
from fpdf import FPDF
from fpdf.enums import TextMode, XPos, YPos
from fpdf.fonts import SubsetMap, TTFFont

from app import clock
from app.consultations.document import OpinionDocument
from app.consultations.letter import Letter, LogSeal, compose

# The PDF is laid out in points (fpdf2 unit "pt"): fpdf2 writes some operators (character
# spacing, the stroke width of the text rendering mode) without converting user units.
_MM = 72 / 25.4  # points per millimetre
_PAGE_W, _PAGE_H = 210 * _MM, 297 * _MM
# GB/T 9704-2012 §5.2.3: top 37 mm, left 28 mm, text block 156 mm x 225 mm.
_TOP, _LEFT, _RIGHT, _BOTTOM = 37 * _MM, 28 * _MM, 26 * _MM, 35 * _MM
_TEXT_W = _PAGE_W - _LEFT - _RIGHT
_TEXT_BOTTOM = _PAGE_H - _BOTTOM
_LINE = (_PAGE_H - _TOP - _BOTTOM) / 22  # 22 lines a page

_RED = (208, 0, 15)
_GREY = (85, 85, 85)
_BODY_PT = 16.0  # 三号
_TITLE_PT = 22.0  # 二号
_COLOPHON_PT = 14.0  # 四号
_PAGENO_PT = 14.0  # 四号
_ISSUER_PT = 30.0
_SMALL_PT = 8.5

_FAMILY = "notoserifsc"
_FONT_FILE = "NotoSerifSC-Regular.otf"

# Characters that must not begin a line, and characters that must not end one (避头尾).
_NO_LINE_START = frozenset("，。、；：？！）》」』”’〕】〉…—·%％,.;:?!)]}")
_NO_LINE_END = frozenset("（《「『“‘〔【〈([{")
# Runs kept together when they fit on a line (numbers, masked ids, hashes, Latin words).
_TOKEN = re.compile(r"[0-9A-Za-z*#._\-/+@]+|\s+|.", re.DOTALL)


def _font_path() -> Path:
    resource = importlib.resources.files("pylopdf_fonts_zh_cn") / _FONT_FILE
    return Path(str(resource))


@functools.cache
def _font_template() -> TTFFont:
    """Noto Serif SC parsed once per process: metrics, cmap and descriptor for fpdf2."""
    probe = FPDF()
    probe.add_font(_FAMILY, "", _font_path())
    font = probe.fonts[_FAMILY]
    assert isinstance(font, TTFFont)
    return font


_template_lock = threading.Lock()


def _install_font(pdf: FPDF) -> None:
    """Register the cached face with `pdf` without re-parsing it.

    fpdf2 subsets the font by mutating its fontTools object when the PDF is written, so each
    document gets a fresh, lazily opened `TTFont` (cheap) and a fresh subset map, while the
    parsed metrics (widths, cmap, glyph ids, descriptor) are shared read-only. This mirrors
    what `TTFFont.__deepcopy__` does in fpdf2.
    """
    with _template_lock:
        template = _font_template()
    font = copy.copy(template)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(
        template.ttffile, recalcTimestamp=False, recalcBBoxes=False, lazy=True
    )
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    font.subset = SubsetMap(font)
    pdf.fonts[_FAMILY] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


def _wrap(width_of: Callable[[str], float], text: str, width: float) -> list[str]:
    """Break `text` into lines no wider than `width`, Chinese style.

    Any character may end a line, except that closing punctuation never begins a line and
    opening punctuation never ends one (the offending characters move to the next line).
    Runs of digits / Latin letters stay together when they fit on a line.
    """
    tokens: list[str] = []
    for token in _TOKEN.findall(text):
        if len(token) > 1 and not token.isspace() and width_of(token) > width:
            tokens.extend(token)
        else:
            tokens.append(token)

    lines: list[list[str]] = [[]]
    for token in tokens:
        line = lines[-1]
        if not line or width_of("".join([*line, token])) <= width + 1e-6:
            if line or not token.isspace() or len(lines) == 1:
                line.append(token)
            continue
        if token.isspace():
            lines.append([])
            continue
        carried = [token]
        while len(line) > 1 and (carried[0][0] in _NO_LINE_START or line[-1][-1] in _NO_LINE_END):
            carried.insert(0, line.pop())
        lines.append(carried)
    return ["".join(line).rstrip() for line in lines if "".join(line).strip()]


class _LetterPDF(FPDF):
    """A4 page with GB/T 9704-2012 margins and page numbers "— 1 —" in the footer
    (odd pages right-aligned, even pages left-aligned, one character in from the edge)."""

    def footer(self) -> None:
        self.set_text_color(0, 0, 0)
        self.set_font(_FAMILY, size=_PAGENO_PT)
        label = f"— {self.page_no()} —"
        em = _PAGENO_PT
        width = self.get_string_width(label)
        x = _PAGE_W - _RIGHT - em - width if self.page_no() % 2 else _LEFT + em
        self.set_xy(x, _TEXT_BOTTOM + 7 * _MM)
        self.cell(width, _PAGENO_PT, label)


class _Layout:
    """Writes the composed letter onto a `_LetterPDF`, line by line."""

    def __init__(self, pdf: _LetterPDF) -> None:
        self.pdf = pdf
        self.bold = False

    # -- primitives ---------------------------------------------------------------------------

    def font(
        self, size: float, *, bold: bool = False, color: tuple[int, int, int] = (0, 0, 0)
    ) -> None:
        """Current face size and colour; `bold` strokes the glyph outlines as well."""
        pdf = self.pdf
        pdf.set_font(_FAMILY, size=size)
        pdf.set_text_color(*color)
        pdf.set_draw_color(*color)
        self.bold = bold

    def room(self, height: float) -> None:
        """Start a new page unless `height` (pt) fits above the bottom margin."""
        if self.pdf.get_y() + height > _TEXT_BOTTOM + 1e-6:
            self.pdf.add_page()

    def line(
        self,
        text: str,
        height: float,
        *,
        x: float = _LEFT,
        width: float = _TEXT_W,
        align: Literal["L", "C", "R"] = "L",
        justify: bool = False,
    ) -> None:
        """One line of text; `justify` spreads the characters to fill `width` exactly.

        The text mode and character spacing are set in a local graphics context (q … Q):
        fpdf2 does not reset the text rendering mode by itself after a stroked line."""
        pdf = self.pdf
        spacing = 0.0
        if justify and len(text) > 1:
            slack = width - pdf.get_string_width(text)
            if slack > 0:
                spacing = round(slack / (len(text) - 1), 2)
        self.room(height)
        style: dict[str, object] = {}
        if self.bold:
            style["text_mode"] = TextMode.FILL_STROKE
            style["line_width"] = pdf.font_size_pt * 0.028
        if style or spacing:
            with pdf.local_context(**style):
                pdf.set_char_spacing(spacing)  # emits Tc (local_context alone does not)
                pdf.set_x(x)
                pdf.cell(width, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        else:
            pdf.set_x(x)
            pdf.cell(width, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def paragraph(
        self,
        text: str,
        height: float,
        *,
        indent: int = 2,
        x: float = _LEFT,
        width: float = _TEXT_W,
        align: Literal["L", "C"] = "L",
        justify: bool = True,
    ) -> None:
        lines = _wrap(self.pdf.get_string_width, "\u3000" * indent + text, width)
        for i, line in enumerate(lines):
            last = i == len(lines) - 1
            self.line(line, height, x=x, width=width, align=align, justify=justify and not last)

    def rule(self, y: float, thickness: float, color: tuple[int, int, int] = (0, 0, 0)) -> None:
        pdf = self.pdf
        pdf.set_draw_color(*color)
        pdf.set_line_width(thickness)
        pdf.line(_LEFT, y, _PAGE_W - _RIGHT, y)

    # -- the letter ---------------------------------------------------------------------------

    def write(self, letter: Letter) -> None:
        pdf = self.pdf
        pdf.add_page()

        # 发文机关标志: red, centred, shrunk to the text width when the name is long.
        size = _ISSUER_PT
        self.font(size, bold=True, color=_RED)
        natural = pdf.get_string_width(letter.issuing_unit)
        if natural > _TEXT_W:
            size *= _TEXT_W / natural
            self.font(size, bold=True, color=_RED)
        pdf.set_y(_TOP)
        self.line(letter.issuing_unit, size * 1.3, align="C")

        # 发文字号 two lines below, centred; the red rule 4 mm under it.
        self.font(_BODY_PT)
        pdf.set_y(pdf.get_y() + _LINE)
        self.line(letter.document_number, _LINE, align="C")
        rule_y = pdf.get_y() + 1 * _MM
        self.rule(rule_y, 0.6 * _MM, _RED)

        # Title two lines below the rule, bold, centred.
        pdf.set_y(rule_y + _LINE * 1.5)
        self.font(_TITLE_PT, bold=True)
        title_height = _TITLE_PT * 1.45
        self.paragraph(letter.title, title_height, indent=0, align="C", justify=False)

        # 主送机关, then the body.
        self.font(_BODY_PT)
        pdf.set_y(pdf.get_y() + _LINE * 0.5)
        self.paragraph(letter.addressee, _LINE, indent=0)
        for para in letter.body:
            if para.kind == "heading":
                self.room(_LINE * 2)  # never strand a heading at the foot of a page
                self.font(_BODY_PT, bold=True)
                self.paragraph(para.text, _LINE)
                self.font(_BODY_PT)
            else:
                self.paragraph(para.text, _LINE)

        # Closing, signature and date kept together. Without a seal, GB/T 9704-2012 §7.3.5.2:
        # the signature 右空二字, the date on the next line starting two characters further
        # right; a date longer than the signature is itself 右空二字 and the signature moves
        # left with it. A signature too long for that is wrapped and starts at the margin.
        em = _BODY_PT
        right = _PAGE_W - _RIGHT
        signature = _wrap(pdf.get_string_width, letter.signature, _TEXT_W - 2 * em)
        self.room(_LINE * (3 + len(signature)))
        self.paragraph(letter.closing, _LINE)
        sig_w = max(pdf.get_string_width(line) for line in signature)
        date_w = pdf.get_string_width(letter.date)
        sig_x = right - 2 * em - sig_w
        date_x = sig_x + 2 * em
        if date_x + date_w > right - 2 * em:
            date_x = right - 2 * em - date_w
            sig_x = date_x - 2 * em
        sig_x = max(sig_x, _LEFT)
        pdf.set_y(pdf.get_y() + _LINE)
        for line in signature:
            self.line(line, _LINE, x=sig_x, width=sig_w + 1)
        self.line(letter.date, _LINE, x=date_x, width=date_w + 1)

        # 附注: the validity of the opinion.
        pdf.set_y(pdf.get_y() + _LINE * 0.5)
        self.paragraph(letter.note, _LINE)

        self.colophon(letter)

    def colophon(self, letter: Letter) -> None:
        """版记 at the foot of the last page (抄送 and 印发 between rules, 左右各空一字),
        then the verification lines."""
        pdf = self.pdf
        em = _COLOPHON_PT
        row = em * 1.9
        small = _SMALL_PT * 1.5
        inner = _TEXT_W - 2 * em
        width_of = pdf.get_string_width

        self.font(_COLOPHON_PT)
        label = "抄送："
        label_w = width_of(label)
        copy_lines: list[str] = []
        if letter.copies:
            copy_lines = _wrap(width_of, letter.copies.removeprefix(label), inner - label_w)
        # 印发机关 on the left, 印发日期 on the right; a long name gets its own line(s).
        if width_of(letter.printed_by) + em + width_of(letter.printed_date) <= inner:
            printing = [(letter.printed_by, letter.printed_date)]
        else:
            printing = [(line, "") for line in _wrap(width_of, letter.printed_by, inner)]
            printing.append(("", letter.printed_date))
        self.font(_SMALL_PT, color=_GREY)
        verification = [
            line for text in letter.verification for line in _wrap(width_of, text, _TEXT_W)
        ]

        height = (len(copy_lines) + len(printing)) * row + 2 * _MM + len(verification) * small
        if pdf.get_y() + _LINE / 2 + height > _TEXT_BOTTOM:
            pdf.add_page()
        top = _TEXT_BOTTOM - height

        self.font(_COLOPHON_PT)
        self.rule(top, 0.35 * _MM)
        pdf.set_y(top)
        for i, text in enumerate(copy_lines):
            if i == 0:
                pdf.set_x(_LEFT + em)
                pdf.cell(label_w, row, label)
            pdf.set_x(_LEFT + em + label_w)
            pdf.cell(inner - label_w, row, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if copy_lines:
            self.rule(pdf.get_y(), 0.25 * _MM)
        for left_text, right_text in printing:
            y = pdf.get_y()
            pdf.set_xy(_LEFT + em, y)
            pdf.cell(inner, row, left_text)
            pdf.set_xy(_LEFT + em, y)
            pdf.cell(inner, row, right_text, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.rule(pdf.get_y(), 0.35 * _MM)

        pdf.set_y(pdf.get_y() + 2 * _MM)
        self.font(_SMALL_PT, color=_GREY)
        for line in verification:
            pdf.set_x(_LEFT)
            pdf.cell(_TEXT_W, small, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _creation_date(doc: OpinionDocument) -> datetime:
    """Fixed PDF creation date: the time of issue (naive values are taken as UTC), else
    midnight China time on the date of the letter."""
    if doc.issued_at is not None:
        if doc.issued_at.tzinfo is None:
            return doc.issued_at.replace(tzinfo=UTC)
        return doc.issued_at
    return datetime.combine(doc.issued_on, time(0), tzinfo=clock.zone())


def render_pdf(doc: OpinionDocument, seal: LogSeal | None = None) -> bytes:
    """The opinion as an A4 PDF with an embedded subset of Noto Serif SC. Deterministic."""
    letter = compose(doc, seal)
    pdf = _LetterPDF(orientation="portrait", unit="pt", format="A4")
    pdf.set_margins(_LEFT, _TOP, _RIGHT)
    pdf.set_auto_page_break(True, margin=_BOTTOM)
    pdf.set_creation_date(_creation_date(doc))
    pdf.set_title(f"{doc.title}（{doc.document_number}）")
    pdf.set_author(doc.issuing_unit)
    pdf.set_subject(doc.document_number)
    pdf.set_keywords(f"sha256:{doc.content_sha256}")
    pdf.set_creator("Cadre Safety Vetting Service")
    pdf.set_lang("zh-CN")
    _install_font(pdf)
    try:
        _Layout(pdf).write(letter)
        return bytes(pdf.output())
    finally:
        for font in pdf.fonts.values():
            if isinstance(font, TTFFont):
                font.ttfont.close()
