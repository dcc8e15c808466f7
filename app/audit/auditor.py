"""The external auditor (`vetting audit verify`): what a monitor of a transparency log does,
over the service's HTTP API, keeping what it has seen in files of its own.

Each run asks the service for a fresh signed checkpoint and checks its signature against the
pinned key; checks it does not shrink the log it saw last time; fetches every entry, recomputes
each leaf (and, when it holds the service's secret, each MAC) and the tree, and compares the
leaves with the ones it saw before and the roots with every checkpoint it kept; verifies the
service's consistency proof from the last kept checkpoint to the new one. The first problem is
reported with its log index; only a clean run updates the state.

The state is `<state>` (JSON: the pinned key and every checkpoint seen) and `<state>.leaves`
(the leaf hashes, 32 bytes each, in index order)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.audit import merkle
from app.audit.checkpoint import NoteError, Verifier, open_note
from app.audit.entries import Sealer
from app.audit.verification import LogChecker, Problem

PAGE = 10_000


@dataclass
class State:
    verifier_key: str | None = None
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    leaves: list[bytes] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> State:
        if not path.exists():
            return cls()
        data = json.loads(path.read_text())
        blob = _leaves_path(path).read_bytes() if _leaves_path(path).exists() else b""
        leaves = [blob[i : i + merkle.HASH_SIZE] for i in range(0, len(blob), merkle.HASH_SIZE)]
        return cls(data.get("verifier_key"), list(data.get("checkpoints", [])), leaves)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        leaves = _leaves_path(path)
        leaves.with_suffix(".tmp").write_bytes(b"".join(self.leaves))
        leaves.with_suffix(".tmp").replace(leaves)
        text = json.dumps(
            {"verifier_key": self.verifier_key, "checkpoints": self.checkpoints}, indent=1
        )
        path.with_suffix(".tmp").write_text(text + "\n")
        path.with_suffix(".tmp").replace(path)


def _leaves_path(path: Path) -> Path:
    return path.with_name(path.name + ".leaves")


@dataclass
class Report:
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    problem: Problem | None = None
    notes: list[str] = field(default_factory=list)
    macs_checked: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None

    def lines(self) -> list[str]:
        out = list(self.notes)
        if self.problem is None:
            macs = "leaves, MACs and tree" if self.macs_checked else "leaves and tree"
            out.append(
                f"OK: {self.size} entries; {macs} recomputed; root {self.root.hex()} matches "
                "the signed checkpoint and every checkpoint kept"
            )
        else:
            where = "" if self.problem.index is None else f" at index {self.problem.index}"
            event = "" if self.problem.event_id is None else f" (event {self.problem.event_id})"
            out.append(f"TAMPERED{where}{event}: {self.problem.reason}")
        return out


class AuditorError(RuntimeError):
    """The auditor could not do its work (the service refused, or answered nonsense)."""


async def _json(http: httpx.AsyncClient, method: str, path: str, **kwargs: Any) -> Any:
    response = await http.request(method, path, **kwargs)
    if response.status_code >= 400:
        raise AuditorError(f"{method} {path}: HTTP {response.status_code}: {response.text[:300]}")
    return response.json()


async def audit(
    http: httpx.AsyncClient,
    state_path: Path,
    *,
    sealer: Sealer | None = None,
    verifier_key: str | None = None,
    page: int = PAGE,
) -> Report:
    """One auditor run against the service `http` talks to (base URL and key set on it)."""
    state = State.load(state_path)
    report = Report(macs_checked=sealer is not None)
    pinned = verifier_key or state.verifier_key
    if pinned is None:
        pinned = (await _json(http, "GET", "/v1/audit-log/key"))["verifier_key"]
        report.notes.append(f"pinned the log's key on first use: {pinned}")
    elif state.verifier_key is not None and pinned != state.verifier_key:
        report.problem = Problem(None, None, "the log's key is not the one pinned before")
        return report
    verifier = Verifier.from_vkey(pinned)
    signed = await _json(http, "POST", "/v1/audit-log/checkpoints")
    try:
        point = open_note(signed["note"], verifier, origin=verifier.name)
    except NoteError as exc:
        report.problem = Problem(None, None, f"the service's checkpoint does not verify: {exc}")
        return report
    last = state.checkpoints[-1] if state.checkpoints else None
    if last is not None and point.size < last["size"]:
        report.problem = Problem(
            point.size,
            None,
            f"the log shrank: it held {last['size']} entries, its checkpoint now says "
            f"{point.size} (the tail was truncated or the log deleted and begun again)",
        )
        return report
    roots_at = {int(c["size"]): bytes.fromhex(c["root"]) for c in state.checkpoints}
    # A fork (a new checkpoint of a size kept before, with another root): the kept root is
    # what was seen first; the walk below finds where the entries left it.
    forked = roots_at.setdefault(point.size, point.root_hash) != point.root_hash
    checker = LogChecker(sealer=sealer, known_leaves=state.leaves, roots_at=roots_at)
    start = 0
    while start < point.size:
        limit = min(page, point.size - start)
        body = await _json(
            http, "GET", "/v1/audit-log/entries", params={"start": start, "limit": limit}
        )
        items = body["items"]
        for item in items:
            checker.feed(
                item["index"],
                item["event_id"],
                base64.b64decode(item["entry"]),
                base64.b64decode(item["mac"]),
            )
        if not items or checker.problem is not None:
            break
        start = items[-1]["index"] + 1
    if checker.problem is None:
        checker.finish()
    if forked:
        checker.report(None, None, f"two signed checkpoints of size {point.size} disagree (a fork)")
    if checker.problem is None and last is not None and 0 < last["size"] < point.size:
        proof = await _json(
            http,
            "GET",
            "/v1/audit-log/proofs/consistency",
            params={"first": last["size"], "second": point.size},
        )
        hashes = [bytes.fromhex(h) for h in proof["hashes"]]
        old_root = bytes.fromhex(last["root"])
        if not merkle.verify_consistency(
            last["size"], point.size, old_root, point.root_hash, hashes
        ):
            checker.report(None, None, "the service's consistency proof does not verify")
    report.size, report.root, report.problem = checker.size, checker.compact.root(), checker.problem
    if report.ok:
        state.verifier_key = pinned
        if last is None or last["size"] != point.size:
            state.checkpoints.append(
                {"size": point.size, "root": point.root_hash.hex(), "note": signed["note"]}
            )
        state.leaves = checker.leaves
        state.save(state_path)
    return report
