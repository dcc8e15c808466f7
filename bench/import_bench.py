"""Bulk-import benchmark: one 50,000-row CSV of assessments through POST /v1/imports, end to end
(upload, parse, validate every row, resolve 50,000 ID numbers, COPY, audit), timed.

    .venv/bin/python bench/import_bench.py [--database-url …] [--rows 50000]

Uses its own throwaway database (on TEST_DATABASE_URL's server or an embedded one) holding as many
generated cadres as rows."""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import embedded  # noqa: E402
from app.runtime import migrate  # noqa: E402
from bench.generate import SECRET, generate, number_for  # noqa: E402
from bench.run import _key, free_port, wait_ready  # noqa: E402
from tests.dbutil import create_database, drop_database  # noqa: E402


def sample_csv(rows: int, year: int) -> bytes:
    out = io.StringIO()
    out.write("身份证号,考核类型,年度,等次\n")
    grades = ["称职", "称职", "称职", "优秀", "基本称职"]
    for i in range(rows):
        out.write(f"{number_for(i)},年度考核,{year},{grades[i % 5]}\n")
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=50_000)
    args = parser.parse_args()
    configured = os.environ.get("TEST_DATABASE_URL")
    server = None
    if configured:
        server_url = configured
    else:
        server = embedded.start(
            Path(tempfile.mkdtemp(prefix="vetting-import-")) / "pg", delete_on_exit=True
        )
        server_url = server.url("postgres")
    url = create_database(server_url, prefix="vetting_import_bench")
    port = free_port()
    proc = None
    try:
        migrate(url)
        started = time.perf_counter()
        asyncio.run(generate(url, args.rows))
        print(
            f"generated {args.rows:,} cadres and their records in "
            f"{time.perf_counter() - started:.1f} s",
            flush=True,
        )
        key = asyncio.run(_key(url))
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "VETTING_SECRET_KEY": SECRET,
            "VETTING_LOG_LEVEL": "WARNING",
            "VETTING_MAX_BODY_BYTES": str(50 * 1024 * 1024),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_ready(f"http://127.0.0.1:{port}/healthz")
        content = sample_csv(args.rows, 2026)
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "text/csv"}
        with httpx.Client(timeout=300) as http:
            started = time.perf_counter()
            response = http.post(
                f"http://127.0.0.1:{port}/v1/imports/assessments",
                content=content,
                headers=headers,
                params={"filename": "assessments.csv"},
            )
            elapsed = time.perf_counter() - started
            assert response.status_code == 201, response.text[:1000]
            again = time.perf_counter()
            second = http.post(
                f"http://127.0.0.1:{port}/v1/imports/assessments", content=content, headers=headers
            )
            repeat = time.perf_counter() - again
        assert second.json()["already_imported"] is True
        print(
            f"import of {response.json()['rows']:,} rows ({len(content) / 1e6:.1f} MB CSV): "
            f"{elapsed:.2f} s end to end ({args.rows / elapsed:,.0f} rows/s)  "
            f"(target < 30 s: {'met' if elapsed < 30 else 'NOT met'})"
        )
        print(f"the same file again: {repeat:.2f} s, no-op (already imported)")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        drop_database(server_url, url)
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
