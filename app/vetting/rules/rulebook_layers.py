"""Layered rulebooks: a city's rules extend its province's, which extend the national ones.

A layer is one TOML text. The national layer is complete; a layer that `extends` another states
only what it adds or changes, merged over its parent:

- `[citations]` and `[settings]`: key by key (a layer sets only the values it changes);
- `[[rules]]`: a rule whose `rule_id` the parent has is merged over the parent's rule key by
  key (so a layer may restate only its `basis` or `blocks`); a new `rule_id` adds a rule;
  `remove_rules = [...]` drops rules of the parent;
- `[[duty_lists]]` by `list_id` and `[[duty_references]]` by `unit_kind`, the same way (a
  layer restating a list's `duties` replaces them as a whole); `remove_duty_lists = [...]`;
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
TOP_LEVEL_KEYS = frozenset(
    {
        *OWN_KEYS,
        "citations",
        "settings",
        "rules",
        "remove_rules",
        "duty_lists",
        "remove_duty_lists",
        "duty_references",
    }
)
# Arrays of tables merged by a key, like rules by rule_id: (array, key, removal list).
KEYED_ARRAYS = (
    ("rules", "rule_id", "remove_rules"),
    ("duty_lists", "list_id", "remove_duty_lists"),
    ("duty_references", "unit_kind", None),
)
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
    for array, key, removal in KEYED_ARRAYS:
        if (
            removal is not None
            and removal in data
            and (
                extends is None
                or not isinstance(data[removal], list)
                or not all(isinstance(r, str) for r in data[removal])
            )
        ):
            raise RulebookError(f"{source}: {removal!r} is a list of {key}s, for a layer only")
        entries = data.get(array, [])
        stated = (
            [t.get(key) for t in entries if isinstance(t, dict)]
            if isinstance(entries, list)
            else []
        )
        twice = sorted({r for r in stated if isinstance(r, str) and stated.count(r) > 1})
        if twice:
            what = "rules" if array == "rules" else array.replace("_", " ")
            raise RulebookError(f"{source}: {what} defined twice: {twice}")
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


def _rules(
    data: Mapping[str, Any], where: str, array: str = "rules", key: str = "rule_id"
) -> list[dict[str, Any]]:
    value = data.get(array, [])
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise RulebookError(f"{where}: every [[{array}]] entry must be a table")
    if not all(isinstance(t.get(key), str) for t in value):
        raise RulebookError(f"{where}: every [[{array}]] entry needs a {key}")
    return value


def merge(parent: Mapping[str, Any], child: Layer) -> dict[str, Any]:
    """The table `child` states, merged over `parent`'s (see the module docstring)."""
    where = child.source
    merged: dict[str, Any] = {k: v for k, v in parent.items() if k not in OWN_KEYS}
    merged.update({k: child.data[k] for k in OWN_KEYS if k in child.data})
    for key in ("citations", "settings"):
        merged[key] = {**_table(parent, key, where), **_table(child.data, key, where)}
    for array, key, removal in KEYED_ARRAYS:
        entries = {t[key]: dict(t) for t in _rules(parent, where, array, key)}
        for name in child.data.get(removal, []) if removal else []:
            if name not in entries:
                raise RulebookError(f"{where}: {removal} names {name!r}, not in what it extends")
            del entries[name]
        for table in _rules(child.data, where, array, key):
            entries[table[key]] = {**entries.get(table[key], {}), **table}
        if entries or array in parent or array in child.data:
            merged[array] = list(entries.values())
        if removal:
            merged.pop(removal, None)
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
    """For each rule's `blocks` and `basis`, each setting, duty list and duty reference, the
    last layer that stated it."""
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
        for name in layer.data.get("remove_duty_lists", []):
            stated.pop(f"duty_lists.{name}", None)
        for array, key, _ in KEYED_ARRAYS[1:]:
            for table in _rules(layer.data, layer.source, array, key):
                stated[f"{array}.{table[key]}"] = where
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
