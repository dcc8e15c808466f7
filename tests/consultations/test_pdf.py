"""The opinion letter rendered as an A4 PDF (GB/T 9704-2012 layout). No database needed."""

from __future__ import annotations

import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

import pypdf
import pytest
from pypdf.generic import ContentStream

from app.consultations import pdf
from app.consultations.document import FactLine, OpinionDocument
from app.consultations.pdf import render_pdf
from tests.consultations.letters import (
    LONG_FACT,
    MM,
    defer,
    flat,
    no_objection,
    objection,
    overridden,
    pdf_pages,
)


@pytest.fixture(scope="module")
def objection_pdf() -> bytes:
    return render_pdf(objection())


def test_pdf_embeds_the_serif_font(objection_pdf: bytes) -> None:
    assert objection_pdf.startswith(b"%PDF-1.")
    assert objection_pdf.rstrip().endswith(b"%%EOF")
    assert b"/BaseFont /MPDFAA+NotoSerifSC" in objection_pdf
    assert b"/FontFile3" in objection_pdf  # the (subset) CFF program is embedded
    reader = pypdf.PdfReader(io.BytesIO(objection_pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (210, 297)  # A4
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "关于张明同志拟任职务安全生产情况的意见（泸应急意〔2026〕12号）"
    assert meta.author == "泸州市应急管理局"
    assert str(meta["/CreationDate"]) == "D:20261128013000Z"  # from issued_at, not the clock


def test_pdf_text(objection_pdf: bytes) -> None:
    pages = pdf_pages(objection_pdf)
    text = "".join(pages)
    for piece in (
        "泸州市应急管理局",
        "泸应急意",
        "2026",
        "12号",
        "关于张明同志拟任职务安全生产情况的意见",
        "中共泸州市委组织部：",
        "张明",
        "510502********1234",
        "泸州市兴泸投资集团有限公司董事长",
        "意见为：有异议。",
        "特此函复。",
        "2026年11月28日",
        "本意见有效期至2027年5月28日",
        "抄送：泸州市人民政府国有资产监督管理委员会。",
        "2026年11月28日印发",
        "0b7f0a0e-8c1e-4c55-9a36-0b8a2c4c1f11",
    ):
        assert piece in text, piece
    # Special characters in a fact come out verbatim (no HTML escaping in the PDF).
    assert "调查组函<2026>&附件" in text
    # The facts keep their order and the long one is printed whole across wrapped lines.
    assert flat(LONG_FACT) in text
    assert text.index("（一）") < text.index("（二）") < text.index("（三）") < text.index("（四）")


def test_long_letter_spills_onto_a_second_page_with_page_numbers(objection_pdf: bytes) -> None:
    pages = pdf_pages(objection_pdf)
    assert len(pages) == 2
    assert pages[0].endswith("—1—")
    assert pages[1].endswith("—2—")
    assert "泸应急意" in pages[0] and "内容摘要" in pages[1]  # header first, colophon last


def test_short_letter_keeps_the_closing_with_the_signature() -> None:
    # GB/T 9704 spacing (22 lines of 三号 a page, header block on page 1) leaves room for about
    # twelve lines of body on the first page, so even a letter without facts takes two pages.
    pages = pdf_pages(render_pdf(no_objection()))
    assert len(pages) == 2
    assert "意见为：无异议。" in pages[0]
    assert "经核查，未发现需要说明的安全生产有关情况。" in pages[0]
    assert pages[1].startswith(
        "特此函复。泸州市应急管理局2026年11月28日（本意见有效期至2027年5月28日）"
    )
    assert "抄送" not in pages[1]
    assert [page[-3:] for page in pages] == ["—1—", "—2—"]


def test_very_long_letter_numbers_every_page() -> None:
    facts = tuple(FactLine(f"第{i}项：{LONG_FACT}", f"依据{i}") for i in range(1, 9))
    pages = pdf_pages(render_pdf(objection(facts=facts)))
    assert len(pages) >= 3
    assert [page[-3:] for page in pages] == [f"—{n}—" for n in range(1, len(pages) + 1)]
    assert "（八）第8项" in "".join(pages)
    assert all("内容摘要" not in page for page in pages[:-1])
    assert "内容摘要" in pages[-1]


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        (defer(), ["意见为：暂缓。", "建议待事故调查结论作出后再行研究。"]),
        (overridden(), ["意见为：无异议。", "复核说明：经复核，上述事故发生时该同志已调离"]),
    ],
    ids=["defer", "override"],
)
def test_pdf_variants(doc: OpinionDocument, words: list[str]) -> None:
    text = "".join(pdf_pages(render_pdf(doc)))
    for word in words:
        assert word in text


def assert_inside_text_block(data: bytes) -> None:
    """Every text origin lies in the 156 mm x 225 mm text block, except the page number,
    which sits in the bottom margin."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    left, right = 28 * MM, (210 - 26) * MM
    bottom, top = 35 * MM, (297 - 37) * MM
    for page in reader.pages:
        origins: list[tuple[float, float, str]] = []

        def visit(text: str, cm: object, tm: list[float], *_: object) -> None:
            if flat(text):
                origins.append((tm[4], tm[5], flat(text)))  # noqa: B023

        page.extract_text(visitor_text=visit)
        page_number = [o for o in origins if o[2].startswith("—")]
        assert len(page_number) == 1
        assert page_number[0][1] < bottom
        for x, y, text in origins:
            if text.startswith("—"):
                continue
            assert left - 0.5 <= x < right, text
            assert bottom <= y <= top, text


def test_pdf_text_stays_inside_the_gbt_9704_text_block(objection_pdf: bytes) -> None:
    assert_inside_text_block(objection_pdf)


def test_long_names_are_shrunk_or_wrapped_inside_the_margins() -> None:
    unit = "泸州市人民政府安全生产委员会办公室（泸州市应急管理局）"
    doc = overridden()
    doc = replace(
        doc,
        issuing_unit=unit,
        title="关于泸州市兴泸投资集团有限公司总经理张明同志拟任泸州市兴泸投资集团有限公司"
        "董事长职务安全生产情况的复函",
        copies_to=("中共泸州市委组织部", "泸州市人民政府国有资产监督管理委员会", "泸州市纪委监委"),
    )
    data = render_pdf(doc)
    assert_inside_text_block(data)
    text = "".join(pdf_pages(data))
    assert text.startswith(unit)
    assert text.count(unit) == 3  # header, signature, 印发机关
    assert "2026年11月28日印发" in text


def test_concurrent_renders_match_sequential_ones(objection_pdf: bytes) -> None:
    # fpdf2 keeps some per-process caches; renders on worker threads must not interfere.
    clean_pdf = render_pdf(no_objection())
    docs = [objection(), no_objection(), objection(), no_objection()]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(render_pdf, docs)) == [objection_pdf, clean_pdf] * 2


def test_pdf_header_is_red_and_title_is_emboldened(objection_pdf: bytes) -> None:
    page = pypdf.PdfReader(io.BytesIO(objection_pdf)).pages[0]
    stream = page.get_contents()
    assert stream is not None
    content = stream.get_data().decode("latin-1")
    fills = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) rg", content)
    assert any(float(r) > 0.7 and float(g) < 0.1 and float(b) < 0.1 for r, g, b in fills)
    strokes = re.findall(r"([\d.]+) ([\d.]+) ([\d.]+) RG", content)
    assert any(float(r) > 0.7 and float(g) < 0.1 and float(b) < 0.1 for r, g, b in strokes)
    # Fill+stroke text (Tr 2) for the header, the title and the headings only: every
    # stroked line is drawn inside q … Q, so the text after it is plain again.
    reader = pypdf.PdfReader(io.BytesIO(objection_pdf))
    operations = ContentStream(stream, reader).operations
    mode, saved, stroked = 0, [], 0
    for operands, operator in operations:
        if operator == b"q":
            saved.append(mode)
        elif operator == b"Q":
            mode = saved.pop()
        elif operator == b"Tr":
            mode = int(operands[0])
        elif operator == b"Tj" and mode == 2:
            stroked += 1
    assert stroked == 1 + 1 + 2  # page 1: header, title, 一、 and 二、
    assert mode == 0


def test_pdf_is_byte_for_byte_deterministic(objection_pdf: bytes) -> None:
    assert render_pdf(objection()) == objection_pdf
    assert render_pdf(no_objection()) == render_pdf(no_objection())
    changed = render_pdf(objection(proposed_post="泸州市兴泸投资集团有限公司监事会主席"))
    assert changed != objection_pdf


def test_naive_and_missing_issue_times_do_not_depend_on_the_host_clock() -> None:
    at = datetime(2026, 11, 28, 1, 30)  # noqa: DTZ001 - naive on purpose
    naive = render_pdf(objection(issued_at=at))
    reader = pypdf.PdfReader(io.BytesIO(naive))
    assert reader.metadata is not None
    assert str(reader.metadata["/CreationDate"]) == "D:20261128013000Z"
    missing = pypdf.PdfReader(io.BytesIO(render_pdf(objection(issued_at=None))))
    assert missing.metadata is not None
    assert str(missing.metadata["/CreationDate"]).startswith("D:20261128000000+08")


def test_pdf_renders_quickly_with_the_font_loaded_once() -> None:
    render_pdf(defer())  # warm
    start = time.perf_counter()
    render_pdf(objection())
    render_pdf(no_objection())
    per_render = (time.perf_counter() - start) / 2
    assert per_render < 1.5  # typically 0.3-0.5 s; generous for loaded CI machines
    assert pdf._font_template.cache_info().misses == 1


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def test_line_breaking_follows_chinese_rules() -> None:
    def width_of(text: str) -> float:
        return float(len(text))  # every character one unit wide

    text = "甲乙丙丁戊，己（庚辛）壬癸。子丑510502********1234寅卯"
    lines = pdf._wrap(width_of, text, 5)
    assert "".join(lines) == text
    for line in lines:
        assert len(line) <= 5
        assert line[0] not in "，。）"
        assert line[-1] != "（"
    # "，" and "）" may not start a line: the character before goes down with them.
    assert lines[:3] == ["甲乙丙丁", "戊，己（庚", "辛）壬癸。"]
    # "（" may not end a line: it goes down with the next character.
    assert pdf._wrap(width_of, "甲乙丙（丁戊己", 4) == ["甲乙丙", "（丁戊己"]
    assert pdf._wrap(width_of, "甲乙丙丁。）戊", 4) == ["甲乙丙", "丁。）戊"]
    # A run of digits that fits on a line stays whole; one too long for any line is split.
    assert pdf._wrap(width_of, "甲乙 2026年", 6) == ["甲乙", "2026年"]
    assert lines[3:5] == ["子丑510", "502**"]
