"""RFC 9162 §2.1 Merkle tree over byte leaves with SHA-256: the pure core of the audit
transparency log.

Leaves are hashed with a 0x00 prefix and interior nodes with 0x01, so no leaf can pose as a node
(second-preimage resistance). The tree of n leaves splits at the largest power of two below n, so
every left subtree is perfect; that is why the right edge of a growing tree is a short list of
perfect subtrees (`CompactRange`) and why a level-by-level fold that carries an odd last node up
unchanged computes the same root as the RFC's recursive definition.

Argument errors (an index out of range, old_size > new_size, a hash that is not 32 bytes) raise
ValueError. A proof that simply does not match makes the `verify_*` functions return False.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()
_LEAF = b"\x00"
_NODE = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d)."""
    return sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return sha256(_NODE + left + right).digest()


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over already-hashed leaves; SHA-256("") for none.

    Folds level by level (the odd last node moves up unhashed), which equals the RFC's split at
    the largest power of two and runs in O(n) hashes with no recursion."""
    _check_hashes(leaf_hashes)
    return _fold(leaf_hashes)


def inclusion_proof(leaf_hashes: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) of RFC 9162 §2.1.3.1: sibling subtree roots, from the leaf upwards."""
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is out of range for a tree of {size} leaves")
    _check_hashes(leaf_hashes)
    upward: list[bytes] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _split(hi - lo)
        if m < k:
            upward.append(_fold(leaf_hashes[lo + k : hi]))
            hi = lo + k
        else:
            upward.append(_fold(leaf_hashes[lo : lo + k]))
            lo, m = lo + k, m - k
    # The loop walks from the root down; PATH lists the deepest sibling first.
    return upward[::-1]


def consistency_proof(leaf_hashes: Sequence[bytes], old_size: int, new_size: int) -> list[bytes]:
    """PROOF(old_size, D[new_size]) of RFC 9162 §2.1.4.1, built from the first new_size leaves."""
    _check_sizes(old_size, new_size)
    if new_size > len(leaf_hashes):
        raise ValueError(f"new_size {new_size} exceeds the {len(leaf_hashes)} leaves given")
    _check_hashes(leaf_hashes[:new_size])
    downward: list[bytes] = []
    lo, hi, m, whole_old_tree = 0, new_size, old_size, True
    while m != hi - lo:
        k = _split(hi - lo)
        if m <= k:
            downward.append(_fold(leaf_hashes[lo + k : hi]))
            hi = lo + k
        else:
            downward.append(_fold(leaf_hashes[lo : lo + k]))
            lo, m, whole_old_tree = lo + k, m - k, False
    # SUBPROOF(m, D[m], false) = {MTH(D[m])}: a subtree of the old tree the verifier cannot rebuild
    # alone; when the old tree is itself the left subtree (b = true), the verifier has its root.
    head = [] if whole_old_tree else [_fold(leaf_hashes[lo:hi])]
    return head + downward[::-1]


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does `proof` show leaf `index` of a `tree_size` tree has this hash?"""
    if not 0 <= index < tree_size:
        raise ValueError(f"leaf index {index} is out of range for a tree of {tree_size} leaves")
    if not _all_hashes([leaf_hash, root, *proof]):
        return False
    fn, sn, r = index, tree_size - 1, leaf_hash
    for p in proof:
        if sn == 0:
            return False  # the proof is longer than the path to the root
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # A right-edge node with no sibling moves up unhashed: skip those levels.
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: is the `old_size` tree a prefix of the `new_size` tree?"""
    _check_sizes(old_size, new_size)
    if not _all_hashes([old_root, new_root, *proof]):
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        # A perfect old tree is a node of the new one: its root starts the path.
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root


class CompactRange:
    """The right edge of a tree: roots of its perfect subtrees, largest (leftmost) first.

    A tree of n leaves has one node per set bit of n, so a sequencer can persist these few
    (level, hash) pairs and extend the tree by a batch without rereading earlier leaves."""

    __slots__ = ("_nodes", "_size")

    def __init__(self, nodes: Iterable[tuple[int, bytes]] = ()) -> None:
        self._nodes: list[tuple[int, bytes]] = []
        self._size = 0
        for level, digest in nodes:
            self._check_node(level, digest)
            self._nodes.append((level, digest))
            self._size += 1 << level

    def _check_node(self, level: int, digest: bytes) -> None:
        if not isinstance(level, int) or level < 0:
            raise ValueError(f"node level must be a non-negative integer, not {level!r}")
        if not _is_hash(digest):
            raise ValueError(f"node hash at level {level} is not {HASH_SIZE} bytes")
        # Strictly decreasing levels are what make the list the right edge of one tree.
        if self._nodes and self._nodes[-1][0] <= level:
            raise ValueError("node levels must strictly decrease from left to right")

    @classmethod
    def from_leaves(cls, leaf_hashes: Iterable[bytes]) -> CompactRange:
        """The compact range of a tree holding these leaf hashes."""
        compact = cls()
        compact.extend(leaf_hashes)
        return compact

    @classmethod
    def of_size(cls, size: int, hashes: Sequence[bytes]) -> CompactRange:
        """The compact range of a tree of `size` leaves from its subtree roots (as `nodes`
        lists them, without the levels): one per set bit of `size`, largest first."""
        levels = [level for level in range(size.bit_length() - 1, -1, -1) if size >> level & 1]
        if len(levels) != len(hashes):
            raise ValueError(
                f"a tree of {size} leaves has {len(levels)} subtrees, not {len(hashes)}"
            )
        return cls(zip(levels, hashes, strict=True))

    @property
    def size(self) -> int:
        """Number of leaves covered."""
        return self._size

    @property
    def nodes(self) -> list[tuple[int, bytes]]:
        """The (level, hash) pairs, largest subtree first, to persist and pass back in."""
        return list(self._nodes)

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf hash; merge equal-sized subtrees as a binary counter carries."""
        if not _is_hash(leaf_hash):
            raise ValueError(f"leaf hash must be {HASH_SIZE} bytes, got {len(leaf_hash)}")
        self._size += 1
        level, digest = 0, leaf_hash
        while self._nodes and self._nodes[-1][0] == level:
            _, left = self._nodes.pop()
            level, digest = level + 1, node_hash(left, digest)
        self._nodes.append((level, digest))

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append each leaf hash in order."""
        for digest in leaf_hashes:
            self.append(digest)

    def root(self) -> bytes:
        """MTH of the covered tree: fold the subtrees from the smallest (rightmost) up."""
        if not self._nodes:
            return EMPTY_ROOT
        acc = self._nodes[-1][1]
        for _, left in reversed(self._nodes[:-1]):
            acc = node_hash(left, acc)
        return acc

    def __repr__(self) -> str:
        return f"CompactRange(size={self.size}, nodes={len(self._nodes)})"


def _fold(leaf_hashes: Sequence[bytes]) -> bytes:
    """Root of checked leaf hashes, level by level."""
    if not leaf_hashes:
        return EMPTY_ROOT
    level = list(leaf_hashes)
    while len(level) > 1:
        # zip drops the odd last node; it is carried up below.
        pairs = zip(level[::2], level[1::2], strict=False)
        paired = [sha256(_NODE + a + b).digest() for a, b in pairs]
        if len(level) & 1:
            paired.append(level[-1])
        level = paired
    return level[0]


def _split(n: int) -> int:
    """The largest power of two strictly below n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_sizes(old_size: int, new_size: int) -> None:
    if old_size > new_size:
        raise ValueError(f"old_size {old_size} is greater than new_size {new_size}")
    if old_size <= 0:
        # RFC 9162 §2.1.4 defines proofs for 0 < old_size only: an empty tree is a prefix of
        # every tree, so there is nothing to prove and accepting one would prove nothing.
        raise ValueError(f"old_size must be positive, got {old_size}")


def _check_hashes(hashes: Sequence[bytes]) -> None:
    if not _all_hashes(hashes):
        raise ValueError(f"every leaf hash must be {HASH_SIZE} bytes")


def _all_hashes(hashes: Iterable[bytes]) -> bool:
    # Lengths only, at C speed (this runs over a million leaves in `root`); a value that is not
    # bytes-like still fails loudly, with TypeError, at the first hash it enters.
    return set(map(len, hashes)) <= {HASH_SIZE}


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE
