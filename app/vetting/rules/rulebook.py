"""Loading rulebooks: by file path or by the name of a file shipped under `rulebooks/`.

The sha256 is taken over the file's exact bytes, so a decision records precisely which text of
the rules it applied, and any edit — even a comment — yields a new hash.
"""

from __future__ import annotations

import functools
from pathlib import Path

from app.vetting.rules.rulebook_layers import Layer, compose, read_layer
from app.vetting.rules.rulebook_model import Block, Rule, Rulebook, Settings
from app.vetting.rules.rulebook_parse import RulebookError

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


def read_file(path: Path) -> Layer:
    """One rulebook file as a layer (its exact text and sha256)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise RulebookError(f"{path.name}: not UTF-8: {error}") from None
    return read_layer(text, path.name)


def load_rulebook(path_or_name: str | Path) -> Rulebook:
    """Load and validate a rulebook, with the shipped rulebooks it extends (one version of
    each); raises RulebookError (a ValueError) naming the fault."""
    layers = [read_file(_resolve(path_or_name))]
    while layers[0].extends is not None:
        if any(layer.id == layers[0].extends for layer in layers):
            raise RulebookError(f"{layers[0].source}: rulebooks extend each other in a loop")
        layers.insert(0, read_file(_resolve(layers[0].extends)))
    return compose(layers)[0]


@functools.cache
def default_rulebook() -> Rulebook:
    return load_rulebook(DEFAULT_RULEBOOK)


def available_rulebooks() -> list[str]:
    """Names of the rulebooks shipped with the service (file stems, which are their ids)."""
    return sorted(p.stem for p in RULEBOOK_DIR.glob("*.toml"))
