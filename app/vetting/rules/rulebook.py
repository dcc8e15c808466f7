"""Loading rulebooks: by file path or by the name of a file shipped under `rulebooks/`.

The sha256 is taken over the file's exact bytes, so a decision records precisely which text of
the rules it applied, and any edit — even a comment — yields a new hash.
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from pathlib import Path

from app.vetting.rules.rulebook_model import Block, Rule, Rulebook, Settings
from app.vetting.rules.rulebook_parse import RulebookError, parse_rulebook

RULEBOOK_DIR = Path(__file__).parent / "rulebooks"
DEFAULT_RULEBOOK = "cn-sichuan-luzhou-2018"

__all__ = [
    "DEFAULT_RULEBOOK",
    "Block",
    "Rule",
    "Rulebook",
    "RulebookError",
    "Settings",
    "available_rulebooks",
    "default_rulebook",
    "load_rulebook",
]


def _resolve(path_or_name: str | Path) -> Path:
    path = Path(path_or_name)
    if path.is_file():
        return path
    if path.suffix == ".toml":
        raise RulebookError(f"no rulebook file at {path}")
    shipped = RULEBOOK_DIR / f"{path_or_name}.toml"
    if not shipped.is_file():
        known = ", ".join(available_rulebooks())
        raise RulebookError(f"no rulebook named {str(path_or_name)!r} (available: {known})")
    return shipped


def load_rulebook(path_or_name: str | Path) -> Rulebook:
    """Load and validate a rulebook; raises RulebookError (a ValueError) naming the fault."""
    path = _resolve(path_or_name)
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise RulebookError(f"{path.name}: not a valid TOML file: {error}") from None
    return parse_rulebook(data, hashlib.sha256(raw).hexdigest(), path.name)


@functools.cache
def default_rulebook() -> Rulebook:
    return load_rulebook(DEFAULT_RULEBOOK)


def available_rulebooks() -> list[str]:
    """Names of the rulebooks shipped with the service (file stems, which are their ids)."""
    return sorted(p.stem for p in RULEBOOK_DIR.glob("*.toml"))
