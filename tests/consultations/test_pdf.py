"""The opinion letter as an A4 PDF: GB/T 9704-2012 §10.1 信函格式, typeset by Typst from
`letter.typ`, read back with pdfplumber (text, positions, faces, colours) and pypdf (metadata).
No database needed."""

from __future__ import annotations

import io
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import Any

import pdfplumber
import pypdf
import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from app.consultations.document import FactLine, OpinionDocument
from app.consultations.stamp import Stamp
from app.consultations.typeset import font_paths, render_pages, render_pdf
from tests.consultations.letters import (
    LOG_SEAL,
    LONG_FACT,
    MM,
    SEAL_SVG,
    defer,
    flat,
    no_objection,
    objection,
    overridden,
    pdf_pages,
)

PITCH = 225 / 22  # mm: 22 lines in the 225 mm text block
CHAR = 156 / 28  # mm: 28 characters in the 156 mm text block
RIGHT = 28 + 156  # mm: the text block's right edge


@pytest.fixture(scope="module")
def objection_pdf() -> bytes:
    return render_pdf(objection(), LOG_SEAL)


class Line:
    """One printed line: its characters (pdfplumber dicts), positions in mm from the top-left."""

    def __init__(self, chars: list[dict[str, Any]]) -> None:
        self.chars = sorted(chars, key=lambda c: c["x0"])
        self.text = "".join(c["text"] for c in self.chars)
        self.top = min(c["top"] for c in chars) / MM
        self.x0 = self.chars[0]["x0"] / MM
        self.x1 = self.chars[-1]["x1"] / MM

    def font_of(self, text: str) -> str:
        at = self.text.index(text)
        names = {c["fontname"].split("+", 1)[-1] for c in self.chars[at : at + len(text)]}
        assert len(names) == 1, names
        return names.pop()


def lines_of(page: Any) -> list[Line]:
    """The page's lines, top to bottom, by baseline (faces differ in where their boxes start)."""
    rows: dict[int, list[dict[str, Any]]] = {}
    for char in page.chars:
        if char["text"].strip():
            rows.setdefault(round(char["matrix"][5] * 4), []).append(char)
    return [Line(rows[key]) for key in sorted(rows, reverse=True)]


def layout(data: bytes) -> list[list[Line]]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [lines_of(page) for page in pdf.pages]


def red(color: Any) -> bool:
    return isinstance(color, tuple) and len(color) == 3 and color[0] > 0.7 and max(color[1:]) < 0.1


def ems(text: str) -> float:
    return sum(1 if ord(c) > 0x2E7F else 0.5 for c in text)


def find(lines: list[Line], text: str) -> Line:
    found = [line for line in lines if text in line.text]
    assert found, text
    return found[0]


# --------------------------------------------------------------------------------------------
# The first page: 信函格式 letterhead
# --------------------------------------------------------------------------------------------


def test_letterhead_sits_30_mm_from_the_top_in_red_biaosong(objection_pdf: bytes) -> None:
    first = layout(objection_pdf)[0]
    issuer = first[0]
    assert issuer.text == "泸州市应急管理局"
    assert abs(issuer.top - 30) <= 1  # GB/T 9704 §10.1: 上边缘至上页边为30mm
    assert abs((issuer.x0 + issuer.x1) / 2 - 105) < 1  # centred on the page
    assert issuer.font_of("泸州市应急管理局") == "FandolSong-Bold"
    assert all(red(c["non_stroking_color"]) for c in issuer.chars)


def test_red_double_rules_under_the_letterhead_and_20_mm_from_the_bottom(
    objection_pdf: bytes,
) -> None:
    with pdfplumber.open(io.BytesIO(objection_pdf)) as pdf:
        first, second = pdf.pages[0], pdf.pages[1]
        issuer_bottom = max(c["bottom"] for c in first.chars[:8]) / MM
        rules = sorted(
            (line["top"] / MM, line["linewidth"])
            for line in first.lines
            if red(line["stroking_color"])
        )
        assert all(red(c) for c in [line["stroking_color"] for line in first.lines])
        widths = {round((line["x1"] - line["x0"]) / MM) for line in first.lines}
        lefts = {round(line["x0"] / MM) for line in first.lines}
        assert not [line for line in second.lines if red(line["stroking_color"])]
    assert widths == {170} and lefts == {20}  # 170 mm long, centred
    assert len(rules) == 4
    (top_a, w_a), (top_b, w_b), (bottom_a, w_c), (bottom_b, w_d) = rules
    assert w_a > w_b and w_c < w_d  # 上粗下细 at the top, 上细下粗 at the bottom
    assert abs(top_a - issuer_bottom - 4) < 1  # 4 mm under the 标志
    assert top_b - top_a < 2 and bottom_b - bottom_a < 2  # double rules
    assert abs(297 - bottom_b - 20) < 1  # 20 mm from the bottom edge


def test_number_at_the_right_under_the_rule_and_the_title_two_lines_below(
    objection_pdf: bytes,
) -> None:
    first = layout(objection_pdf)[0]
    number = first[1]
    assert number.text == "泸应急意〔2026〕12号"
    assert abs(number.x1 - RIGHT) < 0.5  # 顶格居版心右边缘
    title = first[2:4]
    assert [t.text for t in title] == ["关于张明同志拟任职务", "安全生产情况的意见"]  # balanced
    assert all(abs((t.x0 + t.x1) / 2 - (28 + 78)) < 1 for t in title)  # centred
    assert title[0].top - number.top > 2 * PITCH - 1  # 与其上最后一个要素相距二行
    assert {t.font_of(t.text) for t in title} == {"FandolSong-Bold"}
    assert all(c["size"] == pytest.approx(22) for t in title for c in t.chars)  # 2号


def test_no_page_number_on_page_one_and_numbers_outside_from_page_two() -> None:
    facts = tuple(FactLine(f"第{i}项：{LONG_FACT}", f"依据{i}") for i in range(1, 9))
    pages = layout(render_pdf(objection(facts=facts)))
    assert len(pages) >= 3
    assert not any(line.text.startswith("—") for line in pages[0])
    for n, page in enumerate(pages[1:], 2):
        number = page[-1]
        assert number.text == f"—{n}—"
        assert abs(number.top - (37 + 225 + 7)) < 1  # 7 mm under the text block
        assert number.font_of(number.text) == "NotoSerifSC-Regular"  # 宋体
        if n % 2:  # odd pages one character in from the right, even ones from the left
            assert abs(number.x1 - (210 - 26 - 14 / 72 * 25.4)) < 1
        else:
            assert abs(number.x0 - (28 + 14 / 72 * 25.4)) < 1


# --------------------------------------------------------------------------------------------
# The body: grid and faces
# --------------------------------------------------------------------------------------------


def test_body_on_the_grid_in_fangsong_with_heiti_and_kaiti_headings(objection_pdf: bytes) -> None:
    first, second = layout(objection_pdf)
    body = [line for line in second if line.chars[0]["size"] == pytest.approx(16)]
    steps = {round(b.top - a.top, 2) for a, b in itertools.pairwise(body)}
    assert min(steps) == pytest.approx(PITCH, abs=0.05)  # 22 lines a page
    assert all(step / PITCH == pytest.approx(round(step / PITCH), abs=0.02) for step in steps)
    full = [line for line in first + second if abs(line.x1 - RIGHT) < 0.3 and line.x0 < 28.5]
    # 28 characters a line (digits, narrower than half, and squeezed punctuation let in 1–2 more)
    assert full and all(28 <= ems(line.text) <= 30 for line in full)
    # A line may open with a bracket whose blank half Typst trims (行首标点挤压).
    assert all(-CHAR / 2 - 0.3 < line.x0 - 28 < 0.3 for line in full)
    assert find(first, "你部来函").font_of("你部来函") == "FandolFang-Regular"  # 3号仿宋
    assert find(first, "一、基本情况").font_of("一、基本情况") == "NotoSansSC-Regular"  # 黑体
    fact = find(first, "（一）")
    assert fact.font_of("（一）") == "FandolKai-Regular"  # 楷体
    assert fact.font_of("该同志") == "FandolFang-Regular"
    assert abs(find(first, "你部来函").x0 - (28 + 2 * CHAR)) < 0.3  # 段首空二字


def test_pdf_text(objection_pdf: bytes) -> None:
    text = "".join(pdf_pages(objection_pdf))
    for piece in (
        "泸州市应急管理局",
        "泸应急意〔2026〕12号",
        "中共泸州市委组织部：",
        "510502********1234",
        "泸州市兴泸投资集团有限公司董事长",
        "意见为：有异议。",
        "特此函复。",
        "2026年11月28日",
        "（本意见有效期至2027年5月28日）",
        f"（核验码{objection().content_sha256[:16]}，可扫描二维码核验）",
        "抄送：泸州市人民政府国有资产监督管理委员会。",
    ):
        assert piece in text, piece
    assert "印发" not in text  # 信函格式: 版记不加印发机关和印发日期
    assert "调查组函<2026>&附件" in text  # verbatim, not escaped
    assert flat(LONG_FACT) in text
    assert text.index("（一）") < text.index("（二）") < text.index("（三）") < text.index("（四）")


def test_metadata_carries_the_verification_data(objection_pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(objection_pdf))
    box = reader.pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (210, 297)  # A4
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "关于张明同志拟任职务安全生产情况的意见（泸应急意〔2026〕12号）"
    assert meta.author == "泸州市应急管理局"
    assert str(meta["/CreationDate"]).startswith("D:20261128013000")  # issued_at, not the clock
    keywords = str(meta["/Keywords"])
    assert f"内容摘要（SHA-256）：{objection().content_sha256}" in keywords
    assert "决定编号：0b7f0a0e-8c1e-4c55-9a36-0b8a2c4c1f11" in keywords
    assert "审计日志：第41条" in keywords


def test_every_face_is_embedded(objection_pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(objection_pdf))
    embedded: set[str] = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for ref in fonts.values():
            font = ref.get_object()
            for descendant in font.get("/DescendantFonts", [font]):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                embedded.add(str(descriptor["/FontName"]).split("+", 1)[-1])
    assert {
        "FandolSong-Bold",
        "FandolFang-Regular",
        "FandolKai-Regular",
        "NotoSansSC-Regular",
        "NotoSerifSC-Regular",
    } <= embedded


def test_rare_name_characters_get_real_glyphs() -> None:
    name = "王𬭚䶮"  # U+2CB5A (CJK Ext. E) and U+4DAE (Ext. A): not in the Fandol faces
    doc = objection(
        candidate_name=name, title=f"关于{name}同志拟任职务安全生产情况的意见", facts=()
    )
    first = layout(render_pdf(doc))[0]
    line = find(first, name)
    files = {p.stem: p for d in font_paths() for p in d.glob("*.otf")}
    for char in "𬭚䶮":
        face = line.font_of(char)
        cmap = TTFont(files[face], lazy=True).getBestCmap()
        assert ord(char) in cmap and cmap[ord(char)] != ".notdef", (char, face)
    title = "".join(t.text for t in first[2:4])
    assert name in title


# --------------------------------------------------------------------------------------------
# The end of the letter: signature, 附注, QR code, 版记
# --------------------------------------------------------------------------------------------


def test_unsealed_signature_and_date(objection_pdf: bytes) -> None:
    last = layout(objection_pdf)[-1]
    signature = next(line for line in last if line.text == "泸州市应急管理局")
    date = find(last, "2026年11月28日")
    # 署名右空二字, the date's first character two to the right of the 署名's; a date that
    # would then run past that (as here: 2026年11月28日 is longer than 泸州市应急管理局 less
    # two characters) is itself two characters in from the right, and the 署名 moves left.
    assert abs(date.x0 - (signature.x0 + 2 * CHAR)) < 0.3
    assert abs(max(signature.x1, date.x1) - (RIGHT - 2 * CHAR)) < 0.3
    assert date.top - signature.top == pytest.approx(PITCH, abs=0.1)
    closing = find(last, "特此函复。")
    assert signature.top - closing.top == pytest.approx(2 * PITCH, abs=0.1)  # 空一行
    note = find(last, "（本意见有效期至")
    assert note.top - date.top == pytest.approx(PITCH, abs=0.1)  # 成文日期下一行
    assert abs(note.x0 - (28 + 2 * CHAR)) < 0.3  # 居左空二字


def test_the_colophon_is_last(objection_pdf: bytes) -> None:
    pages = layout(objection_pdf)
    last = [line for line in pages[-1] if not line.text.startswith("—")]
    copies = last[-1]
    assert copies.text.startswith("抄送：")
    assert abs(copies.x0 - (28 + 14 / 72 * 25.4)) < 0.3  # 左空一字, 4号
    assert copies.chars[0]["size"] == pytest.approx(14)
    bottom = max(c["bottom"] for c in copies.chars) / MM
    assert 37 + 225 - bottom < PITCH  # 位于最后一面版心内最下方
    assert all("抄送" not in line.text for page in pages[:-1] for line in page)


def test_qr_code_carries_the_verify_address_and_the_content_hash() -> None:
    doc = objection()
    pages = render_pages(doc, LOG_SEAL, ppi=200)
    image = Image.open(io.BytesIO(pages[-1])).convert("L")
    codes = zxingcpp.read_barcodes(image)
    assert len(codes) == 1
    lines = codes[0].text.splitlines()
    assert lines[0] == LOG_SEAL.verify_url
    assert f"内容摘要（SHA-256）：{doc.content_sha256}" in lines
    assert f"文号：{doc.document_number}　决定编号：{doc.decision_id}" in lines


def test_sealed_layout_when_the_unit_has_a_seal() -> None:
    stamp = Stamp(SEAL_SVG, "image/svg+xml")
    data = render_pdf(no_objection(), LOG_SEAL, stamp)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[-1]
        images = page.images
        lines = lines_of(page)
    signature = next(line for line in lines if line.text == "泸州市应急管理局")
    date = find(lines, "2026年11月28日")
    closing = find(lines, "特此函复。")
    assert abs(date.x1 - (RIGHT - 4 * CHAR)) < 0.3  # 成文日期右空四字
    centre = (signature.x0 + signature.x1) / 2
    assert centre == pytest.approx((date.x0 + date.x1) / 2, abs=0.3)  # 署名 centred on it
    # The seal is drawn as vector art (an SVG); its red paths surround the signature.
    red_curves = [c for c in page_objects(data, -1) if red(c.get("stroking_color"))]
    assert red_curves and not images
    x0 = min(c["x0"] for c in red_curves) / MM
    x1 = max(c["x1"] for c in red_curves) / MM
    top = min(c["top"] for c in red_curves) / MM
    assert x1 - x0 == pytest.approx(42 * 188 / 200, abs=0.5)  # 42 mm wide; the ring's path
    assert (x0 + x1) / 2 == pytest.approx(centre, abs=0.5)
    assert top - (closing.top + 16 / 72 * 25.4) < PITCH  # 印章顶端上距正文一行之内
    assert top > closing.top + 16 / 72 * 25.4  # and not over the body
    seal_centre = top - 42 * 6 / 200 + 21
    assert signature.top > seal_centre - 2 and date.top > seal_centre  # 居印章中心偏下


def page_objects(data: bytes, index: int) -> list[dict[str, Any]]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[index]
        return list(page.curves) + list(page.rects) + list(page.lines)


def test_raster_seal_images_are_embedded_too() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (120, 120), (230, 0, 18, 255)).save(buffer, format="PNG")
    data = render_pdf(no_objection(), LOG_SEAL, Stamp(buffer.getvalue(), "image/png"))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        images = pdf.pages[-1].images
    assert len(images) == 1
    assert (images[0]["x1"] - images[0]["x0"]) / MM == pytest.approx(42, abs=0.5)


def test_short_letter_keeps_the_closing_with_the_signature() -> None:
    pages = pdf_pages(render_pdf(no_objection()))
    assert "意见为：无异议。" in pages[0]
    last = pages[-1]
    assert "泸州市应急管理局2026年11月28日" in last
    closing = last.index("特此函复。")
    assert closing < last.index("泸州市应急管理局2026年11月28日")


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


def test_long_names_stay_inside_the_margins() -> None:
    unit = "泸州市人民政府安全生产委员会办公室（泸州市应急管理局）"
    doc = replace(
        overridden(),
        issuing_unit=unit,
        title="关于泸州市兴泸投资集团有限公司总经理张明同志拟任泸州市兴泸投资集团有限公司"
        "董事长职务安全生产情况的复函",
        copies_to=("中共泸州市委组织部", "泸州市人民政府国有资产监督管理委员会", "泸州市纪委监委"),
    )
    pages = layout(render_pdf(doc))
    issuer = pages[0][0]
    assert issuer.text == unit and issuer.x0 >= 28 - 0.5 and issuer.x1 <= RIGHT + 0.5
    for page in pages:
        for line in page:
            if not line.text.startswith("—"):
                # (an opening or closing bracket's blank half may lie outside: 标点挤压)
                assert line.x0 >= 28 - CHAR / 2 - 0.3, line.text
                assert line.x1 <= RIGHT + CHAR / 2 + 0.3, line.text
                assert 25 <= line.top <= 37 + 225, line.text


def test_pdf_is_deterministic_and_thread_safe(objection_pdf: bytes) -> None:
    clean = render_pdf(no_objection(), LOG_SEAL)
    assert render_pdf(objection(), LOG_SEAL) == objection_pdf
    docs = [objection(), no_objection(), objection(), no_objection()]
    with ThreadPoolExecutor(max_workers=4) as pool:
        out = list(pool.map(lambda d: render_pdf(d, LOG_SEAL), docs))
    assert out == [objection_pdf, clean] * 2
    changed = render_pdf(objection(proposed_post="泸州市兴泸投资集团有限公司监事会主席"), LOG_SEAL)
    assert changed != objection_pdf


def test_issue_times_do_not_depend_on_the_host_clock() -> None:
    at = datetime(2026, 11, 28, 1, 30)  # noqa: DTZ001 - naive on purpose
    naive = pypdf.PdfReader(io.BytesIO(render_pdf(objection(issued_at=at))))
    assert naive.metadata is not None
    assert str(naive.metadata["/CreationDate"]).startswith("D:20261128")
    missing = pypdf.PdfReader(io.BytesIO(render_pdf(objection(issued_at=None))))
    assert missing.metadata is not None
    assert str(missing.metadata["/CreationDate"]).startswith("D:20261128040000")  # 12:00 +08
