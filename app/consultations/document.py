"""The issued opinion as a document: a plain view model (no I/O) rendered by `render.py` (HTML)
and `pdf.py` (PDF), with a SHA-256 over its canonical content that anyone can recompute."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class FactLine:
    """One fact found, with its legal basis (e.g. a finding of the vetting decision)."""

    text: str
    basis: str | None = None


@dataclass(frozen=True)
class OpinionDocument:
    """Everything printed on the letter (GB/T 9704-2012 layout, as far as a generated
    document can follow it)."""

    issuing_unit: str  # 发文机关, e.g. 泸州市应急管理局 (red header in print)
    document_number: str  # 发文字号, e.g. 泸应急意〔2026〕12号
    title: str  # e.g. 关于张明同志拟任职务安全生产情况的意见
    addressee: str  # 主送机关, e.g. 中共泸州市委组织部
    request_reference: str | None  # the requesting letter's number
    candidate_name: str
    candidate_id_number: str  # masked: 510502********1234
    candidate_current_post: str | None
    proposed_post: str  # e.g. 泸州市兴泸投资集团有限公司 董事长
    facts: tuple[FactLine, ...]  # 经核查的情况
    recommendation: str  # no_objection / objection / defer
    recommendation_zh: str  # 无异议 / 有异议 / 暂缓
    conclusion: str  # the sentence of the conclusion, in Chinese
    override_reason: str | None  # when the reviewer departed from the draft
    issued_on: date  # 成文日期
    valid_until: date
    decision_id: str  # the vetting decision the opinion rests on
    rulebook: str  # id and version of the rules applied
    copies_to: tuple[str, ...] = field(default_factory=tuple)  # 抄送
    printed_on: date | None = None  # 印发日期
    issued_at: datetime | None = None  # exact time of issue (PDF metadata)

    def canonical(self) -> dict[str, object]:
        """The content that the hash covers: every printed field, in a fixed form."""
        data = asdict(self)
        data.pop("issued_at", None)
        return data

    @property
    def content_sha256(self) -> str:
        text = json.dumps(self.canonical(), ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def chinese_date(day: date) -> str:
    """Arabic numerals, as GB/T 9704-2012 requires for the date: 2026年11月28日."""
    return f"{day.year}年{day.month}月{day.day}日"


def document_to_json(doc: OpinionDocument) -> dict[str, object]:
    """The stored form (JSON types only), from which `document_from_json` rebuilds the same
    document, hash included."""
    stored: dict[str, object] = json.loads(json.dumps(asdict(doc), ensure_ascii=False, default=str))
    return stored


def document_from_json(data: dict[str, object]) -> OpinionDocument:
    values = dict(data)
    values["facts"] = tuple(FactLine(**f) for f in values["facts"])  # type: ignore[attr-defined]
    values["copies_to"] = tuple(values.get("copies_to") or ())  # type: ignore[arg-type]
    for name in ("issued_on", "valid_until", "printed_on"):
        if values.get(name):
            values[name] = date.fromisoformat(str(values[name]))
    if values.get("issued_at"):
        values["issued_at"] = datetime.fromisoformat(str(values["issued_at"]))
    return OpinionDocument(**values)  # type: ignore[arg-type]
