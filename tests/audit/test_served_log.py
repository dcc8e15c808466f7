"""A real server process keeps the log by itself: its sequencer logs committed events within
moments, it signs checkpoints on its schedule, publishes its rulebooks at start, and the
`vetting audit verify` command audits it over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.serving import ROOT, served, uvicorn_command


def _until(check: Any, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.1)
    raise AssertionError("not within the time allowed")


def test_the_server_logs_signs_and_is_audited(
    settings: Settings, admin_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VETTING_CHECKPOINT_INTERVAL_SECONDS", "1")
    headers = {"Authorization": f"Bearer {admin_key}"}
    with served(settings, uvicorn_command, "/healthz") as base:
        made = httpx.post(
            f"{base}/v1/org-units",
            json={"name": "泸州市人民政府", "kind": "government", "level": "city"},
            headers=headers,
        )
        assert made.status_code == 201, made.text

        def logged() -> bool:
            page = httpx.get(f"{base}/v1/audit-events", headers=headers).json()
            return bool(page["items"]) and all(e["log_index"] is not None for e in page["items"])

        _until(logged)
        published = httpx.get(
            f"{base}/v1/audit-events", params={"action": "rulebook.published"}, headers=headers
        ).json()
        assert published["total"] >= 1

        def signed() -> Any:
            answer = httpx.get(f"{base}/v1/audit-log/checkpoint", headers=headers)
            return answer.status_code == 200 and answer.json()["size"] >= 3 and answer.json()

        assert _until(signed)["note"].startswith(settings.log_origin + "\n")
        state = tmp_path / "auditor.json"
        command = [sys.executable, "-m", "app.cli", "audit", "verify", "--url", base]
        command += ["--key", admin_key, "--state", str(state)]
        env = {"VETTING_SECRET_KEY": settings.secret_key or "", "VETTING_LOG_JSON": "false"}
        for _ in range(2):  # pins the key and keeps the checkpoint, then checks against it
            run = subprocess.run(
                command,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=60,
                env={**os.environ, **env},
            )
            assert run.returncode == 0, run.stdout + run.stderr
            assert "OK:" in run.stdout and "MACs" in run.stdout
        assert state.exists() and Path(f"{state}.leaves").stat().st_size % 32 == 0
