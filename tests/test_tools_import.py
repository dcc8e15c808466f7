"""The benchmark and fuzzing scripts are not run by the suite (they take minutes), but each must
still import: a refactor that moves a name they use would otherwise go unnoticed until someone
runs `make bench`."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(
    p for p in [*ROOT.glob("bench/*.py"), *ROOT.glob("scripts/*.py")] if p.name != "__init__.py"
)


def test_there_are_scripts_to_check() -> None:
    names = {p.name for p in SCRIPTS}
    assert {"run.py", "engine_bench.py", "import_bench.py", "fuzz_api.py"} <= names


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_script_imports(path: Path) -> None:
    name = f"_script_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)  # top level only: each runs its work under __main__
    finally:
        del sys.modules[name]
    assert module.__doc__, f"{path.name} says what it is for"
