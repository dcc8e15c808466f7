"""The words of an issued opinion letter, composed once from an `OpinionDocument` and laid out
by both renderers (`render.render_html`; `typeset.render_pdf` through the Typst template
`letter.typ`), so the HTML page and the PDF always carry the same content in the same order:
opening, 基本情况, 核查情况 (one numbered fact per finding, with its basis), 意见, the
signature, the 附注 (validity, and one line to verify by), the 版记 (抄送) and the
verification data that the QR code carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from app.consultations.document import OpinionDocument, chinese_date


@dataclass(frozen=True)
class Para:
    kind: Literal["heading", "text", "fact"]
    text: str
    label: str = ""  # a fact's number, （一）, set apart from its text (楷体 in print)


@dataclass(frozen=True)
class Letter:
    issuing_unit: str
    document_number: str
    title: str
    title_lines: tuple[str, ...]  # the title broken for print (balanced, at word boundaries)
    addressee: str  # with the full-width colon
    body: tuple[Para, ...]
    closing: str  # 特此函复。
    signature: str
    date: str
    notes: tuple[str, ...]  # 附注: the validity, and where and by what to verify the letter
    copies: str | None  # 抄送：…。 (the 版记 of the letter format: no 印发 line)
    verification: tuple[str, ...]  # full verification data (QR code, PDF metadata, HTML)
    verify_url: str | None  # where the QR code leads: the verify page for this letter


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


def _fact(number: int, text: str, basis: str | None) -> Para:
    body = text.strip().rstrip("。；;.")
    label = f"（{chinese_numeral(number)}）"
    if basis and basis.strip():
        return Para("fact", f"{body}（依据：{basis.strip()}）。", label)
    return Para("fact", f"{body}。", label)


# Where a title may break (GB/T 9704-2012 §7.3.1: 回行时词意完整，排列对称): after these words.
_TITLE_BREAKS = ("同志", "拟任职务", "关于", "有限公司", "职务")
TITLE_LINE_CHARS = 20  # 2号 (22 pt) characters in the 156 mm text block


def title_lines(title: str, width: int = TITLE_LINE_CHARS) -> tuple[str, ...]:
    """The title in balanced lines: one line when it leaves a character of air at each side,
    else the fewest lines that fit, each break where the lengths come out most even — at a
    word boundary (after one of `_TITLE_BREAKS`) when one lies within 1.5 characters of that."""
    if len(title) <= width - 2:
        return (title,)
    words = {m.end() for w in _TITLE_BREAKS for m in re.finditer(re.escape(w), title)}
    lines: list[str] = []
    start, count = 0, max(2, -(-len(title) // width))
    while count > 1:
        left = len(title) - start
        target = start + left / count
        fits = [start + i for i in range(1, left) if i <= width and left - i <= width * (count - 1)]
        near = [i for i in fits if i in words and abs(i - target) <= 1.5]
        cut = min(near or fits, key=lambda i: abs(i - target))
        lines.append(title[start:cut])
        start, count = cut, count - 1
    return (*lines, title[start:])


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


VERIFY_CODE_CHARS = 16  # of the content SHA-256, printed in the 附注 (the QR code has it all)


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
        body += [_fact(i, f.text, f.basis) for i, f in enumerate(doc.facts, 1)]
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
    code = doc.content_sha256[:VERIFY_CODE_CHARS]
    return Letter(
        issuing_unit=doc.issuing_unit,
        document_number=doc.document_number,
        title=doc.title,
        title_lines=title_lines(doc.title),
        addressee=doc.addressee + "：",
        body=tuple(body),
        closing="特此函复。",
        signature=doc.issuing_unit,
        date=chinese_date(doc.issued_on),
        notes=(
            f"（本意见有效期至{chinese_date(doc.valid_until)}）",
            f"（核验码{code}，可扫描二维码核验）",
        ),
        copies=copies,
        verify_url=seal.verify_url if seal else None,
        verification=(
            f"文号：{doc.document_number}　决定编号：{doc.decision_id}",
            f"规则：{doc.rulebook}",
            f"内容摘要（SHA-256）：{doc.content_sha256}",
            *(seal.lines() if seal else ()),
        ),
    )
