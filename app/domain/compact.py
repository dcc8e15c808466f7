"""The compact stored form of JSON that is written once and read back whole (a decision's body,
a cadre's own facts, a unit's history): DEFLATE (zlib) with a preset dictionary.

Small JSON barely compresses on its own (PostgreSQL's pglz takes a 1.4 KB decision to about
1 KB): most of its bytes are the same keys, codes and phrases in every row, which a compressor
meeting them for the first time must spell out. A preset dictionary (RFC 1950 §2.2, zlib's
`zdict`) holds them once, outside the rows, so each row spells out only what is its own.

A stored value is one byte naming the dictionary, then the zlib stream. Dictionaries are frozen:
each is a file beside this module whose SHA-256 is pinned below and checked on load, so a value
stored today inflates to the same bytes in twenty years; a better dictionary is a new number,
and values stored under the old one keep it. Nothing here decides what is proven: digests are
always of the uncompressed bytes (the compact form is only how they are kept).

Why our own few lines rather than a library: zlib is in the standard library and does the work;
what is ours is only the version byte and the frozen dictionary (zstandard's trained
dictionaries would do as well, at the price of a binary dependency for a 2:1 difference).
"""

from __future__ import annotations

import hashlib
import zlib
from functools import cache
from importlib import resources

__all__ = ["CURRENT", "pack", "unpack"]

# Dictionary number -> (file beside this module, its SHA-256). Never edit a file listed here.
_DICTIONARIES = {
    1: ("compact-v1.dict", "980c57604940e081f801f2747aec5826cfc25ff8f42b565cdd20565fd14c7fc4"),
}
CURRENT = 1
_LEVEL = 6


@cache
def dictionary(number: int) -> bytes:
    """Dictionary `number`, checked against its pinned digest."""
    try:
        name, sha256 = _DICTIONARIES[number]
    except KeyError:
        raise ValueError(f"no compact dictionary {number}") from None
    content = resources.files(__package__).joinpath(name).read_bytes()
    if hashlib.sha256(content).hexdigest() != sha256:
        raise RuntimeError(f"{name} is not the dictionary it was pinned as")
    return content


def pack(data: bytes, number: int = CURRENT) -> bytes:
    """`data` in compact form under dictionary `number`."""
    compressor = zlib.compressobj(
        _LEVEL, zlib.DEFLATED, zlib.MAX_WBITS, 9, zdict=dictionary(number)
    )
    return bytes((number,)) + compressor.compress(data) + compressor.flush()


def unpack(stored: bytes) -> bytes:
    """The bytes `pack` was given."""
    if not stored:
        raise ValueError("an empty compact value")
    inflater = zlib.decompressobj(zlib.MAX_WBITS, zdict=dictionary(stored[0]))
    try:
        data = inflater.decompress(stored[1:]) + inflater.flush()
    except zlib.error as exc:
        raise ValueError(f"a damaged compact value ({exc})") from None
    if not inflater.eof:
        raise ValueError("a truncated compact value")
    return data
