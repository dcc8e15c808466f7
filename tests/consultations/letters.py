"""Opinion documents for the renderer tests, and PDF text helpers."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import UTC, date, datetime

import pypdf

from app.consultations.document import FactLine, OpinionDocument
from app.consultations.letter import LogSeal

MM = 72 / 25.4
LONG_FACT = (
    "该同志任泸州市兴泸投资集团有限公司总经理期间（2019年3月至2023年6月），所属泸州市某化工"
    "有限公司于2021年8月14日发生一起较大生产安全事故，造成3人死亡、2人受伤，直接经济损失约1260"
    "万元；经泸州市人民政府事故调查组调查认定为生产安全责任事故，该同志负有重要领导责任"
)

# Where an issued letter stands in the audit log, and a specimen seal (a red ring and star).
LOG_SEAL = LogSeal(
    index=41,
    tree_size=42,
    root_hash="ab" * 32,
    verify_url="https://vetting.example.cn/v1/opinions/verify?number=%E6%B3%B8",
)
SEAL_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200" width="200" height="200">'
    b'<circle cx="100" cy="100" r="94" fill="none" stroke="#e60012" stroke-width="8"/>'
    b'<polygon points="100,55 111,88 146,88 118,108 128,141 100,121 72,141 82,108 54,88 89,88"'
    b' fill="#e60012"/></svg>'
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
