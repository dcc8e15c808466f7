"""The opinion letter rendered as HTML (GB/T 9704-2012 layout), and its composed words. No
database needed."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pypdf
import pytest

from app.consultations import letter
from app.consultations.document import FactLine
from app.consultations.letter import TITLE_LINE_CHARS, title_lines
from app.consultations.render import render_html
from app.consultations.typeset import render_pdf
from tests.consultations.letters import (
    LONG_FACT,
    defer,
    no_objection,
    objection,
    overridden,
)

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
        "（本意见有效期至2027年5月28日）",
        f"（核验码{doc.content_sha256[:16]}，可扫描二维码核验）",
        "文号：泸应急意〔2026〕12号",
        "决定编号：0b7f0a0e-8c1e-4c55-9a36-0b8a2c4c1f11",
        "规则：soe_head_appointment@2026.1",
        f"内容摘要（SHA-256）：{doc.content_sha256}",
        "抄送：泸州市人民政府国有资产监督管理委员会。",  # the 版记, last
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
    assert "印发" not in clean  # 信函格式: no 印发机关 / 印发日期 in the 版记
    assert clean.count("<svg") == 1  # the QR code of the verification data

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
    keywords = pypdf.PdfReader(io.BytesIO(render_pdf(doc))).metadata["/Keywords"]
    assert f"内容摘要（SHA-256）：{digest}" in str(keywords)


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "numeral"),
    [(1, "一"), (9, "九"), (10, "十"), (12, "十二"), (20, "二十"), (35, "三十五")],
)
def test_chinese_numerals(n: int, numeral: str) -> None:
    assert letter.chinese_numeral(n) == numeral


# --------------------------------------------------------------------------------------------
# The title's lines (GB/T 9704-2012 §7.3.1: 回行时词意完整，排列对称，长短适宜)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "lines"),
    [
        ("关于张明同志安全生产情况的意见", ("关于张明同志安全生产情况的意见",)),
        # 19 characters would fill the line: two lines, broken after the word, not mid-word
        ("关于张明同志拟任职务安全生产情况的意见", ("关于张明同志拟任职务", "安全生产情况的意见")),
        (
            "关于欧阳明华同志拟任职务安全生产情况的意见",
            ("关于欧阳明华同志拟任职务", "安全生产情况的意见"),
        ),
        # no word boundary near the middle: the most even split
        (
            "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉",
            ("甲乙丙丁戊己庚辛壬癸", "子丑寅卯辰巳午未申酉"),
        ),
    ],
)
def test_title_lines_are_balanced_at_word_boundaries(title: str, lines: tuple[str, ...]) -> None:
    assert title_lines(title) == lines


def test_long_titles_take_as_few_lines_as_fit() -> None:
    title = "关于泸州市兴泸投资集团有限公司总经理张明同志拟任泸州市兴泸投资集团有限公司董事长职务"
    lines = title_lines(title)
    assert "".join(lines) == title
    assert len(lines) == 3 and all(len(line) <= TITLE_LINE_CHARS for line in lines)
    assert max(map(len, lines)) - min(map(len, lines)) <= 3
