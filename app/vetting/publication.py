"""Publishing a rulebook version safely: submit it (validated as a whole, kept as a candidate,
logged), see what it would change (an impact report over a chosen population, candidate and
current side by side), activate it (an explicit, logged step; every server loads it), and
compare any two versions (`diff`).

A version's effective date is part of its text (`effective_from`), and so of its sha256, which
every decision records: activation confirms that date rather than setting another, so a
decision replays under exactly the text — dates included — it applied. Older decisions keep
replaying under the version they used (the stored text), whatever is activated later.
"""

from __future__ import annotations

import asyncio
import difflib
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import clock
from app.audit.service import record
from app.context import Context
from app.domain.enums import Purpose
from app.errors import Conflict, NotFound, Unprocessable
from app.models import RulebookActivation, RulebookSubmission, RulebookText
from app.security.pii import PiiCipher
from app.vetting import repository
from app.vetting.rulebooks import Resolution, Rulebooks, keep_text
from app.vetting.rules import Decision, Rulebook, evaluate
from app.vetting.rules.rulebook_layers import Layer, read_layer
from app.vetting.rules.rulebook_parse import RulebookError
from app.vetting.service import Prepared, VettingService

log = logging.getLogger(__name__)

Population = Literal["recent_decisions", "all_cadres"]
# Purposes re-evaluated for every cadre of the whole record (an SOE head appointment needs the
# enterprise, which only a decision names).
WHOLE_RECORD_PURPOSES = tuple(p for p in Purpose if p is not Purpose.SOE_HEAD_APPOINTMENT)


def _invalid(error: RulebookError) -> Unprocessable:
    message = str(error)
    return Unprocessable(
        f"The rulebook version is not valid: {message}",
        detail_zh=f"规则版本无效：{message}",
        errors=[("body.text", message)],
    )


async def _submission(session: AsyncSession, rulebook_id: str, version: str) -> Any:
    query = (
        select(RulebookSubmission, RulebookText.content, RulebookActivation.activated_at)
        .join(RulebookText, RulebookText.sha256 == RulebookSubmission.sha256)
        .outerjoin(RulebookActivation, RulebookActivation.sha256 == RulebookSubmission.sha256)
        .where(RulebookSubmission.rulebook_id == rulebook_id, RulebookSubmission.version == version)
    )
    return (await session.execute(query)).first()


def _layer_of(rulebook_id: str, version: str, content: str) -> Layer:
    return read_layer(content, f"{rulebook_id}@{version}")


def _version_out(layer: Layer, status: str, **extra: Any) -> dict[str, Any]:
    return {
        "rulebook_id": layer.id,
        "version": layer.version,
        "extends": layer.extends,
        "division_code": layer.division_code,
        "effective_from": layer.effective_from,
        "effective_until": layer.effective_until,
        "sha256": layer.sha256,
        "status": status,
        **extra,
    }


def _log(session: AsyncSession, ctx: Context, action: str, layer: Layer, reason: str) -> None:
    summary = {
        "rulebook_id": layer.id,
        "version": layer.version,
        "effective_from": layer.effective_from.isoformat(),
        "reason": reason,
    }
    record(session, ctx, action, "rulebook", layer.sha256, summary)


async def submit(
    session: AsyncSession, ctx: Context, books: Rulebooks, content: str, reason: str
) -> dict[str, Any]:
    """Validate a version (its text alone, then merged over the rulebooks it extends) and keep
    it as a candidate; 422 names the place of a fault, 409 a version that exists."""
    try:
        layer = read_layer(content, "body.text")
    except RulebookError as error:
        raise _invalid(error) from None
    if layer.extends is None and layer.id not in books.versions:
        raise _invalid(RulebookError("body.text: a new rulebook must extend an existing one"))
    if books.version(layer.id, layer.version) is not None or await _submission(
        session, layer.id, layer.version
    ):
        raise Conflict(
            f"{layer.id} {layer.version} exists: give the new version its own number.",
            detail_zh=f"{layer.id} {layer.version} 版已存在，新版本须另编版本号。",
            errors=[("body.text", "version exists")],
        )
    try:
        books.with_layer(layer)
    except RulebookError as error:
        raise _invalid(error) from None
    await keep_text(session, layer)
    session.add(
        RulebookSubmission(
            sha256=layer.sha256,
            rulebook_id=layer.id,
            version=layer.version,
            extends=layer.extends,
            effective_from=layer.effective_from,
            reason=reason,
            submitted_by=ctx.principal.client_id,
            request_id=ctx.request_id,
        )
    )
    _log(session, ctx, "rulebook.submitted", layer, reason)
    return _version_out(layer, "candidate")


async def candidate(
    session: AsyncSession, books: Rulebooks, rulebook_id: str, version: str
) -> tuple[Layer, bool]:
    """A submitted version's layer, and whether it has been activated; 404 when none."""
    row = await _submission(session, rulebook_id, version)
    if row is None:
        raise NotFound(
            f"No submitted version {version!r} of rulebook {rulebook_id!r}.",
            errors=[("path.version", "no such submitted version")],
        )
    return _layer_of(rulebook_id, version, row.content), row.activated_at is not None


async def activate(
    session: AsyncSession,
    ctx: Context,
    books: Rulebooks,
    rulebook_id: str,
    version: str,
    reason: str,
    effective_from: date | None,
) -> Layer:
    """Put a candidate in force from its effective date (logged). The caller adds the layer
    to the registry once the transaction has committed."""
    layer, active = await candidate(session, books, rulebook_id, version)
    if active or books.version(rulebook_id, version) is not None:
        raise Conflict(f"{rulebook_id} {version} is already active.")
    if effective_from is not None and effective_from != layer.effective_from:
        message = (
            f"the effective date is part of the version's text (effective_from = "
            f"{layer.effective_from}); submit a version with the date wanted"
        )
        raise Unprocessable(message, errors=[("body.effective_from", message)])
    same_day = [
        v.version
        for v in books.versions.get(rulebook_id, [])
        if v.effective_from == layer.effective_from
    ]
    if same_day:
        message = f"version {same_day[0]} takes effect on the same day"
        raise Unprocessable(message, errors=[("body.effective_from", message)])
    try:
        books.with_layer(layer)
    except RulebookError as error:  # its parents changed since it was submitted
        raise _invalid(error) from None
    session.add(
        RulebookActivation(
            sha256=layer.sha256,
            reason=reason,
            activated_by=ctx.principal.client_id,
            request_id=ctx.request_id,
        )
    )
    _log(session, ctx, "rulebook.activated", layer, reason)
    return layer


async def activated_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(RulebookActivation)) or 0)


async def load_activated(session: AsyncSession, books: Rulebooks) -> int:
    """Add every activated version the registry does not have (at start, and when another
    server activated one); how many were added."""
    query = (
        select(RulebookSubmission.rulebook_id, RulebookSubmission.version, RulebookText.content)
        .join(RulebookActivation, RulebookActivation.sha256 == RulebookSubmission.sha256)
        .join(RulebookText, RulebookText.sha256 == RulebookSubmission.sha256)
        .order_by(RulebookActivation.activated_at)
    )
    added = 0
    for rulebook_id, version, content in await session.execute(query):
        if books.version(rulebook_id, version) is None:
            books.add(_layer_of(rulebook_id, version, content))
            added += 1
    return added


async def follow_activations(
    maker: async_sessionmaker[AsyncSession], books: Rulebooks, every_seconds: float
) -> None:
    """Keep this server's registry in step with activations made through any server."""
    seen = -1
    while True:
        try:
            async with maker() as session:
                count = await activated_count(session)
                if count != seen:
                    await load_activated(session, books)
                    seen = count
        except Exception:  # the database may be away for a while: try again later
            log.warning("could not load activated rulebook versions", exc_info=True)
        await asyncio.sleep(every_seconds)


# --- the impact report ------------------------------------------------------------------------


async def _population(
    session: AsyncSession,
    population: Population,
    rulebook_id: str,
    since: datetime,
    limit: int,
) -> list[tuple[UUID, Purpose, UUID | None, str]]:
    """(cadre, purpose, target post, governing rulebook id) to re-evaluate, up to limit + 1."""
    if population == "all_cadres":
        rows = await session.execute(
            text("SELECT id FROM cadres ORDER BY id LIMIT :n"),
            {"n": limit // len(WHOLE_RECORD_PURPOSES) + 1},
        )
        return [(r[0], p, None, rulebook_id) for r in rows for p in WHOLE_RECORD_PURPOSES]
    rows = await session.execute(
        text(
            """
            SELECT DISTINCT d.cadre_id, d.purpose, d.target_org_unit_id, t.rulebook_id
            FROM vetting_decisions d JOIN rulebook_texts t ON t.sha256 = d.rulebook_sha256
            WHERE d.evaluated_at >= :since
            ORDER BY d.cadre_id, d.purpose, d.target_org_unit_id NULLS FIRST, t.rulebook_id
            LIMIT :n
            """
        ),
        {"since": since, "n": limit + 1},
    )
    return [(r[0], Purpose(r[1]), r[2], r[3]) for r in rows]


def _brief(decision: Decision) -> dict[str, Any]:
    return {"outcome": decision.outcome, "eligible_from": decision.eligible_from}


def _responsible(current: Decision, candidate: Decision) -> list[str]:
    """The rules whose findings differ between the two decisions."""

    def keyed(d: Decision) -> set[tuple[Any, ...]]:
        return {(f.rule_id, f.blocks_from, f.blocks_until, f.in_force) for f in d.findings}

    return sorted({k[0] for k in keyed(current) ^ keyed(candidate)})


async def impact(
    session: AsyncSession,
    cipher: PiiCipher,
    books: Rulebooks,
    timezone: str,
    layer: Layer,
    population: Population,
    since: date | None,
    as_of: date | None,
    limit: int,
) -> dict[str, Any]:
    """Re-evaluate `population` on `as_of` (default: today, or the candidate's effective date
    if later) with the facts as known now, under the current rules and under the rules with
    the candidate added, side by side."""
    trial = books.with_layer(layer)
    now = clock.now()
    today = clock.local_date(now)
    day = as_of or max(today, layer.effective_from)
    start = since or (today - timedelta(days=365))
    since_at = datetime.combine(start, datetime.min.time(), clock.zone())
    items = await _population(session, population, layer.id, since_at, limit)
    truncated = len(items) > limit
    items = items[:limit]
    service = VettingService(session, cipher, books, timezone)
    targets = await repository.org_units(session, list({t for _, _, t, _ in items if t}))
    prepared: list[tuple[Prepared, Rulebook, Rulebook]] = []
    for n, (cadre_id, purpose, target_id, governing) in enumerate(items):
        if governing not in books.versions:
            continue  # a rulebook no longer shipped: nothing to compare
        current, candidate_book = books.governing(governing, day), trial.governing(governing, day)
        target = targets.get(target_id) if target_id else None
        if purpose is Purpose.SOE_HEAD_APPOINTMENT and target is None:
            continue
        how = Resolution(current, "requested", None, None, governing)
        item = Prepared(str(n), cadre_id, purpose, day, now, target, current, how)
        prepared.append((item, current, candidate_book))
    facts_of = await service.facts_of([p for p, _, _ in prepared])
    changes: list[dict[str, Any]] = []
    moves: Counter[tuple[str, str]] = Counter()
    evaluated = unchanged = 0
    for n, (item, current, candidate_book) in enumerate(prepared, 1):
        if n % 50 == 0:
            await asyncio.sleep(0)  # other requests get a turn during a long report
        framed = facts_of(item)
        if framed is None:
            continue
        evaluated += 1
        if current.sha256 == candidate_book.sha256:
            unchanged += 1  # the candidate does not govern this decision
            continue
        before = evaluate(framed.facts, item.purpose, day, current)
        after = evaluate(framed.facts, item.purpose, day, candidate_book)
        if (before.outcome, before.eligible_from) == (after.outcome, after.eligible_from):
            unchanged += 1
            continue
        moves[(before.outcome.value, after.outcome.value)] += 1
        changes.append(
            {
                "cadre_id": item.cadre_id,
                "purpose": item.purpose,
                "target_org_unit_id": item.target.id if item.target else None,
                "rulebook_id": current.id,
                "current": _brief(before),
                "candidate": _brief(after),
                "outcome_changed": before.outcome != after.outcome,
                "eligible_from_changed": before.eligible_from != after.eligible_from,
                "rules": _responsible(before, after),
            }
        )
    return {
        "rulebook_id": layer.id,
        "candidate": _version_out(layer, "candidate"),
        "as_of": day,
        "known_at": now,
        "population": {"kind": population, "since": start, "items": len(items)},
        "truncated": truncated,
        "counts": {
            "evaluated": evaluated,
            "unchanged": unchanged,
            "changed": len(changes),
            "outcome_changed": sum(1 for c in changes if c["outcome_changed"]),
            "eligible_from_changed": sum(1 for c in changes if c["eligible_from_changed"]),
            "by_outcome": [
                {"current": a, "candidate": b, "count": count}
                for (a, b), count in sorted(moves.items())
            ],
        },
        "changes": changes,
    }


# --- diff ------------------------------------------------------------------------------------


async def layer_version(
    session: AsyncSession, books: Rulebooks, rulebook_id: str, version: str, field: str
) -> Layer:
    """A version of a rulebook, shipped, activated or submitted."""
    found = books.version(rulebook_id, version)
    if found is not None:
        return found
    row = await _submission(session, rulebook_id, version)
    if row is None:
        raise NotFound(
            f"No version {version!r} of rulebook {rulebook_id!r}.",
            errors=[(field, "no such version")],
        )
    return _layer_of(rulebook_id, version, row.content)


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"key": key, "before": before.get(key), "after": after.get(key)}
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    ]


def _duty_changes(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """Duty lists added, removed or changed between two described rulebooks, duty by duty."""
    lists_before = {d["list_id"]: d for d in before["duty_lists"]}
    lists_after = {d["list_id"]: d for d in after["duty_lists"]}
    out = []
    for list_id in sorted(lists_before.keys() | lists_after.keys()):
        old, new = lists_before.get(list_id), lists_after.get(list_id)
        if old == new:
            continue
        duties_old = {d["code"]: d for d in (old or {}).get("duties", [])}
        duties_new = {d["code"]: d for d in (new or {}).get("duties", [])}
        out.append(
            {
                "list_id": list_id,
                "change": "added" if old is None else "removed" if new is None else "changed",
                "duties_added": sorted(duties_new.keys() - duties_old.keys()),
                "duties_removed": sorted(duties_old.keys() - duties_new.keys()),
                "duties_changed": sorted(
                    c
                    for c in duties_old.keys() & duties_new.keys()
                    if duties_old[c] != duties_new[c]
                ),
                "fields": _changed(
                    {k: v for k, v in (old or {}).items() if k != "duties"},
                    {k: v for k, v in (new or {}).items() if k != "duties"},
                ),
            }
        )
    return out


def diff(books: Rulebooks, old: Layer, new: Layer) -> dict[str, Any]:
    """What changed between two versions: each merged over its parents as in force on its own
    effective date; rules added, removed and changed (field by field), settings, citations,
    duty lists (duty by duty) and references, and the lines of the version's own text."""
    trial = books if books.version(new.id, new.version) else books.with_layer(new)
    if not trial.version(old.id, old.version):
        trial = trial.with_layer(old)
    before = trial.compose(trial.stack(old, old.effective_from)).describe()
    after = trial.compose(trial.stack(new, new.effective_from)).describe()
    rules_before = {r["rule_id"]: r for r in before["rules"]}
    rules_after = {r["rule_id"]: r for r in after["rules"]}
    header = ("title", "jurisdiction", "effective_from", "effective_until", "division_code")
    lines = difflib.unified_diff(
        old.text.splitlines(),
        new.text.splitlines(),
        f"{old.id}@{old.version}",
        f"{new.id}@{new.version}",
        lineterm="",
    )
    return {
        "rulebook_id": new.id,
        "from": _version_out(old, "compared"),
        "to": _version_out(new, "compared"),
        "header": _changed({k: before[k] for k in header}, {k: after[k] for k in header}),
        "rules_added": sorted(rules_after.keys() - rules_before.keys()),
        "rules_removed": sorted(rules_before.keys() - rules_after.keys()),
        "rules_changed": [
            {"rule_id": rule_id, "fields": _changed(rules_before[rule_id], rules_after[rule_id])}
            for rule_id in sorted(rules_before.keys() & rules_after.keys())
            if rules_before[rule_id] != rules_after[rule_id]
        ],
        "settings": _changed(before["settings"], after["settings"]),
        "citations": _changed(before["citations"], after["citations"]),
        "duty_lists": _duty_changes(before, after),
        "duty_references": _changed(
            {r["unit_kind"]: r for r in before["duty_references"]},
            {r["unit_kind"]: r for r in after["duty_references"]},
        ),
        "text_diff": list(lines),
    }


async def versions(
    session: AsyncSession, books: Rulebooks, rulebook_id: str
) -> list[dict[str, Any]]:
    """Every version of a rulebook: shipped, active (activated through the API) or candidate."""
    if rulebook_id not in books.versions:
        count = select(func.count()).where(RulebookSubmission.rulebook_id == rulebook_id)
        if not await session.scalar(count):
            raise NotFound(f"No rulebook {rulebook_id!r}.")
    query = (
        select(RulebookSubmission, RulebookText.content, RulebookActivation)
        .join(RulebookText, RulebookText.sha256 == RulebookSubmission.sha256)
        .outerjoin(RulebookActivation, RulebookActivation.sha256 == RulebookSubmission.sha256)
        .where(RulebookSubmission.rulebook_id == rulebook_id)
    )
    submitted = {row[0].version: row for row in await session.execute(query)}
    out = []
    for layer in books.versions.get(rulebook_id, []):
        row = submitted.pop(layer.version, None)
        out.append(_version_out(layer, "active" if row else "shipped", **_who(row)))
    for version, row in submitted.items():
        layer = _layer_of(rulebook_id, version, row[1])
        out.append(_version_out(layer, "active" if row[2] else "candidate", **_who(row)))
    return sorted(out, key=lambda v: (v["effective_from"], v["version"]))


def _who(row: Sequence[Any] | None) -> dict[str, Any]:
    if row is None:
        return {}
    submission, _, activation = row
    return {
        "submitted_at": submission.submitted_at,
        "reason": submission.reason,
        "activated_at": activation.activated_at if activation else None,
        "activation_reason": activation.reason if activation else None,
    }
