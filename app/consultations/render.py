"""Render an issued opinion (`OpinionDocument`) as an HTML page (the PDF is typeset by Typst:
`typeset`, `letter.typ`).

Both follow the letter format of GB/T 9704-2012 《党政机关公文格式》 (§10.1 信函格式): the
issuing unit's name in red centred at the top (发文机关标志) over a red double rule, the
document number at the right under it, the title, the addressee with a full-width colon, the
body, the signature and the date in Arabic numerals, the 附注 (validity; a verify code), the
QR code of the verification data (document number, decision id, rulebook, the SHA-256 of the
canonical content, the audit-log place) and, last, the 版记 (抄送, no 印发 line).

The text of the letter is composed once (`letter.compose`) and laid out twice — here as HTML,
in `letter.typ` as a PDF — so both always carry the same content in the same order. Both are
deterministic: the same document gives the same string / the same bytes.
"""

from __future__ import annotations

import html

from app.consultations.document import OpinionDocument
from app.consultations.letter import LogSeal, compose
from app.consultations.qr import qr_svg

__all__ = ["render_html"]


_CSS = """\
@page { size: A4; margin: 37mm 26mm 35mm 28mm;
  @bottom-center { content: "— " counter(page) " —"; font-size: 14pt; } }
@page :first { @bottom-center { content: none; } }
* { box-sizing: border-box; }
html { background: #eee; }
body {
  margin: 0; color: #000;
  font-family: "FandolFang R", FangSong, "FangSong_GB2312", "仿宋", STFangsong, "Noto Serif SC",
    "Source Han Serif SC", "Songti SC", SimSun, serif;
  font-size: 16pt; line-height: 28pt;
}
.letter {
  width: 210mm; min-height: 297mm; margin: 8mm auto; padding: 37mm 26mm 35mm 28mm;
  background: #fff; box-shadow: 0 1mm 4mm rgba(0, 0, 0, .25);
}
.letterhead { text-align: center; }
.issuer {
  margin: 0; color: #d0000f; font-size: 30pt; line-height: 1.3; font-weight: bold;
  font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", FandolSong, STZhongsong, "Noto Serif SC",
    "Source Han Serif SC", SimSun, serif;
}
.doc-number { margin: 3mm 0 0; text-align: right; }
.red-rule {
  margin: 4mm -8mm 0; border: 0; height: 1.3mm;
  border-top: 0.8mm solid #d0000f; border-bottom: 0.26mm solid #d0000f;
}
.title {
  margin: 56pt 0 28pt; text-align: center; font-size: 22pt; line-height: 1.45;
  font-weight: bold;
  font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", FandolSong, STZhongsong, "Noto Serif SC",
    "Source Han Serif SC", SimSun, serif;
}
.addressee, .body p, .closing, .note { margin: 0; }
.body p, .closing { text-indent: 2em; text-align: justify; }
.body h2 {
  margin: 0; text-indent: 2em; font-size: 16pt; font-weight: normal;
  font-family: SimHei, "黑体", "Noto Sans SC", "Source Han Sans SC", sans-serif;
}
.body .label {
  font-family: FandolKai, KaiTi, "楷体", "KaiTi_GB2312", STKaiti, "Noto Serif SC", serif;
}
.signature { margin: 28pt 2em 0 0; text-align: right; }
.signature-block { display: inline-block; text-align: left; }
.signature-date { padding-left: 2em; }
.notes { margin-top: 0; }
.notes p { margin: 0; text-indent: 2em; }
.verification {
  display: flex; gap: 4mm; align-items: flex-end; margin: 14pt 0 0; color: #555;
  font-size: 9pt; line-height: 1.5; word-break: break-all;
  font-family: "Noto Serif SC", "Source Han Serif SC", SimSun, serif;
}
.verification svg { flex: none; width: 20mm; height: 20mm; }
.verification p { margin: 0; }
.colophon { margin-top: 28pt; font-size: 14pt; line-height: 1.6; }
.colophon p { margin: 0; padding-left: 4em; text-indent: -3em; }
@media print {
  html { background: none; }
  .letter { width: auto; min-height: 0; margin: 0; padding: 0; box-shadow: none; }
  .issuer, .red-rule { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(doc: OpinionDocument, seal: LogSeal | None = None) -> str:
    """The opinion as a complete HTML5 page (embedded CSS, A4 print styles)."""
    letter = compose(doc, seal)
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="document-number" content="{_e(doc.document_number)}">',
        f'<meta name="content-sha256" content="{_e(doc.content_sha256)}">',
        f"<title>{_e(letter.title)}（{_e(letter.document_number)}）</title>",
        f"<style>\n{_CSS}</style>",
        "</head>",
        "<body>",
        '<article class="letter">',
        '<header class="letterhead">',
        f'<p class="issuer">{_e(letter.issuing_unit)}</p>',
        f'<p class="doc-number">{_e(letter.document_number)}</p>',
        '<hr class="red-rule">',
        "</header>",
        f'<h1 class="title">{_e(letter.title)}</h1>',
        f'<p class="addressee">{_e(letter.addressee)}</p>',
        '<section class="body">',
    ]
    for para in letter.body:
        if para.kind == "heading":
            out.append(f"<h2>{_e(para.text)}</h2>")
        elif para.label:
            label = f'<span class="label">{_e(para.label)}</span>'
            out.append(f'<p class="{para.kind}">{label}{_e(para.text)}</p>')
        else:
            out.append(f'<p class="{para.kind}">{_e(para.text)}</p>')
    out += [
        f'<p class="closing">{_e(letter.closing)}</p>',
        "</section>",
        '<div class="signature"><div class="signature-block">',
        f'<div class="signature-unit">{_e(letter.signature)}</div>',
        f'<div class="signature-date">{_e(letter.date)}</div>',
        "</div></div>",
        '<div class="notes">',
        *(f"<p>{_e(note)}</p>" for note in letter.notes),
        "</div>",
        '<aside class="verification">',
        qr_svg(letter),
        "<div>",
        *(f"<p>{_e(line)}</p>" for line in letter.verification),
        "</div>",
        "</aside>",
    ]
    if letter.copies:  # the 版记, last
        out += [
            '<footer class="colophon">',
            f'<p class="copies">{_e(letter.copies)}</p>',
            "</footer>",
        ]
    out += [
        "</article>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)
