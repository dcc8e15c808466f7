"""Render an issued opinion (`OpinionDocument`) as an HTML page (the PDF is in `pdf`).

Both follow the national letter format GB/T 9704-2012 《党政机关公文格式》 as far as a generated
document can: the issuing unit's name in red centred at the top (发文机关标志), the document
number under it, a red rule, the title, the addressee with a full-width colon, the body, the
signature and the date in Arabic numerals, a note, and the colophon (抄送 / 印发) at the foot of
the last page. A small verification block closes the letter: document number, decision id,
rulebook and the SHA-256 of the canonical content (`OpinionDocument.content_sha256`).

The text of the letter is composed once (`letter.compose`) and laid out twice — here as HTML,
in `pdf` as a PDF — so both always carry the same content in the same order. Both renderers are
deterministic: the same document gives the same string / the same bytes.
"""

from __future__ import annotations

import html

from app.consultations.document import OpinionDocument
from app.consultations.letter import LogSeal, compose

__all__ = ["render_html"]


_CSS = """\
@page { size: A4; margin: 37mm 26mm 35mm 28mm; }
* { box-sizing: border-box; }
html { background: #eee; }
body {
  margin: 0; color: #000;
  font-family: FangSong, "FangSong_GB2312", "仿宋", STFangsong, "Noto Serif SC",
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
  font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", STZhongsong, "华文中宋", "Noto Serif SC",
    "Source Han Serif SC", SimSun, serif;
}
.doc-number { margin: 28pt 0 0; }
.red-rule { margin: 4mm 0 0; border: 0; border-top: 0.6mm solid #d0000f; height: 0; }
.title {
  margin: 56pt 0 28pt; text-align: center; font-size: 22pt; line-height: 1.45;
  font-weight: bold;
  font-family: "FZXiaoBiaoSong-B05S", "方正小标宋简体", STZhongsong, "华文中宋", "Noto Serif SC",
    "Source Han Serif SC", SimSun, serif;
}
.addressee, .body p, .closing, .note { margin: 0; }
.body p, .closing { text-indent: 2em; text-align: justify; }
.body h2 { margin: 0; text-indent: 2em; font-size: 16pt; font-weight: bold; }
.signature { margin: 28pt 2em 0 0; text-align: right; }
.signature-block { display: inline-block; text-align: left; }
.signature-date { padding-left: 2em; }
.note { margin-top: 28pt; text-indent: 2em; }
.colophon {
  margin-top: 56pt; font-size: 14pt; line-height: 1.6;
  border-top: 0.35mm solid #000; border-bottom: 0.35mm solid #000;
}
.colophon p { margin: 0; padding: 1mm 1em; }
.colophon .copies { border-bottom: 0.25mm solid #000; padding-left: 4em; text-indent: -3em; }
.printing { display: flex; justify-content: space-between; }
.verification {
  margin: 3mm 0 0; color: #555; font-size: 9pt; line-height: 1.5;
  font-family: "Noto Serif SC", "Source Han Serif SC", SimSun, serif; word-break: break-all;
}
.verification p { margin: 0; }
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
        else:
            out.append(f'<p class="{para.kind}">{_e(para.text)}</p>')
    out += [
        f'<p class="closing">{_e(letter.closing)}</p>',
        "</section>",
        '<div class="signature"><div class="signature-block">',
        f'<div class="signature-unit">{_e(letter.signature)}</div>',
        f'<div class="signature-date">{_e(letter.date)}</div>',
        "</div></div>",
        f'<p class="note">{_e(letter.note)}</p>',
        '<footer class="colophon">',
    ]
    if letter.copies:
        out.append(f'<p class="copies">{_e(letter.copies)}</p>')
    out += [
        f'<p class="printing"><span>{_e(letter.printed_by)}</span>'
        f"<span>{_e(letter.printed_date)}</span></p>",
        "</footer>",
        '<div class="verification">',
        *(f"<p>{_e(line)}</p>" for line in letter.verification),
        "</div>",
        "</article>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)
