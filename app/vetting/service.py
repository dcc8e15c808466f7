"""Vetting: resolve the candidates, load their facts set-based, evaluate with the pure engine,
log every decision immutably (one statement for any number), and present them.

A single check and a 10,000-item batch share this path: a check is a batch of one.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from app import clock
from app.audit.service import claim, insert_rows
from app.context import Context
from app.domain.enums import OrgUnitKind, Purpose
from app.domain.labels import zh
from app.errors import AppError, NotFound, Unprocessable
from app.models import OrgUnit
from app.security.pii import PiiCipher
from app.vetting import repository
from app.vetting.fact_rows import org_unit_ref
from app.vetting.facts_loader import FactsLoader
from app.vetting.rulebooks import Rulebooks
from app.vetting.rules import Decision, Rulebook, decision_to_dict, evaluate
from app.vetting.rules.facts import CadreFacts, TargetPost
from app.vetting.rules.snapshot import facts_snapshot
from app.vetting.schemas import CheckRequest


@dataclass(frozen=True)
class Prepared:
    key: str
    cadre_id: UUID
    purpose: Purpose
    as_of: date
    known_at: datetime
    target: OrgUnit | None
    rulebook: Rulebook


@dataclass(frozen=True)
class Evaluated:
    key: str
    decision: Decision
    facts: CadreFacts
    snapshot: bytes
    target_id: UUID | None


Outcome = Evaluated | AppError


def _target_problem(purpose: Purpose, target: OrgUnit | None, given: bool) -> AppError | None:
    field = "body.target_org_unit_id"
    if given and target is None:
        return NotFound("The target org unit does not exist.", errors=[(field, "no such org unit")])
    if purpose is not Purpose.SOE_HEAD_APPOINTMENT:
        return None
    if target is None:
        return Unprocessable(
            "soe_head_appointment needs the enterprise: send target_org_unit_id.",
            errors=[(field, "required for soe_head_appointment")],
        )
    if target.kind != OrgUnitKind.STATE_OWNED_ENTERPRISE or not target.is_key_soe:
        return Unprocessable(
            f"{target.name} is not a key state-owned enterprise.",
            errors=[(field, "not a key SOE")],
        )
    return None


class VettingService:
    def __init__(
        self, session: AsyncSession, cipher: PiiCipher, rulebooks: Rulebooks, timezone: str
    ) -> None:
        self.session = session
        self.cipher = cipher
        self.rulebooks = rulebooks
        self.zone = ZoneInfo(timezone)
        self.timezone = timezone

    async def _resolve(self, items: Mapping[str, CheckRequest]) -> dict[str, UUID | AppError]:
        digests = {
            key: self.cipher.lookup_hash(item.id_number)
            for key, item in items.items()
            if item.id_number is not None
        }
        found = await repository.cadre_ids_by_hash(self.session, list(set(digests.values())))
        resolved: dict[str, UUID | AppError] = {}
        for key, item in items.items():
            if item.cadre_id is not None:
                resolved[key] = item.cadre_id
            elif digests[key] in found:
                resolved[key] = found[digests[key]]
            else:
                resolved[key] = NotFound(
                    "No cadre has this ID number.", errors=[("body.id_number", "no such cadre")]
                )
        return resolved

    async def prepare(self, items: Mapping[str, CheckRequest]) -> dict[str, Prepared | AppError]:
        now = clock.now()
        today = clock.local_date(now)
        resolved = await self._resolve(items)
        target_ids = list({i.target_org_unit_id for i in items.values() if i.target_org_unit_id})
        units = await repository.org_units(self.session, target_ids)
        prepared: dict[str, Prepared | AppError] = {}
        for key, item in items.items():
            cadre = resolved[key]
            target = units.get(item.target_org_unit_id) if item.target_org_unit_id else None
            problem = _target_problem(item.purpose, target, item.target_org_unit_id is not None)
            rulebook = self.rulebooks.find(item.rulebook)
            if isinstance(cadre, AppError):
                prepared[key] = cadre
            elif problem is not None:
                prepared[key] = problem
            elif isinstance(rulebook, AppError):
                prepared[key] = rulebook
            elif item.known_at is not None and item.known_at > now:
                prepared[key] = Unprocessable(
                    "known_at is in the future.", errors=[("body.known_at", "in the future")]
                )
            else:
                prepared[key] = Prepared(
                    key,
                    cadre,
                    item.purpose,
                    item.as_of or today,
                    item.known_at or now,
                    target,
                    rulebook,
                )
        return prepared

    async def _facts_of(self, items: Sequence[Prepared]) -> Callable[[Prepared], CadreFacts | None]:
        """One query per distinct `known_at` (one, nearly always) for every cadre; each
        cadre's facts are then built when first asked for, once."""
        by_time: dict[datetime, set[UUID]] = defaultdict(set)
        for item in items:
            by_time[item.known_at].add(item.cadre_id)
        loader = FactsLoader(self.session, self.timezone)
        records = {t: await loader.fetch(list(ids), t) for t, ids in by_time.items()}
        built: dict[tuple[UUID, datetime], CadreFacts | None] = {}

        def facts(item: Prepared) -> CadreFacts | None:
            key = (item.cadre_id, item.known_at)
            if key not in built:
                found = records[item.known_at]
                built[key] = (
                    loader.facts(found, item.cadre_id) if item.cadre_id in found.people else None
                )
            return built[key]

        return facts

    async def outcomes(
        self, prepared: Mapping[str, Prepared | AppError]
    ) -> AsyncIterator[tuple[str, Outcome]]:
        """Each item's decision or problem, in order. Every few hundred items the event loop
        gets a turn, so that a store sent meanwhile proceeds in the database."""
        facts_of = await self._facts_of([p for p in prepared.values() if isinstance(p, Prepared)])
        evaluated_at = clock.now()
        snapshots: dict[int, bytes] = {}
        for n, (key, item) in enumerate(prepared.items(), 1):
            if n % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            if isinstance(item, AppError):
                yield key, item
                continue
            cadre_facts = facts_of(item)
            if cadre_facts is None:
                yield (
                    key,
                    NotFound(
                        f"No cadre {item.cadre_id} (as known at {item.known_at.isoformat()}).",
                        errors=[("body.cadre_id", "no such cadre")],
                    ),
                )
                continue
            if item.target is not None:
                target = TargetPost(org_unit=org_unit_ref(_unit_row(item.target)))
                cadre_facts = replace(cadre_facts, target=target)
            snapshot = snapshots.get(id(cadre_facts))
            if snapshot is None:  # one snapshot per facts object, however many purposes
                snapshot = snapshots[id(cadre_facts)] = facts_snapshot(cadre_facts)
            decision = evaluate(
                cadre_facts,
                item.purpose,
                item.as_of,
                item.rulebook,
                facts_sha256=hashlib.sha256(snapshot).hexdigest(),
            )
            decision = replace(decision, decision_id=uuid.uuid4(), evaluated_at=evaluated_at)
            target_id = item.target.id if item.target else None
            yield key, Evaluated(key, decision, cadre_facts, snapshot, target_id)

    async def evaluate(self, prepared: Mapping[str, Prepared | AppError]) -> dict[str, Outcome]:
        return {key: outcome async for key, outcome in self.outcomes(prepared)}

    async def evaluate_and_log(
        self,
        prepared: Mapping[str, Prepared | AppError],
        ctx: Context,
        batch_id: UUID,
        action: str,
    ) -> tuple[dict[str, Outcome], dict[UUID, dict[str, Any]], dict[str, Any]]:
        """A batch: decisions are stored a thousand at a time while the next ones are being
        evaluated (the database works while Python does), all in the request's transaction;
        the one audit event, summarising them all (`audit_summary`, returned too), goes with
        the last."""
        results: dict[str, Outcome] = {}
        chunk: list[Logged] = []
        writer = _Writer(self)
        try:
            async for key, outcome in self.outcomes(prepared):
                results[key] = outcome
                if isinstance(outcome, Evaluated):
                    chunk.append(Logged(outcome, ctx, batch_id))
                if len(chunk) >= STORE_EVERY:
                    await writer.send(chunk, [])
                    chunk = []
            summary = audit_summary(results)
            events = claim(self.session, ctx, action, "vetting_batch", batch_id, summary)
            await writer.send(chunk, events)
            return results, await writer.done(), summary
        finally:
            await writer.settle()

    async def log(
        self,
        evaluated: Sequence[Evaluated],
        ctx: Context,
        batch_id: UUID | None,
        action: str,
        target: tuple[str, UUID | None],
        summary: dict[str, Any],
    ) -> dict[UUID, dict[str, Any]]:
        """Store the decisions of one request with its one audit event; return their wire
        form by id."""
        events = claim(self.session, ctx, action, target[0], target[1], summary)
        return await self.store([Logged(e, ctx, batch_id) for e in evaluated], events)

    async def store(
        self, entries: Sequence[Logged], events: list[dict[str, Any]]
    ) -> dict[UUID, dict[str, Any]]:
        """Store decisions (of one request or of several) with the given audit event rows, in
        one statement per rulebook used (one, nearly always); return their wire form by id."""
        wire: dict[UUID, dict[str, Any]] = {}
        by_rulebook: dict[str, list[Logged]] = defaultdict(list)
        for entry in entries:
            by_rulebook[entry.result.decision.rulebook.sha256].append(entry)
        for sha, group in by_rulebook.items():
            rows, snapshots = [], {}
            for entry in group:
                item = entry.result
                body = present(item.decision, item.target_id)
                wire[body_id(body)] = body
                snapshots[item.decision.facts_sha256] = item.snapshot.decode()
                rows.append(_row(entry, body))
            rulebook = self.rulebooks.text_of(sha)
            await repository.store(self.session, rows, snapshots, rulebook, events)
            events = []  # inserted with the first group
        await insert_rows(self.session, events)  # when nothing was evaluated
        return wire


YIELD_EVERY = 20
STORE_EVERY = 1000


class _Writer:
    """Stores chunks of decisions one after another on the session's connection, each while
    the caller goes on evaluating."""

    def __init__(self, service: VettingService) -> None:
        self.service = service
        self.task: asyncio.Task[dict[UUID, dict[str, Any]]] | None = None
        self.wire: dict[UUID, dict[str, Any]] = {}

    async def send(self, entries: list[Logged], events: list[dict[str, Any]]) -> None:
        await self._wait()  # one statement at a time on a connection
        self.task = asyncio.ensure_future(self.service.store(entries, events))
        await asyncio.sleep(0)  # let it start: present the decisions and send them

    async def _wait(self) -> None:
        if self.task is not None:
            task, self.task = self.task, None
            self.wire.update(await task)

    async def done(self) -> dict[UUID, dict[str, Any]]:
        await self._wait()
        return self.wire

    async def settle(self) -> None:
        """On failure: let a statement in flight finish before the transaction rolls back."""
        if self.task is not None and not self.task.done():
            with contextlib.suppress(BaseException):
                await self.task


def _unit_row(unit: OrgUnit) -> dict[str, Any]:
    return {
        "id": str(unit.id),
        "name": unit.name,
        "kind": unit.kind,
        "level": unit.level,
        "is_key_soe": unit.is_key_soe,
        "industry": unit.industry,
    }


def body_id(body: Mapping[str, Any]) -> UUID:
    return UUID(str(body["decision_id"]))


def present(decision: Decision, target_id: UUID | None) -> dict[str, Any]:
    """The decision as the API shows it: the engine's JSON form plus Chinese labels."""
    body = decision_to_dict(decision)
    body["target_org_unit_id"] = str(target_id) if target_id else None
    body["labels"] = {"purpose": zh(decision.purpose), "outcome": zh(decision.outcome)}
    for finding, data in zip(decision.findings, body["findings"], strict=True):
        data["labels"] = {"effect": zh(finding.effect), "system": zh(finding.system)}
    return body


@dataclass(frozen=True)
class Logged:
    """A decision to store, and who asked for it."""

    result: Evaluated
    ctx: Context
    batch_id: UUID | None = None


def _row(entry: Logged, body: dict[str, Any]) -> repository.DecisionRow:
    item, d = entry.result, entry.result.decision
    assert d.decision_id is not None and d.evaluated_at is not None
    return repository.DecisionRow(
        id=d.decision_id,
        cadre_id=d.cadre_id,
        purpose=d.purpose.value,
        as_of=d.as_of,
        known_at=d.known_at,
        evaluated_at=d.evaluated_at,
        outcome=d.outcome.value,
        eligible_from=d.eligible_from,
        target_org_unit_id=item.target_id,
        facts_sha256=d.facts_sha256,
        decision=orjson.dumps(body).decode(),
        requested_by=entry.ctx.principal.client_id,
        request_id=entry.ctx.request_id,
        batch_id=entry.batch_id,
    )


def audit_summary(results: Mapping[str, Outcome]) -> dict[str, Any]:
    outcomes = Counter(
        r.decision.outcome.value for r in results.values() if isinstance(r, Evaluated)
    )
    problems = sum(1 for r in results.values() if isinstance(r, AppError))
    return {"items": len(results), "outcomes": dict(outcomes), "problems": problems}


def check_summary(decision: Decision) -> dict[str, Any]:
    """The audit summary of a single check."""
    return {
        "cadre_id": decision.cadre_id,
        "purpose": decision.purpose,
        "as_of": decision.as_of,
        "outcome": decision.outcome,
        "eligible_from": decision.eligible_from,
    }


async def check(service: VettingService, ctx: Context, request: CheckRequest) -> dict[str, Any]:
    """One check inside the caller's unit of work (a form import, a consultation)."""
    results = await service.evaluate(await service.prepare({"check": request}))
    result = results["check"]
    if isinstance(result, AppError):
        raise result
    decision = result.decision
    target = ("vetting_decision", decision.decision_id)
    wire = await service.log(
        [result], ctx, None, "vetting_decision.created", target, check_summary(decision)
    )
    return wire[body_id({"decision_id": decision.decision_id})]
