"""Checking the log: one walk over its entries, shared by the service's own verification and
the external auditor (`vetting audit verify`).

Entries are fed in index order; each one's leaf hash is recomputed from its bytes and compared
with what was logged, with what the auditor saw on an earlier run, and its MAC with the
service's key (when the checker has it); the tree is rebuilt as the entries come, and its root
compared with every signed checkpoint's at that size. The first problem found is kept, with the
index where it is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from app.audit import merkle
from app.audit.entries import Sealer


@dataclass(frozen=True)
class Problem:
    index: int | None
    event_id: UUID | None
    reason: str


@dataclass
class LogChecker:
    sealer: Sealer | None = None
    known_leaves: Sequence[bytes] = ()
    roots_at: Mapping[int, bytes] = field(default_factory=dict)
    compact: merkle.CompactRange = field(default_factory=merkle.CompactRange)
    leaves: list[bytes] = field(default_factory=list)
    problem: Problem | None = None

    @property
    def size(self) -> int:
        return self.compact.size

    def report(self, index: int | None, event_id: UUID | None, reason: str) -> None:
        if self.problem is None:
            self.problem = Problem(index, event_id, reason)

    def feed(
        self,
        index: int,
        event_id: UUID | None,
        entry: bytes | None,
        mac: bytes,
        logged_leaf: bytes | None = None,
    ) -> None:
        expected = self.size
        if index != expected:
            self.report(
                expected,
                None,
                f"log entry {expected} is missing: the log goes on at {index} "
                "(an entry was deleted, or the log reordered)",
            )
            return
        if entry is None:
            self.report(index, event_id, "the event of this log entry is missing (deleted)")
            return
        leaf = merkle.leaf_hash(entry)
        if logged_leaf is not None and leaf != logged_leaf:
            self.report(
                index, event_id, "the event was altered: its entry no longer hashes to its leaf"
            )
        if index < len(self.known_leaves) and leaf != self.known_leaves[index]:
            self.report(
                index,
                event_id,
                "the entry differs from the one seen at this index before "
                "(altered, replaced, inserted before or reordered)",
            )
        if self.sealer is not None and not self.sealer.vouches_for(entry, mac):
            self.report(
                index,
                event_id,
                "the event was not written by the service: its MAC does not verify "
                "(inserted by hand, or altered with its leaf)",
            )
        self.compact.append(leaf)
        self.leaves.append(leaf)
        signed = self.roots_at.get(self.size)
        if signed is not None and self.compact.root() != signed:
            self.report(
                index,
                event_id,
                f"the tree of {self.size} entries does not match its signed checkpoint "
                "(an earlier entry was altered, inserted or reordered)",
            )

    def finish(self) -> None:
        """After the last entry: a checkpoint beyond the log's end means the tail was cut."""
        beyond = [size for size in self.roots_at if size > self.size]
        if beyond:
            self.report(
                self.size,
                None,
                f"a signed checkpoint covers {max(beyond)} entries but the log holds only "
                f"{self.size} (the tail was truncated or the log deleted)",
            )
        if 0 in self.roots_at and self.roots_at[0] != merkle.EMPTY_ROOT:
            self.report(0, None, "the empty tree's checkpoint has a wrong root")
