"""Layered rulebooks: a city's rules extend its province's, which extend the national ones.

A layer is one TOML text. The national layer is complete; a layer that `extends` another states
only what it adds or changes, merged over its parent:

- `[citations]` and `[settings]`: key by key (a layer sets only the values it changes);
- `[[rules]]`: a rule whose `rule_id` the parent has is merged over the parent's rule key by
  key (so a layer may restate only its `basis` or `blocks`); a new `rule_id` adds a rule;
  `remove_rules = [...]` drops rules of the parent;
- `id`, `version`, `title`, `jurisdiction`, `division_code`, `effective_from`,
  `effective_until`: the layer's own.

The merged table is validated as a whole (`parse_rulebook`), so a layer that leaves a rule
incomplete is refused naming that rule. What a decision applied is recorded exactly: one layer's
text has its own sha256; a stack of layers is kept as one JSON envelope of their exact texts
(root first), and the decision names the envelope's sha256 and every layer's.

Why our own merge rather than a config-layering library: the merge is by `rule_id` inside an
array of tables, and which keys merge and which replace is part of the rules' meaning; it is
twenty lines, and keeping it here keeps the engine free of dependencies.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from app.vetting.rules.decision import LayerRef
from app.vetting.rules.rulebook_model import Rulebook
from app.vetting.rules.rulebook_parse import RulebookError, parse_rulebook

ENVELOPE = "vetting-rulebook-layers/1"
OWN_KEYS = (
    "id",
    "version",
    "title",
    "jurisdiction",
    "division_code",
    "extends",
    "effective_from",
    "effective_until",
)
TOP_LEVEL_KEYS = frozenset({*OWN_KEYS, "citations", "settings", "rules", "remove_rules"})
DIVISION_CODE = re.compile(r"^[0-9]{6}$")
RULEBOOK_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")


@dataclass(frozen=True)
class Layer:
    """One rulebook text, read and checked for what layering needs (the rest is checked when
    the layers are composed)."""

    id: str
    version: str
    extends: str | None
    division_code: str | None
    effective_from: date
    effective_until: date | None
    source: str  # a file name, or `<id>@<version>`
    text: str
    sha256: str
    data: Mapping[str, Any]

    @property
    def ref(self) -> LayerRef:
        return LayerRef(id=self.id, version=self.version, sha256=self.sha256)

    def in_force(self, day: date) -> bool:
        return self.effective_from <= day and (
            self.effective_until is None or day <= self.effective_until
        )


def _date(value: Any, key: str, where: str) -> date:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise RulebookError(f"{where}: {key!r} must be a date (YYYY-MM-DD)")
    return value


def read_layer(text: str, source: str) -> Layer:
    """A layer from its exact text; raises RulebookError naming `source` and the fault."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RulebookError(f"{source}: not a valid TOML file: {error}") from None
    unknown = sorted(set(data) - TOP_LEVEL_KEYS)
    if unknown:
        raise RulebookError(f"{source}: unknown top-level keys {unknown}")
    for key in ("id", "version"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise RulebookError(f"{source}: missing {key!r}")
    if not RULEBOOK_ID.match(data["id"]):
        raise RulebookError(f"{source}: 'id' must be lower-case letters, digits and '-'")
    extends = data.get("extends")
    if extends is not None and (not isinstance(extends, str) or extends == data["id"]):
        raise RulebookError(f"{source}: 'extends' must name another rulebook id")
    code = data.get("division_code")
    if code is not None and (not isinstance(code, str) or not DIVISION_CODE.match(code)):
        raise RulebookError(f"{source}: 'division_code' must be six digits (GB/T 2260)")
    if "effective_from" not in data:
        raise RulebookError(f"{source}: missing 'effective_from'")
    start = _date(data["effective_from"], "effective_from", source)
    until_value = data.get("effective_until")
    until = None if until_value in (None, "none") else _date(until_value, "effective_until", source)
    if until is not None and until < start:
        raise RulebookError(f"{source}: effective_until is before effective_from")
    if extends is None:
        for key in ("citations", "settings", "rules"):
            if key not in data:
                raise RulebookError(f"{source}: missing {key!r} (a rulebook that extends none)")
    if "remove_rules" in data and (
        extends is None
        or not isinstance(data["remove_rules"], list)
        or not all(isinstance(r, str) for r in data["remove_rules"])
    ):
        raise RulebookError(f"{source}: 'remove_rules' is a list of rule ids, for a layer only")
    stated = [t.get("rule_id") for t in data.get("rules", []) if isinstance(t, dict)]
    twice = sorted({r for r in stated if isinstance(r, str) and stated.count(r) > 1})
    if twice:
        raise RulebookError(f"{source}: rules defined twice: {twice}")
    return Layer(
        id=data["id"],
        version=data["version"],
        extends=extends,
        division_code=code,
        effective_from=start,
        effective_until=until,
        source=source,
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        data=data,
    )


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise RulebookError(f"{where}: [{key}] must be a table")
    return value


def _rules(data: Mapping[str, Any], where: str) -> list[dict[str, Any]]:
    value = data.get("rules", [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise RulebookError(f"{where}: every [[rules]] entry must be a table")
    if not all(isinstance(t.get("rule_id"), str) for t in value):
        raise RulebookError(f"{where}: every [[rules]] entry needs a rule_id")
    return value


def merge(parent: Mapping[str, Any], child: Layer) -> dict[str, Any]:
    """The table `child` states, merged over `parent`'s (see the module docstring)."""
    where = child.source
    merged: dict[str, Any] = {k: v for k, v in parent.items() if k not in OWN_KEYS}
    merged.update({k: child.data[k] for k in OWN_KEYS if k in child.data})
    for key in ("citations", "settings"):
        merged[key] = {**_table(parent, key, where), **_table(child.data, key, where)}
    rules = {t["rule_id"]: dict(t) for t in _rules(parent, where)}
    for rule_id in child.data.get("remove_rules", []):
        if rule_id not in rules:
            raise RulebookError(f"{where}: remove_rules names {rule_id!r}, not in what it extends")
        del rules[rule_id]
    for table in _rules(child.data, where):
        rule_id = table["rule_id"]
        rules[rule_id] = {**rules.get(rule_id, {}), **table}
    merged["rules"] = list(rules.values())
    merged.pop("remove_rules", None)
    return merged


def envelope(layers: Sequence[Layer]) -> str:
    """The exact texts of a stack of layers, root first, as one stored text (only the texts:
    the same texts read from anywhere make the same envelope and sha256)."""
    body = {"format": ENVELOPE, "layers": [{"text": layer.text} for layer in layers]}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def compose(layers: Sequence[Layer]) -> tuple[Rulebook, str]:
    """The rulebook a stack of layers (root first, each extending the one before) makes, and
    the exact text it is kept as: the single layer's own text, or the envelope of them all."""
    if not layers:
        raise RulebookError("no rulebook layers")
    root, *rest = layers
    if root.extends is not None:
        raise RulebookError(f"{root.source}: extends {root.extends!r}, which is not given")
    data: dict[str, Any] = dict(root.data)
    for parent, child in zip(layers, rest, strict=False):
        if child.extends != parent.id:
            raise RulebookError(f"{child.source}: extends {child.extends!r}, not {parent.id!r}")
        data = merge(data, child)
    if not rest:
        return parse_rulebook(data, root.sha256, root.source), root.text
    text = envelope(layers)
    sha = hashlib.sha256(text.encode("utf-8")).hexdigest()
    source = " over ".join(layer.source for layer in reversed(layers))
    rulebook = parse_rulebook(data, sha, source)
    refs = tuple(layer.ref for layer in layers)
    stated = _stated_in(layers)
    return replace(rulebook, layers=refs, extends=layers[-1].extends, stated_in=stated), text


def _stated_in(layers: Sequence[Layer]) -> dict[str, tuple[str, date]]:
    """For each rule's `blocks` and `basis` and each setting, the last layer that stated it."""
    stated: dict[str, tuple[str, date]] = {}
    for layer in layers:
        where = (layer.id, layer.effective_from)
        for rule_id in layer.data.get("remove_rules", []):
            stated.pop(f"rules.{rule_id}.blocks", None)
            stated.pop(f"rules.{rule_id}.basis", None)
        for table in _rules(layer.data, layer.source):
            for key in ("blocks", "basis"):
                if key in table:
                    stated[f"rules.{table['rule_id']}.{key}"] = where
        for key in _table(layer.data, "settings", layer.source):
            stated[f"settings.{key}"] = where
    return stated


def layers_of(content: str, source: str) -> list[Layer]:
    """The layers of a stored text: an envelope's, or the one layer a TOML text is."""
    if not content.startswith("{"):
        return [read_layer(content, source)]
    try:
        body = json.loads(content)
        if body.get("format") != ENVELOPE:
            raise ValueError(f"unknown format {body.get('format')!r}")
        texts = [item["text"] for item in body["layers"]]
        return [read_layer(t, f"{source} layer {n}") for n, t in enumerate(texts, 1)]
    except (ValueError, KeyError, TypeError) as error:
        raise RulebookError(f"{source}: not a rulebook layers envelope: {error}") from None


def parse_stored(content: str, source: str) -> Rulebook:
    """The rulebook a stored text (as kept with the decisions that used it) gives back."""
    return compose(layers_of(content, source))[0]
