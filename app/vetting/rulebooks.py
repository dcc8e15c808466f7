"""The rulebooks this service applies: every version of every layer (national, provincial,
city), which of them governs a decision, and the exact texts kept with the decisions.

Which rulebook governs a decision (`Rulebooks.resolve`): the one asked for by id, else the
jurisdiction of the target post's org unit, else the requesting client's jurisdiction, else the
deployment's fallback (national by default). A jurisdiction is found by walking up the org-unit
tree from the unit to the nearest one with a division code (GB/T 2260) that some rulebook
governs — the code itself, then its prefecture (`5105xx` → `510500`), then its province
(`51xxxx` → `510000`). Of that rulebook, the version in force on `as_of` applies, over the
versions of its parents in force that day; if the city's own measures were not yet in force,
the province's apply, and so on up; before any rules were in force, the earliest national
version is applied and holds the decision saying so (`hold.rules_not_in_force`) rather than
inventing a rule. `resolved_by` says which of these steps chose the rulebook.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.service import record
from app.context import system_context
from app.errors import AppError, NotFound
from app.models import AuditEvent, RulebookText
from app.uow import unit_of_work
from app.vetting import repository
from app.vetting.rules import Rulebook, available_rulebooks
from app.vetting.rules.rulebook import RULEBOOK_DIR, read_file
from app.vetting.rules.rulebook_layers import Layer, compose, parse_stored
from app.vetting.rules.rulebook_parse import RulebookError

NATIONAL = "cn-national-2018"
# Where a server's sessions carry its registry (`bind`): what a unit of work's handlers apply.
SESSION_KEY = "rulebooks"
# How a rulebook was chosen, with its Chinese label.
BASES = {
    "requested": "请求指定",
    "target_org_unit": "拟任职务所在单位",
    "client_jurisdiction": "调用方管辖范围",
    "fallback": "默认规则",
}


def parse_text(content: str, source: str) -> Rulebook:
    """A rulebook from its exact stored text (one layer's TOML, or an envelope of layers)."""
    return parse_stored(content, source)


@dataclass(frozen=True)
class Unit:
    """An org unit on a jurisdiction walk: its id and division code."""

    id: UUID
    division_code: str | None


@dataclass(frozen=True)
class Resolution:
    rulebook: Rulebook
    basis: str  # a key of BASES
    org_unit_id: UUID | None
    division_code: str | None
    governing_id: str  # the rulebook the jurisdiction has (its version in force may be a parent's)

    def describe(self) -> dict[str, Any]:
        book = self.rulebook
        where_zh = f"（行政区划代码 {self.division_code}）" if self.division_code else ""
        where_en = f" (division code {self.division_code})" if self.division_code else ""
        label = BASES[self.basis]
        return {
            "basis": self.basis,
            "basis_zh": label,
            "org_unit_id": self.org_unit_id,
            "division_code": self.division_code,
            "rulebook_id": self.governing_id,
            "message_zh": f"依{label}{where_zh}适用《{book.title}》{book.version} 版。",
            "message_en": (
                f"By {self.basis.replace('_', ' ')}{where_en}: {book.id} {book.version} applies."
            ),
        }


def _candidates(code: str) -> list[str]:
    """A division code, then its prefecture's, then its province's (GB/T 2260 nesting)."""
    out = [code, code[:4] + "00", code[:2] + "0000"]
    return list(dict.fromkeys(out))


@dataclass
class Rulebooks:
    versions: dict[str, list[Layer]] = field(default_factory=dict)  # id -> by effective_from
    texts: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # sha -> id, ver, text
    fallback_id: str = NATIONAL
    _composed: dict[tuple[str, ...], tuple[Rulebook, str]] = field(default_factory=dict)

    @classmethod
    def shipped(cls, fallback_id: str = NATIONAL) -> Rulebooks:
        books = cls(fallback_id=fallback_id)
        for name in available_rulebooks():
            books.add(read_file(RULEBOOK_DIR / f"{name}.toml"))
        books.check()
        return books

    def add(self, layer: Layer) -> None:
        """Add a version of a layer (kept in order of `effective_from`)."""
        versions = self.versions.setdefault(layer.id, [])
        if any(v.version == layer.version or v.sha256 == layer.sha256 for v in versions):
            raise RulebookError(f"{layer.source}: {layer.id} {layer.version} is already known")
        versions.append(layer)
        versions.sort(key=lambda v: v.effective_from)
        self.texts[layer.sha256] = (layer.id, layer.version, layer.text)

    def with_layer(self, layer: Layer) -> Rulebooks:
        """A trial copy with `layer` added (to see what a candidate version would change)."""
        trial = Rulebooks(
            {k: list(v) for k, v in self.versions.items()},
            dict(self.texts),
            self.fallback_id,
            self._composed,
        )
        trial.add(layer)
        trial.check()
        return trial

    def version(self, rulebook_id: str, version: str) -> Layer | None:
        return next((v for v in self.versions.get(rulebook_id, []) if v.version == version), None)

    def check(self) -> None:
        """Every version composes (its parents exist, no loops, the merged rules validate),
        and the fallback exists."""
        if self.fallback_id not in self.versions:
            known = ", ".join(sorted(self.versions))
            raise RulebookError(f"fallback rulebook {self.fallback_id!r} unknown; have {known}")
        for versions in self.versions.values():
            for layer in versions:
                self.compose(self.stack(layer, layer.effective_from))

    # -- which version, which stack ------------------------------------------------------

    def in_force(self, rulebook_id: str, day: date) -> Layer | None:
        return next((v for v in reversed(self.versions[rulebook_id]) if v.in_force(day)), None)

    def latest(self, rulebook_id: str) -> Layer:
        return self.versions[rulebook_id][-1]

    def stack(self, top: Layer, day: date) -> list[Layer]:
        """`top` over the versions of its parents in force on `day` (else their earliest)."""
        stack = [top]
        while stack[0].extends is not None:
            parent_id = stack[0].extends
            if parent_id not in self.versions:
                raise RulebookError(f"{stack[0].source}: extends unknown rulebook {parent_id!r}")
            if any(layer.id == parent_id for layer in stack):
                raise RulebookError(f"{stack[0].source}: rulebooks extend each other in a loop")
            stack.insert(0, self.in_force(parent_id, day) or self.versions[parent_id][0])
        return stack

    def compose(self, stack: Sequence[Layer]) -> Rulebook:
        key = tuple(layer.sha256 for layer in stack)
        if key not in self._composed:  # shared with trial copies: keyed by the exact texts
            self._composed[key] = compose(stack)
        rulebook, text = self._composed[key]
        self.texts.setdefault(rulebook.sha256, (rulebook.id, rulebook.version, text))
        return rulebook

    def governing(self, rulebook_id: str, day: date) -> Rulebook:
        """The rules `rulebook_id` stands for on `day`: its version in force over its parents';
        if none of its versions is in force, its parent's, and so up to the root; before any,
        the root's earliest version (which then holds the decision: not in force)."""
        current: str | None = rulebook_id
        while current is not None:
            layer = self.in_force(current, day)
            if layer is not None:
                return self.compose(self.stack(layer, day))
            current = self.versions[current][0].extends
        root = self.stack(self.versions[rulebook_id][0], day)[0]
        return self.compose([root])

    def current(self, rulebook_id: str) -> Rulebook:
        """The latest version of `rulebook_id` over its parents' latest."""
        stack = [self.latest(rulebook_id)]
        while stack[0].extends is not None:
            stack.insert(0, self.latest(stack[0].extends))
        return self.compose(stack)

    def by_division(self, code: str) -> str | None:
        for candidate in _candidates(code):
            for rulebook_id, versions in self.versions.items():
                if versions[-1].division_code == candidate:
                    return rulebook_id
        return None

    def _walk(self, units: Sequence[Unit]) -> tuple[Unit, str] | None:
        for unit in units:
            if unit.division_code is None:
                continue
            found = self.by_division(unit.division_code)
            if found is not None:
                return unit, found
        return None

    def resolve(
        self,
        requested: str | None,
        as_of: date,
        target: Sequence[Unit] = (),
        client: Sequence[Unit] = (),
    ) -> Resolution | AppError:
        """The rulebook governing a decision on `as_of` (see the module docstring). `target`
        and `client` are org units from the unit up to the root."""
        if requested is not None:
            if requested not in self.versions:
                known = ", ".join(sorted(self.versions))
                return NotFound(
                    f"No rulebook {requested!r}; available: {known}.",
                    errors=[("body.rulebook", "unknown rulebook")],
                )
            return Resolution(self.governing(requested, as_of), "requested", None, None, requested)
        for basis, units in (("target_org_unit", target), ("client_jurisdiction", client)):
            found = self._walk(units)
            if found is not None:
                unit, rulebook_id = found
                book = self.governing(rulebook_id, as_of)
                return Resolution(book, basis, unit.id, unit.division_code, rulebook_id)
        book = self.governing(self.fallback_id, as_of)
        return Resolution(book, "fallback", None, None, self.fallback_id)

    def find(self, rulebook_id: str) -> Rulebook | AppError:
        """The current version of a rulebook by id (for listing and replay)."""
        if rulebook_id not in self.versions:
            known = ", ".join(sorted(self.versions))
            return NotFound(
                f"No rulebook {rulebook_id!r}; available: {known}.",
                errors=[("path.rulebook_id", "unknown rulebook")],
            )
        return self.current(rulebook_id)

    def text_of(self, sha256: str) -> tuple[str, str, str, str]:
        rulebook_id, version, text = self.texts[sha256]
        return sha256, rulebook_id, version, text

    def layers(self) -> list[Layer]:
        return [layer for versions in self.versions.values() for layer in versions]


async def governing_for(
    session: AsyncSession, books: Rulebooks, units: Mapping[UUID, UUID | None], as_of: date
) -> dict[UUID, Rulebook]:
    """For each key, the rulebook governing its org unit's jurisdiction on `as_of` (walking up
    the tree, as a check with that unit as its target would), else the fallback's."""
    walks = await repository.coded_ancestors(session, [u for u in set(units.values()) if u])
    out: dict[UUID, Rulebook] = {}
    for key, unit in units.items():
        walk = [Unit(i, code) for i, code in walks.get(unit, [])] if unit else []
        resolution = books.resolve(None, as_of, walk)
        assert isinstance(resolution, Resolution)  # no rulebook named: always resolves
        out[key] = resolution.rulebook
    return out


def bind(maker: async_sessionmaker[AsyncSession], books: Rulebooks) -> None:
    """Let every session of `maker` carry `books` (the registry the server applies, with the
    versions activated since it started), for code that has only a session."""
    maker.configure(info={**maker.kw.get("info", {}), SESSION_KEY: books})


def of_session(session: AsyncSession) -> Rulebooks | None:
    books = session.info.get(SESSION_KEY)
    return books if isinstance(books, Rulebooks) else None


async def keep_text(session: AsyncSession, layer: Layer) -> None:
    """Keep a layer's exact text under its sha256 (once: the same text is the same row)."""
    await session.execute(
        pg_insert(RulebookText)
        .values(
            sha256=layer.sha256, rulebook_id=layer.id, version=layer.version, content=layer.text
        )
        .on_conflict_do_nothing()
    )


async def publish_shipped(maker: async_sessionmaker[AsyncSession], books: Rulebooks) -> int:
    """Log the publication of every shipped rulebook layer the log does not know yet (at a
    server's start): a change of the rules is an event in the audit log, with the exact text's
    hash, and the text itself is kept (rulebook_texts) under that hash. How many were new."""
    published = 0
    async with unit_of_work(maker) as session:
        for layer in books.layers():
            known = await session.scalar(
                select(AuditEvent.id).where(
                    AuditEvent.target_kind == "rulebook",
                    AuditEvent.target_id == layer.sha256,
                    AuditEvent.action == "rulebook.published",
                )
            )
            if known is not None:
                continue
            await keep_text(session, layer)
            summary = {
                "rulebook_id": layer.id,
                "version": layer.version,
                "extends": layer.extends,
                "effective_from": layer.effective_from.isoformat(),
            }
            record(
                session,
                system_context("rulebooks"),
                "rulebook.published",
                "rulebook",
                layer.sha256,
                summary,
            )
            published += 1
    return published
