"""The words of an issued opinion letter, composed once from an `OpinionDocument` and laid out
by both renderers (`render.render_html`, `pdf.render_pdf`), so the HTML page and the PDF always
carry the same content in the same order: opening, 基本情况, 核查情况 (one numbered fact per
finding, with its basis), 意见, the signature, the validity note, the colophon and the
verification lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.consultations.document import OpinionDocument, chinese_date


@dataclass(frozen=True)
class Para:
    kind: Literal["heading", "text", "fact"]
    text: str


@dataclass(frozen=True)
class Letter:
    issuing_unit: str
    document_number: str
    title: str
    addressee: str  # with the full-width colon
    body: tuple[Para, ...]
    closing: str  # 特此函复。
    signature: str
    date: str
    note: str  # validity
    copies: str | None  # 抄送：…。
    printed_by: str
    printed_date: str  # …印发
    verification: tuple[str, ...]


_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (for numbering headings)."""
    if n <= 0:
        raise ValueError("numbering starts at 1")
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")
    if n < 100:
        return _DIGITS[n // 10] + "十" + (_DIGITS[n % 10] if n % 10 else "")
    return str(n)


def _second_person(addressee: str) -> str:
    """How the letter addresses its recipient: 你部 (组织部), 你委 (国资委), 你局 …"""
    for suffix, word in (("委员会", "你委"), ("部", "你部"), ("委", "你委"), ("局", "你局")):
        if addressee.endswith(suffix):
            return word
    for suffix in ("厅", "办", "院", "会"):
        if addressee.endswith(suffix):
            return "你" + suffix
    return "你单位"


def _first_person(issuer: str) -> str:
    """How the issuer refers to itself: 我局 (应急管理局), 我委 …"""
    for suffix, word in (("委员会", "我委"), ("局", "我局"), ("委", "我委"), ("厅", "我厅")):
        if issuer.endswith(suffix):
            return word
    return "我单位"


def _sentence(text: str) -> str:
    """Text ending with sentence punctuation (a full stop is added when missing)."""
    text = text.strip()
    if not text or text[-1] in "。！？；…":
        return text
    return text + "。"


def _fact(number: int, text: str, basis: str | None) -> str:
    body = text.strip().rstrip("。；;.")
    label = f"（{chinese_numeral(number)}）"
    if basis and basis.strip():
        return f"{label}{body}（依据：{basis.strip()}）。"
    return f"{label}{body}。"


@dataclass(frozen=True)
class LogSeal:
    """Where the issue of this opinion stands in the audit transparency log, printed on the
    letter: its log index, the signed checkpoint that covers it, and where to verify."""

    index: int
    tree_size: int
    root_hash: str
    verify_url: str

    def lines(self) -> tuple[str, ...]:
        return (
            f"审计日志：第{self.index}条，检查点（{self.tree_size}条）根哈希 {self.root_hash[:32]}",
            f"核验：{self.verify_url}",
        )


def compose(doc: OpinionDocument, seal: LogSeal | None = None) -> Letter:
    name = doc.candidate_name
    you = _second_person(doc.addressee)
    if doc.request_reference:
        opening = f"{you}来函（{doc.request_reference}）收悉。"
    else:
        opening = f"根据{you}征求意见的要求，"
    opening += f"经核查，现将{name}同志安全生产有关情况函复如下："

    candidate = f"{name}，身份证号码{doc.candidate_id_number}，"
    if doc.candidate_current_post:
        candidate += f"现任{doc.candidate_current_post}，"
    candidate += f"拟任{doc.proposed_post}。"

    body: list[Para] = [
        Para("text", opening),
        Para("heading", "一、基本情况"),
        Para("text", candidate),
        Para("heading", "二、核查情况"),
    ]
    if doc.facts:
        body += [Para("fact", _fact(i, f.text, f.basis)) for i, f in enumerate(doc.facts, 1)]
    else:
        body.append(Para("text", "经核查，未发现需要说明的安全生产有关情况。"))
    body += [
        Para("heading", "三、意见"),
        Para(
            "text",
            f"{_first_person(doc.issuing_unit)}对{name}同志拟任{doc.proposed_post}的意见为："
            f"{doc.recommendation_zh}。",
        ),
    ]
    if doc.conclusion.strip():
        body.append(Para("text", _sentence(doc.conclusion)))
    if doc.override_reason and doc.override_reason.strip():
        body.append(Para("text", "复核说明：" + _sentence(doc.override_reason)))

    copies = None
    if doc.copies_to:
        copies = "抄送：" + "，".join(c.strip() for c in doc.copies_to) + "。"
    printed_on = doc.printed_on or doc.issued_on
    return Letter(
        issuing_unit=doc.issuing_unit,
        document_number=doc.document_number,
        title=doc.title,
        addressee=doc.addressee + "：",
        body=tuple(body),
        closing="特此函复。",
        signature=doc.issuing_unit,
        date=chinese_date(doc.issued_on),
        note=f"（本意见有效期至{chinese_date(doc.valid_until)}）",
        copies=copies,
        printed_by=doc.issuing_unit,
        printed_date=f"{chinese_date(printed_on)}印发",
        verification=(
            f"文号：{doc.document_number}　决定编号：{doc.decision_id}",
            f"规则：{doc.rulebook}",
            f"内容摘要（SHA-256）：{doc.content_sha256}",
            *(seal.lines() if seal else ()),
        ),
    )
