"""The engine is pure: importing it pulls in no database, web framework or settings library."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import app.vetting.rules as rules

ROOT = Path(__file__).resolve().parents[3]
FORBIDDEN = ("sqlalchemy", "fastapi", "pydantic_settings", "asyncpg", "httpx", "starlette")


@pytest.fixture(scope="module")
def modules_after_import() -> list[str]:
    script = (
        "import json, sys; import app.vetting.rules; "
        "from app.vetting.rules import default_rulebook; default_rulebook(); "
        "print(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(result.stdout)
    return loaded


@pytest.mark.parametrize("package", FORBIDDEN)
def test_importing_the_engine_loads_no_io_framework(
    modules_after_import: list[str], package: str
) -> None:
    assert not [m for m in modules_after_import if m == package or m.startswith(package + ".")]


def test_the_engine_sources_import_only_the_standard_library_and_app_domain() -> None:
    package_dir = Path(rules.__file__).parent
    for source in package_dir.glob("*.py"):
        for line in source.read_text(encoding="utf-8").splitlines():
            if line.startswith(("import ", "from ")) and "app." in line:
                module = line.split()[1]
                assert module.startswith(("app.domain", "app.vetting.rules")), (source, line)


def test_the_public_api_is_exported() -> None:
    for name in ("evaluate", "load_rulebook", "default_rulebook", "available_rulebooks"):
        assert name in rules.__all__ and callable(getattr(rules, name))
    for name in ("decision_to_dict", "decision_from_dict", "comparable", "diff"):
        assert callable(getattr(rules, name))
