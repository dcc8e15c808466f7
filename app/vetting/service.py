"""Vetting: resolve the candidates, load their facts set-based, evaluate with the pure engine,
log every decision immutably (one statement for any number), and present them.

A single check and a 10,000-item batch share this path: a check is a batch of one.

No request may starve the process. Items asking the same question (`_question`) are evaluated
and presented once, each still logged under its own decision id; the event loop gets a turn
after some work, counted in findings as well as in items (one cadre with hundreds of cases
makes one item cost as much as hundreds of ordinary ones); and a batch's answer has a
size budget (`ResponseBudget`): a decision lists every finding, so one cadre with 300 cases
makes each of 10,000 items a 400 KB decision — a 4 GB answer, stored before it is sent. Each
question's decision is charged, for every item asking it, as soon as it is first evaluated, and
the batch is refused (413, split it) the moment the total passes the budget, before the answer
is built; what was stored meanwhile is rolled back with the request. So the work done for a
batch, the bytes stored and the bytes sent are all bounded by the budget, whatever its items.
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

from app import clock, metrics
from app.audit.service import claim, insert_rows
from app.cadres import service as cadres
from app.context import Context
from app.domain import compact
from app.domain.enums import OrgUnitKind, Purpose
from app.domain.labels import zh
from app.errors import AppError, NotFound, Unprocessable
from app.models import OrgUnit
from app.replicas import known_now
from app.security.pii import PiiCipher
from app.vetting import repository
from app.vetting.budget import KEY_BYTES, UUID_BYTES, ResponseBudget
from app.vetting.fact_rows import org_unit_ref
from app.vetting.facts_loader import FactsLoader, store_parts
from app.vetting.repository import StoredFacts
from app.vetting.rulebooks import Resolution, Rulebooks, Unit
from app.vetting.rules import Decision, Rulebook, decision_to_dict, evaluate
from app.vetting.rules.facts import CadreFacts, TargetPost
from app.vetting.rules.snapshot import SharedFacts, facts_snapshot, split_snapshot
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
    resolved_by: Resolution


@dataclass(frozen=True)
class Evaluated:
    key: str
    decision: Decision
    facts: CadreFacts
    stored: StoredFacts  # how its facts snapshot is kept
    target_id: UUID | None
    body: dict[str, Any]  # the wire form (`present`)
    wire: bytes  # `body` as JSON: what is stored (compact) and what the log's digest is of


Outcome = Evaluated | AppError
Question = tuple[UUID, Purpose, date, datetime, UUID | None, str, str, UUID | None]


def _question(item: Prepared) -> Question:
    """What an item's decision depends on: items of one request asking the same share it."""
    target = item.target.id if item.target else None
    how = item.resolved_by
    return (
        item.cadre_id,
        item.purpose,
        item.as_of,
        item.known_at,
        target,
        item.rulebook.sha256,
        how.basis,
        how.org_unit_id,
    )


@dataclass(frozen=True)
class FramedFacts:
    """A cadre's facts as known at one time, framed for one target post, their snapshot's
    digest and how the snapshot is kept."""

    facts: CadreFacts
    sha256: str
    stored: StoredFacts


@dataclass(frozen=True)
class _Answer:
    """The decision of one question, evaluated and presented once for every item asking it."""

    decision: Decision
    facts: FramedFacts
    body: dict[str, Any]
    size: int  # bytes of `body` as JSON

    def to(self, item: Prepared) -> Evaluated:
        """This item's decision: the shared answer under a decision id of its own."""
        decision_id = uuid.uuid4()
        decision = replace(self.decision, decision_id=decision_id)
        body = {**self.body, "decision_id": str(decision_id)}
        target_id = item.target.id if item.target else None
        facts = self.facts
        return Evaluated(
            item.key, decision, facts.facts, facts.stored, target_id, body, orjson.dumps(body)
        )


def _unknown(item: Prepared) -> AppError:
    return NotFound(
        f"No cadre {item.cadre_id} (as known at {item.known_at.isoformat()}).",
        errors=[("body.cadre_id", "no such cadre")],
    )


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
    """Checks: read (the cadres, the units, the facts) through `reads` — a replica's session,
    when the caller has one (app.replicas) — and store the decisions through `session`, the
    unit of work on the primary."""

    def __init__(
        self,
        session: AsyncSession,
        cipher: PiiCipher,
        rulebooks: Rulebooks,
        timezone: str,
        reads: AsyncSession | None = None,
    ) -> None:
        self.session = session
        self.reads = reads or session
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
        found = await cadres.ids_by_id_number_hash(self.reads, list(set(digests.values())))
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

    async def prepare(
        self,
        items: Mapping[str, CheckRequest],
        clients: Mapping[str, UUID | None] | UUID | None = None,
    ) -> dict[str, Prepared | AppError]:
        """Each item resolved: its cadre, target post, dates and the rulebook that governs it
        (`clients`: the org unit of the requesting client's jurisdiction, one for all items or
        per item key)."""
        now = clock.now()
        today = clock.local_date(now)
        asked = [i.known_at for i in items.values() if i.known_at is not None]
        if self.reads is not self.session and any(t > known_now(self.reads) for t in asked):
            self.reads = self.session  # the replica has not replayed that far: the primary
        known = known_now(self.reads)  # now, or what the replica has replayed: never later
        resolved = await self._resolve(items)
        per_item = clients if isinstance(clients, Mapping) else dict.fromkeys(items, clients)
        target_ids = list({i.target_org_unit_id for i in items.values() if i.target_org_unit_id})
        units = await repository.org_units(self.reads, target_ids)
        client_ids = {c for c in per_item.values() if c is not None}
        walks = await repository.coded_ancestors(self.reads, list(client_ids | set(units)))
        prepared: dict[str, Prepared | AppError] = {}
        for key, item in items.items():
            cadre = resolved[key]
            target = units.get(item.target_org_unit_id) if item.target_org_unit_id else None
            problem = _target_problem(item.purpose, target, item.target_org_unit_id is not None)
            as_of = item.as_of or today
            client = per_item.get(key)
            resolution = self.rulebooks.resolve(
                item.rulebook,
                as_of,
                _walk(walks, target.id if target else None),
                _walk(walks, client),
            )
            if isinstance(cadre, AppError):
                prepared[key] = cadre
            elif problem is not None:
                prepared[key] = problem
            elif isinstance(resolution, AppError):
                prepared[key] = resolution
            elif item.known_at is not None and item.known_at > now:
                prepared[key] = Unprocessable(
                    "known_at is in the future.", errors=[("body.known_at", "in the future")]
                )
            else:
                prepared[key] = Prepared(
                    key,
                    cadre,
                    item.purpose,
                    as_of,
                    item.known_at or known,
                    target,
                    resolution.rulebook,
                    resolution,
                )
        return prepared

    async def facts_of(self, items: Sequence[Prepared]) -> Callable[[Prepared], FramedFacts | None]:
        """One query per distinct `known_at` (one, nearly always) for every cadre; each
        cadre's facts, framed for a target post, and their snapshot are then built when first
        asked for, once."""
        by_time: dict[datetime, set[UUID]] = defaultdict(set)
        for item in items:
            by_time[item.known_at].add(item.cadre_id)
        loader = FactsLoader(self.reads, self.timezone)
        records = {t: await loader.fetch(list(ids), t) for t, ids in by_time.items()}
        built: dict[tuple[UUID, datetime], CadreFacts | None] = {}
        framed: dict[tuple[UUID, datetime, UUID | None], FramedFacts] = {}
        # A unit's accidents, written once (when its history was loaded) for all who served
        # there, and kept once, as a facts part that split snapshots refer to.
        shared = SharedFacts(
            {k: v for r in records.values() for k, v in r.fragments().items()},
            {k: v for r in records.values() for k, v in r.placed().items()},
        )

        def facts(item: Prepared) -> FramedFacts | None:
            key = (item.cadre_id, item.known_at)
            if key not in built:
                found = records[item.known_at]
                built[key] = (
                    loader.facts(found, item.cadre_id) if item.cadre_id in found.people else None
                )
            cadre_facts, target = built[key], item.target
            if cadre_facts is None:
                return None
            frame = (*key, target.id if target else None)
            if frame not in framed:
                if target is not None:
                    post = TargetPost(org_unit=org_unit_ref(_unit_row(target)))
                    cadre_facts = replace(cadre_facts, target=post)
                snapshot = facts_snapshot(cadre_facts, shared)
                sha = hashlib.sha256(snapshot).hexdigest()
                framed[frame] = FramedFacts(cadre_facts, sha, _kept(cadre_facts, snapshot, shared))
            return framed[frame]

        return facts

    async def outcomes(
        self, prepared: Mapping[str, Prepared | AppError], budget: ResponseBudget | None = None
    ) -> AsyncIterator[tuple[str, Outcome]]:
        """Each item's decision or problem, in order. A question is evaluated once, for the
        first item asking it; with a `budget`, its decision is then charged for every item
        asking it (and a problem for its item). The event loop gets a turn every `YIELD_EVERY`
        items, or sooner after `YIELD_WORK` findings (after every item, for a cadre with
        hundreds of records), so that other requests (a `/healthz`, a store sent meanwhile)
        proceed during a long batch."""
        budget = budget or ResponseBudget(None)
        asked = [p for p in prepared.values() if isinstance(p, Prepared)]
        facts_of = await self.facts_of(asked)
        askers = Counter(_question(p) for p in asked)
        evaluated_at = clock.now()
        answers: dict[Question, _Answer] = {}
        work = 0  # findings evaluated since the last turn
        for n, (key, item) in enumerate(prepared.items(), 1):
            if n % YIELD_EVERY == 0 or work >= YIELD_WORK:
                work = 0
                await asyncio.sleep(0)
            budget.charge(len(key) + KEY_BYTES)
            if isinstance(item, AppError):
                yield key, budget.problem(item)
                continue
            question = _question(item)
            answer = answers.get(question)
            if answer is None:
                answer = self._answer(item, facts_of(item), evaluated_at)
                if answer is None:
                    yield key, budget.problem(_unknown(item))
                    continue
                answers[question] = answer
                work += len(answer.decision.findings)
                budget.charge_decision(
                    key, answer.size, len(answer.decision.findings), askers[question]
                )
            yield key, answer.to(item)

    @staticmethod
    def _answer(
        item: Prepared, facts: FramedFacts | None, evaluated_at: datetime
    ) -> _Answer | None:
        if facts is None:
            return None
        decision = evaluate(
            facts.facts, item.purpose, item.as_of, item.rulebook, facts_sha256=facts.sha256
        )
        decision = replace(decision, evaluated_at=evaluated_at)
        body = present(decision, item.target.id if item.target else None, item.resolved_by)
        return _Answer(decision, facts, body, len(orjson.dumps(body)) + UUID_BYTES)

    async def evaluate(self, prepared: Mapping[str, Prepared | AppError]) -> dict[str, Outcome]:
        return {key: outcome async for key, outcome in self.outcomes(prepared)}

    async def evaluate_and_log(
        self,
        prepared: Mapping[str, Prepared | AppError],
        ctx: Context,
        batch_id: UUID,
        action: str,
        max_response_bytes: int | None = None,
    ) -> tuple[dict[str, Outcome], dict[UUID, dict[str, Any]], dict[str, Any]]:
        """A batch: decisions are stored a thousand at a time while the next ones are being
        evaluated (the database works while Python does), all in the request's transaction;
        the one audit event, summarising them all (`audit_summary`, returned too), goes with
        the last. PayloadTooLarge as soon as the answer is known to pass `max_response_bytes`
        (the caller's transaction then rolls back what was stored)."""
        results: dict[str, Outcome] = {}
        chunk: list[Logged] = []
        writer = _Writer(self)
        budget = ResponseBudget(max_response_bytes)
        try:
            async for key, outcome in self.outcomes(prepared, budget):
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
                body = item.body
                wire[body_id(body)] = body
                snapshots[item.decision.facts_sha256] = item.stored
                rows.append(_row(entry, body))
            await store_parts(self.session, [s.parts for s in snapshots.values()])
            rulebook = self.rulebooks.text_of(sha)
            await repository.store(self.session, rows, snapshots, rulebook, events)
            metrics.record_decisions(e.result.decision.outcome for e in group)
            events = []  # inserted with the first group
        await insert_rows(self.session, events)  # when nothing was evaluated
        return wire


STORE_EVERY = 1000
# The event loop gets a turn every YIELD_EVERY items, or sooner once YIELD_WORK findings have
# been evaluated and presented (about 10 ms of work; a cadre may have hundreds per decision).
YIELD_EVERY = 20
YIELD_WORK = 200


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


def _kept(facts: CadreFacts, snapshot: bytes, shared: SharedFacts) -> StoredFacts:
    """How a snapshot is kept: split, referring to its units' facts parts, when every accident
    and unit assessment in it comes from one; else whole."""
    split = split_snapshot(facts, shared)
    if split is None:
        return StoredFacts(whole=snapshot.decode())
    return StoredFacts(compact=compact.pack(split[0]), parts=tuple(split[1]))


def _walk(walks: Mapping[UUID, list[tuple[UUID, str]]], unit: UUID | None) -> list[Unit]:
    return [Unit(i, code) for i, code in walks.get(unit, [])] if unit is not None else []


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


def present(
    decision: Decision, target_id: UUID | None, resolved_by: Resolution | None = None
) -> dict[str, Any]:
    """The decision as the API shows it: the engine's JSON form plus Chinese labels, and why
    its rulebook governed it."""
    body = decision_to_dict(decision)
    if resolved_by is not None:
        how = resolved_by.describe()
        how["org_unit_id"] = str(how["org_unit_id"]) if how["org_unit_id"] else None
        body["rulebook"]["resolved_by"] = how
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
        decision_compact=compact.pack(item.wire),
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


def check_summary(result: Evaluated) -> dict[str, Any]:
    """The audit summary of a single check: its purpose and outcome, and the SHA-256 of the
    decision exactly as stored (its wire JSON, before compaction), so that the log commits to
    all of it — cadre, dates, findings, the rulebook's and the facts' digests — in 64 bytes."""
    return {
        "purpose": result.decision.purpose,
        "outcome": result.decision.outcome,
        "decision_sha256": hashlib.sha256(result.wire).hexdigest(),
    }


async def check(service: VettingService, ctx: Context, request: CheckRequest) -> dict[str, Any]:
    """One check inside the caller's unit of work (a form import, a consultation)."""
    prepared = await service.prepare({"check": request}, ctx.principal.org_unit_id)
    results = await service.evaluate(prepared)
    result = results["check"]
    if isinstance(result, AppError):
        raise result
    decision = result.decision
    target = ("vetting_decision", decision.decision_id)
    wire = await service.log(
        [result], ctx, None, "vetting_decision.created", target, check_summary(result)
    )
    return wire[body_id({"decision_id": decision.decision_id})]
