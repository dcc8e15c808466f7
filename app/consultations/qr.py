"""The letter's verification data as a QR code (SVG, by `segno`), for the PDF and the HTML."""

from __future__ import annotations

import io

import segno

from app.consultations.letter import Letter


def qr_payload(letter: Letter) -> str:
    """The verify address first, so a phone opens it, then every verification line."""
    lines = ([letter.verify_url] if letter.verify_url else []) + list(letter.verification)
    return "\n".join(lines)


def qr_svg(letter: Letter) -> str:
    """`qr_payload` as a QR code (error correction M): an SVG document, no XML declaration."""
    out = io.BytesIO()
    code = segno.make(qr_payload(letter), error="m", micro=False)
    code.save(out, kind="svg", scale=4, border=0, xmldecl=False, svgns=True, nl=False)
    return out.getvalue().decode("utf-8")
