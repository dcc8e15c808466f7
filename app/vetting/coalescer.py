"""Single checks arriving together are run together (group commit).

Under load a worker holds many single checks at once. Each would otherwise pay for its own facts
query, its own write, its own audit-chain lock and its own commit. The coalescer queues them and
runs each queue-full as one batch through the same path as `POST /v1/vetting/batches`: one facts
query, one statement storing every decision with its own audit event, one commit. A check is
answered only after that commit, so nothing is acknowledged that is not stored.

There is no timer: a check that finds a lane free starts at once (alone, when the service is
quiet); checks arriving while the lanes are busy wait for the next group. Each check keeps its own
problems (an unknown cadre fails only that check). If a group fails as a whole for any reason but
an unreachable database, its checks are retried one by one so that one bad check cannot fail the
others.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.audit.service import event_row, sealer_of
from app.context import Context
from app.db import is_database_unavailable
from app.replicas import ReadRouter
from app.security.pii import PiiCipher
from app.uow import committed_position, unit_of_work
from app.vetting.rulebooks import Rulebooks
from app.vetting.schemas import CheckRequest
from app.vetting.service import Evaluated, Logged, VettingService, body_id, check_summary

ACTION = "vetting_decision.created"


@dataclass
class _Pending:
    ctx: Context
    request: CheckRequest
    token: int | None
    future: asyncio.Future[tuple[dict[str, Any], str | None]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class GroupFailed(Exception):
    """The group a check ran in failed as a whole; the cause is the database's error."""


class CheckCoalescer:
    def __init__(
        self,
        maker: async_sessionmaker[AsyncSession],
        reads: ReadRouter,
        cipher: PiiCipher,
        rulebooks: Rulebooks,
        timezone: str,
        lanes: int = 2,
        max_group: int = 200,
    ) -> None:
        self.maker = maker
        self.reads = reads
        self.cipher = cipher
        self.rulebooks = rulebooks
        self.timezone = timezone
        self.lanes = lanes
        self.max_group = max_group
        self.queue: list[_Pending] = []
        self.busy = 0
        self.groups = 0  # counters for tests and diagnostics
        self.checks = 0
        self.isolated = 0

    async def check(
        self, ctx: Context, request: CheckRequest, token: int | None = None
    ) -> tuple[dict[str, Any], str | None]:
        """The stored decision's wire form and the consistency token of its commit (with
        replicas in use), or the check's own problem raised. `token`: read the facts where the
        client's own writes up to it have been replayed."""
        pending = _Pending(ctx, request, token)
        self.queue.append(pending)
        if self.busy < self.lanes:
            self.busy += 1
            asyncio.get_running_loop().create_task(self._lane())
        return await pending.future

    async def _lane(self) -> None:
        group: list[_Pending] = []
        try:
            while self.queue:
                group, self.queue = self.queue[: self.max_group], self.queue[self.max_group :]
                await self._run(group)
        except BaseException as exc:  # cancelled (shutdown): no check may wait for ever
            for pending in group:
                _settle(pending, _group_failed(exc))
            raise
        finally:
            self.busy -= 1

    async def _run(self, group: list[_Pending]) -> None:
        self.groups += 1
        self.checks += len(group)
        try:
            outcomes = await self._evaluate_and_store(group)
        except Exception as exc:
            if len(group) > 1 and not is_database_unavailable(exc):
                self.isolated += 1
                for pending in group:  # find the one that failed; spare the others
                    await self._run([pending])
                return
            for pending in group:
                _settle(pending, exc if len(group) == 1 else _group_failed(exc))
            return
        for pending, outcome in zip(group, outcomes, strict=True):
            _settle(pending, outcome)

    async def _evaluate_and_store(
        self, group: list[_Pending]
    ) -> list[tuple[dict[str, Any], str | None] | BaseException]:
        tokens = [p.token for p in group if p.token is not None]
        async with (
            unit_of_work(self.maker) as session,
            self.reads.session(max(tokens, default=None), fallback=session) as reads,
        ):
            service = VettingService(session, self.cipher, self.rulebooks, self.timezone, reads)
            items = {str(i): p.request for i, p in enumerate(group)}
            clients = {str(i): p.ctx.principal.org_unit_id for i, p in enumerate(group)}
            results = await service.evaluate(await service.prepare(items, clients))
            entries, events = [], []
            for i, pending in enumerate(group):
                result = results[str(i)]
                if isinstance(result, Evaluated):
                    entries.append(Logged(result, pending.ctx))
                    decision = result.decision
                    events.append(
                        event_row(
                            sealer_of(session),
                            pending.ctx,
                            ACTION,
                            "vetting_decision",
                            decision.decision_id,
                            check_summary(result),
                        )
                    )
            wire = await service.store(entries, events)
        position = committed_position(session)
        return [
            (wire[body_id({"decision_id": r.decision.decision_id})], position)
            if isinstance(r := results[str(i)], Evaluated)
            else r
            for i in range(len(group))
        ]


def _group_failed(cause: BaseException) -> GroupFailed:
    failed = GroupFailed(str(cause))
    failed.__cause__ = cause
    return failed


def _settle(pending: _Pending, outcome: tuple[dict[str, Any], str | None] | BaseException) -> None:
    if pending.future.done():  # the client went away
        return
    if isinstance(outcome, BaseException):
        pending.future.set_exception(outcome)
    else:
        pending.future.set_result(outcome)
