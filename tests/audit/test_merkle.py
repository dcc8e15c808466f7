"""RFC 9162 Merkle tree: published vectors, then every proof of every tree up to 64 leaves.

Known values are from github.com/transparency-dev/merkle (commit 417fb0c3): testonly/constants.go
(LeafInputs, NodeHashes, RootHashes, CompactTrees), testonly/reference_test.go
(TestRefInclusionProof, TestRefConsistencyProof), cmd/proofgen/main.go (inclusionProofs with
1-based leaf indexes, consistencyProofs) and rfc6962/rfc6962_test.go (TestRFC6962Hasher). The
same tables are in google/certificate-transparency-go and google/trillian's merkle tests.
No database: plain functions.
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import sha256

import pytest

from app.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)


def h(value: str) -> bytes:
    return bytes.fromhex(value)


LEAVES = [
    h(x)
    for x in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
HASHES = [leaf_hash(x) for x in LEAVES]

# RootHashes(): the root of the first n standard leaves, n = 0..8.
ROOTS = [
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]

# NodeHashes(): [level][index] of every perfect subtree of the 8-leaf tree.
NODES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]

# (index, tree size, proof): TestRefInclusionProof and proofgen's inclusionProofs (made 0-based).
INCLUSION_VECTORS = [
    (0, 1, []),
    (0, 2, [NODES[0][1]]),
    (1, 2, [NODES[0][0]]),
    (2, 3, [NODES[1][0]]),
    (1, 5, [NODES[0][0], NODES[1][1], NODES[0][4]]),
    (0, 8, [NODES[0][1], NODES[1][1], NODES[2][1]]),
    (5, 8, [NODES[0][4], NODES[1][3], NODES[2][0]]),
]

# (old size, new size, proof): TestRefConsistencyProof and proofgen's consistencyProofs.
CONSISTENCY_VECTORS = [
    (1, 1, []),
    (1, 8, [NODES[0][1], NODES[1][1], NODES[2][1]]),
    (2, 5, [NODES[1][1], NODES[0][4]]),
    (6, 8, [NODES[1][2], NODES[1][3], NODES[2][0]]),
    (6, 7, [NODES[1][2], NODES[0][6], NODES[2][0]]),
]

SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")


def test_hasher_vectors() -> None:
    # TestRFC6962Hasher: the empty root is not the hash of an empty leaf.
    assert EMPTY_ROOT == sha256(b"").digest() == ROOTS[0]
    assert leaf_hash(b"") == h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d")
    assert leaf_hash(b"L123456") == h(
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456") == h(
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_leaf_hashes_match_node_vectors() -> None:
    assert NODES[0] == HASHES


@pytest.mark.parametrize("size", range(9))
def test_root_of_standard_leaves(size: int) -> None:
    assert root(HASHES[:size]) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS)
def test_inclusion_vectors(index: int, size: int, proof: list[bytes]) -> None:
    assert inclusion_proof(HASHES[:size], index) == proof
    assert verify_inclusion(HASHES[index], index, size, proof, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS)
def test_consistency_vectors(old: int, new: int, proof: list[bytes]) -> None:
    assert consistency_proof(HASHES, old, new) == proof
    assert verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_VECTORS[3:])
def test_inclusion_vector_corruptions(index: int, size: int, proof: list[bytes]) -> None:
    # The corruptions proofgen writes to testdata/inclusion/*: each must fail.
    good = ROOTS[size]
    leaf = HASHES[index]
    assert not verify_inclusion(leaf, index, size * 2, proof, good)
    assert refused(lambda: verify_inclusion(leaf, index, size // 2, proof, good))
    assert not verify_inclusion(leaf_hash(b"WrongLeaf"), index, size, proof, good)
    for bad_root in (EMPTY_ROOT, SOME_HASH):
        assert not verify_inclusion(leaf, index, size, proof, bad_root)
    for bad_proof in ([*proof, b""], [*proof, good], [b"", *proof], [good, *proof]):
        assert not verify_inclusion(leaf, index, size, bad_proof, good)
    for i in {index - 1, index + 1, index ^ 2}:
        assert refused(lambda i=i: verify_inclusion(leaf, i, size, proof, good))
    assert not verify_inclusion(leaf, index, size, proof[:-1], good)
    assert not verify_inclusion(leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], good)


def test_consistency_edge_vectors() -> None:
    # testdata/consistency/additional: sizes that prove nothing or contradict the proof.
    d1, d2 = b"don't care 1".ljust(32, b"."), b"don't care 2".ljust(32, b".")
    assert verify_consistency(1, 1, d2, d2, [])
    assert not verify_consistency(1, 1, d1, d2, [])
    assert not verify_consistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])
    assert not verify_consistency(1, 2, d1, d2, [])
    for old, new in ((0, 0), (0, 1), (1, 0), (2, 1)):
        with pytest.raises(ValueError):
            verify_consistency(old, new, EMPTY_ROOT, EMPTY_ROOT, [])


def test_single_entry_vectors() -> None:
    # testdata/inclusion/single-entry: a one-leaf tree's root is its leaf hash.
    one = leaf_hash(b"data")
    assert verify_inclusion(one, 0, 1, [], one)
    assert not verify_inclusion(b"", 0, 1, [], one)
    assert not verify_inclusion(one, 0, 1, [], b"")
    assert not verify_inclusion(b"", 0, 1, [], b"")
    for index, size in ((0, 0), (1, 0), (2, 1)):
        with pytest.raises(ValueError, match="out of range"):
            verify_inclusion(one, index, size, [], EMPTY_ROOT)


def test_compact_range_vectors() -> None:
    # CompactTrees(): the right edge of each tree of the standard leaves, largest first.
    expected = [
        [],
        [(0, NODES[0][0])],
        [(1, NODES[1][0])],
        [(1, NODES[1][0]), (0, NODES[0][2])],
        [(2, NODES[2][0])],
        [(2, NODES[2][0]), (0, NODES[0][4])],
        [(2, NODES[2][0]), (1, NODES[1][2])],
        [(2, NODES[2][0]), (1, NODES[1][2]), (0, NODES[0][6])],
        [(3, NODES[3][0])],
    ]
    compact = CompactRange()
    for size in range(9):
        assert compact.size == size
        assert compact.nodes == expected[size]
        assert compact.root() == ROOTS[size]
        if size < 8:
            compact.append(HASHES[size])


# ----- every proof of every tree of 1..64 leaves -----

MAX = 64
BIG = [leaf_hash(i.to_bytes(2, "big")) for i in range(2 * MAX + 2)]
BIG_ROOTS = [root(BIG[:n]) for n in range(len(BIG) + 1)]


def refused(call: Callable[[], bool]) -> bool:
    """A verification is refused when it answers False or rejects the arguments."""
    try:
        return not call()
    except ValueError:
        return True


def flipped(value: bytes) -> bytes:
    return bytes([value[0] ^ 0x01]) + value[1:]


def test_root_matches_the_recursive_definition() -> None:
    def mth(hashes: list[bytes]) -> bytes:  # RFC 9162 §2.1.1, literally
        if len(hashes) <= 1:
            return hashes[0] if hashes else EMPTY_ROOT
        k = 1 << ((len(hashes) - 1).bit_length() - 1)
        return node_hash(mth(hashes[:k]), mth(hashes[k:]))

    for n in range(len(BIG) + 1):
        assert BIG_ROOTS[n] == mth(BIG[:n]) == CompactRange.from_leaves(BIG[:n]).root()


def test_every_inclusion_proof_verifies_and_each_change_fails() -> None:
    for size in range(1, MAX + 1):
        for index in range(size):
            proof = inclusion_proof(BIG[:size], index)
            assert verify_inclusion(BIG[index], index, size, proof, BIG_ROOTS[size])
            _assert_inclusion_changes_fail(index, size, proof)


def _assert_inclusion_changes_fail(index: int, size: int, proof: list[bytes]) -> None:
    leaf, good = BIG[index], BIG_ROOTS[size]
    for i in range(len(proof)):
        bad = [*proof[:i], flipped(proof[i]), *proof[i + 1 :]]
        assert not verify_inclusion(leaf, index, size, bad, good)
    for bad in ([*proof, good], proof[:-1], proof[1:], [good, *proof]):
        if bad != proof:
            assert not verify_inclusion(leaf, index, size, bad, good)
    assert not verify_inclusion(flipped(leaf), index, size, proof, good)
    assert not verify_inclusion(leaf, index, size, proof, flipped(good))
    for other in range(-1, size + 1):
        if other != index:
            assert refused(lambda o=other: verify_inclusion(leaf, o, size, proof, good))
    # A checkpoint binds a size to its root, so another size comes with that size's root. (The
    # size alone is not bound: index 0's proof in 5 leaves also verifies for "size 6" against the
    # 5-leaf root, the same hashes in the same order; transparency-dev's corruption probes
    # double or halve the size instead, as test_inclusion_vector_corruptions does.)
    for other in [*range(1, size + 3), 2 * size, 2 * size + 1]:
        if other != size:
            r = BIG_ROOTS[other]
            assert refused(lambda s=other, r=r: verify_inclusion(leaf, index, s, proof, r))


def test_every_consistency_proof_verifies_and_each_change_fails() -> None:
    for new in range(1, MAX + 1):
        for old in range(1, new + 1):
            proof = consistency_proof(BIG, old, new)
            assert verify_consistency(old, new, BIG_ROOTS[old], BIG_ROOTS[new], proof)
            _assert_consistency_changes_fail(old, new, proof)


def _assert_consistency_changes_fail(old: int, new: int, proof: list[bytes]) -> None:
    r1, r2 = BIG_ROOTS[old], BIG_ROOTS[new]
    for i in range(len(proof)):
        bad = [*proof[:i], flipped(proof[i]), *proof[i + 1 :]]
        assert not verify_consistency(old, new, r1, r2, bad)
    for bad in ([*proof, r2], proof[:-1], proof[1:], [r1, *proof]):
        if bad != proof:
            assert not verify_consistency(old, new, r1, r2, bad)
    assert not verify_consistency(old, new, flipped(r1), r2, proof)
    assert not verify_consistency(old, new, r1, flipped(r2), proof)
    if old != new:
        assert not verify_consistency(old, new, r2, r1, proof)
    # Other sizes come with their own roots, as from other checkpoints (see the inclusion test).
    changed = [(o, new) for o in range(new + 2) if o != old]
    bigger = [*range(max(old - 1, 0), new + 3), 2 * new, 2 * new + 1]
    changed += [(old, n) for n in bigger if n != new]
    for o, n in changed:
        ro, rn = BIG_ROOTS[o], BIG_ROOTS[n]
        assert refused(lambda o=o, n=n, ro=ro, rn=rn: verify_consistency(o, n, ro, rn, proof))


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_VECTORS[1:])
def test_consistency_vector_corruptions(old: int, new: int, proof: list[bytes]) -> None:
    # The corruptions proofgen writes to testdata/consistency/*: each must fail.
    r1, r2 = ROOTS[old], ROOTS[new]
    for o, n in ((old - 1, new), (old + 1, new), (old ^ 2, new), (old, new * 2), (old, new // 2)):
        assert refused(lambda o=o, n=n: verify_consistency(o, n, r1, r2, proof))
    assert not verify_consistency(old, new, r2, r1, proof)
    for bad_root in (EMPTY_ROOT, SOME_HASH):
        assert not verify_consistency(old, new, bad_root, r2, proof)
        assert not verify_consistency(old, new, r1, bad_root, proof)
    for bad_proof in ([], proof[:-1], [*proof, b""], [*proof, r1], [b"", *proof], [r2, *proof]):
        assert not verify_consistency(old, new, r1, r2, bad_proof)


def test_compact_range_extends_by_batches_and_round_trips() -> None:
    compact = CompactRange()
    for start, stop in ((0, 1), (1, 7), (7, 8), (8, 64), (64, 100)):
        compact.extend(BIG[start:stop])
        restored = CompactRange(compact.nodes)  # what the sequencer persists and reloads
        assert restored.size == compact.size == stop
        assert restored.root() == compact.root() == BIG_ROOTS[stop]
        assert len(compact.nodes) == stop.bit_count()


# ----- argument errors -----


def test_bad_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError, match="out of range"):
        inclusion_proof(HASHES, 8)
    with pytest.raises(ValueError, match="out of range"):
        inclusion_proof(HASHES, -1)
    with pytest.raises(ValueError, match="greater than new_size"):
        consistency_proof(HASHES, 5, 4)
    with pytest.raises(ValueError, match="positive"):
        consistency_proof(HASHES, 0, 4)
    with pytest.raises(ValueError, match="exceeds"):
        consistency_proof(HASHES, 2, 9)
    with pytest.raises(ValueError, match="32 bytes"):
        root([b"short"])
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange().append(b"short")


def test_compact_range_rejects_nodes_that_are_not_a_right_edge() -> None:
    with pytest.raises(ValueError, match="strictly decrease"):
        CompactRange([(0, SOME_HASH), (1, SOME_HASH)])
    with pytest.raises(ValueError, match="strictly decrease"):
        CompactRange([(2, SOME_HASH), (2, SOME_HASH)])
    with pytest.raises(ValueError, match="non-negative"):
        CompactRange([(-1, SOME_HASH)])
    with pytest.raises(ValueError, match="32 bytes"):
        CompactRange([(3, b"x")])
