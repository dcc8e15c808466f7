"""`vetting keys create|list|revoke` against the suite's database, and the keys they make used
over HTTP."""

import os
import subprocess
import sys
from typing import Any

import httpx

from app.auth.service import forget_cached_keys
from app.config import Settings
from tests.factories import Api


def vetting(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "VETTING_SECRET_KEY": settings.resolved_secret_key(),
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_keys_are_created_listed_and_revoked_from_the_command_line(
    settings: Settings, api: Api, client: httpx.AsyncClient
) -> None:
    unit = await api.org_unit("泸州市人民政府")
    created = vetting(
        settings,
        "create",
        "--name",
        "hr-system",
        "--scopes",
        "records:read",
        "--org-unit",
        unit["id"],
    )
    assert created.returncode == 0, created.stderr
    key, details = created.stdout.splitlines()[:2]
    assert key.startswith("cvk_") and "records:read" in details
    client_id = details.split("client ")[1].split(";")[0]

    headers = {"Authorization": f"Bearer {key}"}
    units = await client.get("/v1/org-units", headers=headers)
    assert units.status_code == 200 and [u["id"] for u in units.json()["items"]] == [unit["id"]]
    write = await client.post("/v1/org-units", headers=headers, json={"name": "x"})
    assert write.status_code == 403  # records:read only

    listed = vetting(settings, "list")
    assert listed.returncode == 0
    line: Any = next(row for row in listed.stdout.splitlines() if "hr-system" in row)
    assert client_id in line and "active" in line and f"org_unit={unit['id']}" in line
    assert key not in listed.stdout  # keys are shown once, at creation

    revoked = vetting(settings, "revoke", client_id)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    forget_cached_keys()  # another process revoked it: this one forgets within seconds anyway
    assert (await client.get("/v1/org-units", headers=headers)).status_code == 401
    assert "REVOKED" in vetting(settings, "list").stdout


def test_an_unknown_scope_is_refused_with_the_valid_ones(settings: Settings) -> None:
    result = vetting(settings, "create", "--name", "x", "--scopes", "records:everything")
    assert result.returncode == 2
    assert "unknown scope 'records:everything'" in result.stderr
    assert "vetting:check" in result.stderr and "Traceback" not in result.stderr
