"""The opinion letter rendered as HTML and PDF (GB/T 9704-2012 layout). No database needed."""

from __future__ import annotations

import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pypdf
import pytest
from pypdf.generic import ContentStream

from app.consultations import render
from app.consultations.document import FactLine, OpinionDocument
from app.consultations.render import render_html, render_pdf

MM = 72 / 25.4
LONG_FACT = (
    "该同志任泸州市兴泸投资集团有限公司总经理期间（2019年3月至2023年6月），所属泸州市某化工"
    "有限公司于2021年8月14日发生一起较大生产安全事故，造成3人死亡、2人受伤，直接经济损失约1260"
    "万元；经泸州市人民政府事故调查组调查认定为生产安全责任事故，该同志负有重要领导责任"
)


def objection(**changes: object) -> OpinionDocument:
    doc = OpinionDocument(
        issuing_unit="泸州市应急管理局",
        document_number="泸应急意〔2026〕12号",
        title="关于张明同志拟任职务安全生产情况的意见",
        addressee="中共泸州市委组织部",
        request_reference="泸委组函〔2026〕8号",
        candidate_name="张明",
        candidate_id_number="510502********1234",
        candidate_current_post="泸州市兴泸投资集团有限公司总经理",
        proposed_post="泸州市兴泸投资集团有限公司董事长",
        facts=(
            FactLine(LONG_FACT, "泸州市人民政府泸府函〔2022〕45号事故调查报告批复"),
            FactLine("2022年1月，该同志因上述事故受到党内警告处分。", "泸纪发〔2022〕3号"),
            FactLine("所属单位2023年度安全生产考核等次为“基本合格”", None),
            FactLine("截至核查之日，所属单位另有一起事故正在调查中。", "调查组函 <2026> & 附件"),
        ),
        recommendation="objection",
        recommendation_zh="有异议",
        conclusion="该同志任职期间所在单位发生较大生产安全责任事故，建议不予提拔任用",
        override_reason=None,
        issued_on=date(2026, 11, 28),
        valid_until=date(2027, 5, 28),
        decision_id="0b7f0a0e-8c1e-4c55-9a36-0b8a2c4c1f11",
        rulebook="soe_head_appointment@2026.1",
        copies_to=("泸州市人民政府国有资产监督管理委员会",),
        printed_on=date(2026, 11, 28),
        issued_at=datetime(2026, 11, 28, 1, 30, tzinfo=UTC),
    )
    return replace(doc, **changes)  # type: ignore[arg-type]


def no_objection(**changes: object) -> OpinionDocument:
    base = objection(
        facts=(),
        recommendation="no_objection",
        recommendation_zh="无异议",
        conclusion="未发现该同志任职期间所在单位发生生产安全责任事故，对其拟任职务无异议",
        copies_to=(),
        printed_on=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def defer() -> OpinionDocument:
    return objection(
        facts=(FactLine("所属单位2026年10月发生一起生产安全事故，调查尚未结束。", "事故快报"),),
        recommendation="defer",
        recommendation_zh="暂缓",
        conclusion="建议待事故调查结论作出后再行研究",
    )


def overridden() -> OpinionDocument:
    return objection(
        recommendation="no_objection",
        recommendation_zh="无异议",
        conclusion="对其拟任职务无异议",
        override_reason="经复核，上述事故发生时该同志已调离，不负领导责任",
    )


def flat(text: str) -> str:
    """Extracted PDF text without the spaces and NULs pypdf inserts between CJK glyphs."""
    return re.sub(r"[\s\x00]", "", text)


def pdf_pages(data: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [flat(page.extract_text()) for page in reader.pages]


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

VOID = {"meta", "hr", "br", "img", "link", "input", "col", "area", "base", "wbr", "source"}


class TagChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.doctype: str | None = None
        self.seen: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> with open {self.stack}")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(page)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return checker


def test_html_is_a_well_formed_html5_page() -> None:
    doc = objection()
    page = render_html(doc)
    assert page.startswith("<!DOCTYPE html>\n")
    checker = parse(page)
    assert checker.doctype == "DOCTYPE html"
    tags = [tag for tag, _ in checker.seen]
    assert tags[:3] == ["html", "head", "meta"]
    assert checker.seen[0][1] == {"lang": "zh-CN"}
    assert checker.seen[2][1] == {"charset": "utf-8"}
    assert '<meta charset="utf-8">' in page
    assert f"<title>{doc.title}（{doc.document_number}）</title>" in page
    assert tags.count("h1") == 1 and tags.count("style") == 1
    assert "script" not in tags  # embedded CSS only


def test_html_carries_the_letter_in_gbt_9704_order() -> None:
    doc = objection()
    page = render_html(doc)
    text = "".join(parse(page).text)
    expected_in_order = [
        "泸州市应急管理局",
        "泸应急意〔2026〕12号",
        "关于张明同志拟任职务安全生产情况的意见",
        "中共泸州市委组织部：",
        "你部来函（泸委组函〔2026〕8号）收悉。经核查，现将张明同志安全生产有关情况函复如下：",
        "张明，身份证号码510502********1234，现任泸州市兴泸投资集团有限公司总经理，"
        "拟任泸州市兴泸投资集团有限公司董事长。",
        "（一）" + LONG_FACT + "（依据：泸州市人民政府泸府函〔2022〕45号事故调查报告批复）。",
        "（二）2022年1月，该同志因上述事故受到党内警告处分（依据：泸纪发〔2022〕3号）。",
        "（三）所属单位2023年度安全生产考核等次为“基本合格”。",
        "（四）",
        "意见为：有异议。",
        "该同志任职期间所在单位发生较大生产安全责任事故，建议不予提拔任用。",
        "特此函复。",
        "泸州市应急管理局",
        "2026年11月28日",
        "本意见有效期至2027年5月28日",
        "抄送：泸州市人民政府国有资产监督管理委员会。",
        "2026年11月28日印发",
        "文号：泸应急意〔2026〕12号",
        "决定编号：0b7f0a0e-8c1e-4c55-9a36-0b8a2c4c1f11",
        "规则：soe_head_appointment@2026.1",
        f"内容摘要（SHA-256）：{doc.content_sha256}",
    ]
    position = 0
    for piece in expected_in_order:
        found = text.find(piece, position)
        assert found >= 0, f"{piece!r} missing or out of order"
        position = found + len(piece)
    # CSS: A4, serif CJK body, red header, bold title.
    assert "size: A4" in page
    assert "FangSong" in page and "'Noto Serif SC'" not in page and '"Noto Serif SC"' in page
    assert re.search(r"\.title \{[^}]*font-weight: bold", page)
    assert re.search(r"\.issuer \{[^}]*color: #d0000f", page)


def test_html_escapes_every_field() -> None:
    doc = objection(
        facts=(FactLine('<script>alert("x")</script> & co', "<b>依据</b>"),),
        addressee="A&B <部>",
    )
    page = render_html(doc)
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in page
    assert "（依据：&lt;b&gt;依据&lt;/b&gt;）" in page
    assert "A&amp;B &lt;部&gt;：" in page
    text = "".join(parse(page).text)
    assert '<script>alert("x")</script> & co' in text  # round-trips as text


def test_html_variants() -> None:
    clean = render_html(no_objection())
    assert "意见为：无异议。" in clean
    assert "经核查，未发现需要说明的安全生产有关情况。" in clean
    assert "（一）" not in clean
    assert "抄送" not in clean  # no copies, no 抄送 line
    assert "2026年11月28日印发" in clean  # printing date defaults to the date of the letter

    assert "意见为：暂缓。" in render_html(defer())

    page = render_html(overridden())
    assert "意见为：无异议。" in page
    assert "复核说明：经复核，上述事故发生时该同志已调离，不负领导责任。" in page
    assert "复核说明" not in render_html(objection())

    without_reference = render_html(objection(request_reference=None))
    assert (
        "根据你部征求意见的要求，经核查，现将张明同志安全生产有关情况函复如下："
        in without_reference
    )
    assert "收悉" not in without_reference

    to_sasac = render_html(objection(addressee="泸州市人民政府国有资产监督管理委员会"))
    assert "你委来函" in to_sasac

    many = render_html(
        objection(copies_to=("泸州市纪委监委", "泸州市人民政府办公室"), candidate_current_post=None)
    )
    assert "抄送：泸州市纪委监委，泸州市人民政府办公室。" in many
    assert "现任" not in many


def test_html_is_deterministic() -> None:
    assert render_html(objection()) == render_html(objection())


# --------------------------------------------------------------------------------------------
# Content hash
# --------------------------------------------------------------------------------------------


def test_content_hash_is_stable_and_covers_printed_fields() -> None:
    doc = objection()
    digest = doc.content_sha256
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert objection().content_sha256 == digest
    render_html(doc)
    render_pdf(doc)
    assert doc.content_sha256 == digest  # rendering changes nothing
    # Every printed field changes it …
    assert objection(proposed_post="泸州市兴泸投资集团有限公司总经理").content_sha256 != digest
    assert objection(recommendation_zh="无异议").content_sha256 != digest
    assert objection(facts=objection().facts[:1]).content_sha256 != digest
    assert objection(copies_to=()).content_sha256 != digest
    assert objection(valid_until=date(2027, 5, 29)).content_sha256 != digest
    # … the exact time of issue (PDF metadata only) does not.
    assert objection(issued_at=datetime(2026, 11, 28, 8, tzinfo=UTC)).content_sha256 == digest
    assert f"内容摘要（SHA-256）：{digest}" in "".join(pdf_pages(render_pdf(doc)))


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


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
    naive = render_pdf(objection(issued_at=datetime(2026, 11, 28, 1, 30)))
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
    assert render._font_template.cache_info().misses == 1


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


def test_line_breaking_follows_chinese_rules() -> None:
    def width_of(text: str) -> float:
        return float(len(text))  # every character one unit wide

    text = "甲乙丙丁戊，己（庚辛）壬癸。子丑510502********1234寅卯"
    lines = render._wrap(width_of, text, 5)
    assert "".join(lines) == text
    for line in lines:
        assert len(line) <= 5
        assert line[0] not in "，。）"
        assert line[-1] != "（"
    # "，" and "）" may not start a line: the character before goes down with them.
    assert lines[:3] == ["甲乙丙丁", "戊，己（庚", "辛）壬癸。"]
    # "（" may not end a line: it goes down with the next character.
    assert render._wrap(width_of, "甲乙丙（丁戊己", 4) == ["甲乙丙", "（丁戊己"]
    assert render._wrap(width_of, "甲乙丙丁。）戊", 4) == ["甲乙丙", "丁。）戊"]
    # A run of digits that fits on a line stays whole; one too long for any line is split.
    assert render._wrap(width_of, "甲乙 2026年", 6) == ["甲乙", "2026年"]
    assert lines[3:5] == ["子丑510", "502**"]


@pytest.mark.parametrize(
    ("n", "numeral"),
    [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五")],
)
def test_chinese_numerals(n: int, numeral: str) -> None:
    assert render._chinese_numeral(n) == numeral
