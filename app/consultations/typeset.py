"""The opinion letter as an A4 PDF, typeset by Typst (the `typst` wheel ships the compiler) from
one template, `letter.typ`: GB/T 9704-2012 §10.1 信函格式 on the 28 × 22 grid, with the faces
the standard names (小标宋, 仿宋, 黑体, 楷体) by open-licence substitutes that the project ships
(`fonts/`, see its README) and Noto Serif SC / Noto Sans SC (the `pylopdf_fonts_zh_cn` wheel) at
the end of every fallback chain, for rare name characters. No system font is read, so the
same document gives the same bytes on every machine.

What the letter says is composed once in Python (`letter.compose`, shared with the HTML view);
the template only lays it out. The QR code (`segno`) carries the verification data; a seal
image, when the issuing unit has one, gives the sealed layout (§7.3.5.1).
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import threading
from dataclasses import asdict
from datetime import UTC, datetime, time
from pathlib import Path

import typst

from app import clock
from app.consultations.document import OpinionDocument
from app.consultations.letter import LogSeal, compose
from app.consultations.qr import qr_svg
from app.consultations.stamp import Stamp

__all__ = ["font_paths", "render_pages", "render_pdf"]

_HERE = Path(__file__).parent
_TEMPLATE = (_HERE / "letter.typ").read_bytes()


def font_paths() -> list[Path]:
    """Where the faces come from: the project's own (Fandol) and the Noto wheel's."""
    noto = importlib.resources.files("pylopdf_fonts_zh_cn")
    return [_HERE / "fonts", Path(str(noto))]


@functools.cache
def _fonts() -> typst.Fonts:
    """The faces, read once per process (the CJK fonts are large) and shared by compilers."""
    return typst.Fonts(
        include_system_fonts=False,
        include_embedded_fonts=False,
        font_paths=[str(p) for p in font_paths()],
    )


_local = threading.local()


def _compiler() -> typst.Compiler:
    """One compiler per thread (a compiler is not shared between threads), all on one set of
    fonts; renders run on worker threads (`asyncio.to_thread`)."""
    compiler: typst.Compiler | None = getattr(_local, "compiler", None)
    if compiler is None:
        compiler = typst.Compiler(font_paths=_fonts(), ignore_system_fonts=True)
        _local.compiler = compiler
    return compiler


def _inputs(doc: OpinionDocument, seal: LogSeal | None, stamp: Stamp | None) -> dict[str, str]:
    letter = compose(doc, seal)
    data = asdict(letter)
    data["qr"] = qr_svg(letter)
    data["stamp"] = stamp.svg() if stamp else None
    return {"letter": json.dumps(data, ensure_ascii=False)}


def _creation_date(doc: OpinionDocument) -> datetime:
    """The PDF's creation date: the exact time of issue, else noon of the issue day in the
    service's zone (documents issued before the time was kept)."""
    if doc.issued_at is not None:
        at = doc.issued_at if doc.issued_at.tzinfo else doc.issued_at.replace(tzinfo=UTC)
    else:
        at = datetime.combine(doc.issued_on, time(12), tzinfo=clock.zone())
    return at.astimezone(UTC).replace(microsecond=0)  # PDF dates are to the second


def render_pdf(
    doc: OpinionDocument, seal: LogSeal | None = None, stamp: Stamp | None = None
) -> bytes:
    """The letter as PDF bytes; deterministic for the same document, seal and stamp."""
    out = _compiler().compile(
        _TEMPLATE,
        format="pdf",
        sys_inputs=_inputs(doc, seal, stamp),
        timestamp=_creation_date(doc),
    )
    assert isinstance(out, bytes)
    return out


def render_pages(
    doc: OpinionDocument,
    seal: LogSeal | None = None,
    stamp: Stamp | None = None,
    ppi: float = 96,
) -> list[bytes]:
    """The letter's pages as PNG images (for review: `make previews`, and tests)."""
    inputs = _inputs(doc, seal, stamp)
    out = _compiler().compile(_TEMPLATE, format="png", ppi=ppi, sys_inputs=inputs)
    return out if isinstance(out, list) else [out]  # type: ignore[list-item]
