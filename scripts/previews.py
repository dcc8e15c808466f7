"""PNG renders for review (`make previews`): the opinion letter — objection, no objection, and
the sealed layout — pages 1 and 2 each, and the public results page. Not committed.

The letters are the renderer tests' sample documents (tests/consultations/letters.py), rendered
by the service's own typesetter (Typst, `app.consultations.typeset`), which also writes PNG.
The public page is `app.public.page.render_page` on sample results, screenshotted by headless
Chromium when it is installed (Debian: `apt-get install chromium`); without it only its HTML
is written. Prints the time per letter render (PDF, warm), for the record.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.consultations.stamp import Stamp  # noqa: E402
from app.consultations.typeset import font_paths, render_pages, render_pdf  # noqa: E402
from app.domain.enums import AssessmentKind, AssessmentSubject  # noqa: E402
from app.public.page import render_page  # noqa: E402
from app.public.schemas import PublicResult, PublicResults  # noqa: E402
from tests.consultations.letters import (  # noqa: E402
    LOG_SEAL,
    SEAL_SVG,
    no_objection,
    objection,
)

SEAL = Stamp(SEAL_SVG, "image/svg+xml")


def letters(out: Path) -> None:
    cases = {
        "letter-objection": (objection(), None),
        "letter-no-objection": (no_objection(), None),
        "letter-sealed": (no_objection(), SEAL),
    }
    for name, (doc, stamp) in cases.items():
        for number, png in enumerate(render_pages(doc, LOG_SEAL, stamp, ppi=110)[:2], 1):
            (out / f"{name}-page{number}.png").write_bytes(png)
    render_pdf(objection(), LOG_SEAL)  # warm: fonts read once per process
    runs = 10
    start = time.perf_counter()
    for _ in range(runs):
        render_pdf(objection(), LOG_SEAL)
    print(f"letter render (PDF, 2 pages, warm): {(time.perf_counter() - start) / runs:.3f} s")


def public_page(out: Path) -> None:
    results = [
        PublicResult(
            year=2025,
            subject=AssessmentSubject.ORG_UNIT,
            kind=AssessmentKind.ANNUAL,
            kind_label="年度考核",
            grade="excellent",
            grade_label="优秀",
            score="96.5",
            org_unit=unit,
            published_on=date(2026, 3, 20),
        )
        for unit in ("江阳区人民政府", "龙马潭区人民政府", "纳溪区人民政府", "泸县人民政府")
    ]
    page = PublicResults(
        year=2025,
        org_unit_id=None,
        results=results,
        total=len(results),
        limit=50,
        offset=0,
        next_offset=None,
        years=[2025, 2024, 2023],
        publisher="泸州市安全生产委员会办公室",
        published_on=date(2026, 3, 20),
        objection_days=7,
        objections_until=date(2026, 3, 27),
        contact="泸州市江阳区康城路 1 号，电话 0830-0000000",
    )
    html = out / "public-results.html"
    html.write_text(render_page(page), encoding="utf-8")
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("public page: HTML written; install Chromium for the PNG (apt-get install chromium)")
        return
    with tempfile.TemporaryDirectory() as profile:
        # The project's faces made visible to Chromium too (a server may have no CJK font;
        # a reader's machine has its own).
        config = Path(profile) / "fonts.conf"
        dirs = "".join(f"<dir>{d}</dir>" for d in font_paths())
        config.write_text(
            '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd"><fontconfig>'
            f'{dirs}<include ignore_missing="yes">/etc/fonts/fonts.conf</include></fontconfig>'
        )
        shots = (("public-results.png", "1280,1000"), ("public-results-phone.png", "390,900"))
        for name, size in shots:
            subprocess.run(
                [
                    browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    f"--user-data-dir={profile}",
                    f"--window-size={size}",
                    f"--screenshot={out / name}",
                    html.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=120,
                env={**os.environ, "FONTCONFIG_FILE": str(config)},
            )


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/previews").resolve()
    out.mkdir(parents=True, exist_ok=True)
    letters(out)
    public_page(out)
    for path in sorted(out.iterdir()):
        print(path)


if __name__ == "__main__":
    main()
