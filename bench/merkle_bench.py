"""Micro-benchmark of the audit log's Merkle tree (app/audit/merkle.py). Run from the repository
root:

    .venv/bin/python bench/merkle_bench.py [N]

Prints the time to compute the root of N (default 1,000,000) leaf hashes, to extend a compact
range over them, and to build and to verify one consistency proof and one inclusion proof.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.audit.merkle import (
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

T = TypeVar("T")


def timed(label: str, call: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = call()
    print(f"{label:<44} {(time.perf_counter() - start) * 1000:10.3f} ms")
    return result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    old = n * 7 // 10 + 1  # not a power of two, so the proof takes the general path
    leaves = timed(f"hash {n:,} leaves", lambda: [leaf_hash(i.to_bytes(8)) for i in range(n)])
    new_root = timed(f"root of {n:,} leaves", lambda: root(leaves))
    compact = timed(f"CompactRange over {n:,} leaves", lambda: CompactRange.from_leaves(leaves))
    assert compact.root() == new_root
    old_root = root(leaves[:old])
    proof = timed(f"consistency proof {old:,} -> {n:,}", lambda: consistency_proof(leaves, old, n))
    ok = timed(
        f"verify consistency ({len(proof)} hashes)",
        lambda: verify_consistency(old, n, old_root, new_root, proof),
    )
    assert ok
    path = timed(f"inclusion proof of leaf {old:,}", lambda: inclusion_proof(leaves, old))
    ok = timed(
        f"verify inclusion ({len(path)} hashes)",
        lambda: verify_inclusion(leaves[old], old, n, path, new_root),
    )
    assert ok
    print(f"root {new_root.hex()}")


if __name__ == "__main__":
    main()
