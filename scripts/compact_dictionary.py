"""Build a preset dictionary for `app.domain.compact` from stored decisions and facts.

    .venv/bin/python scripts/compact_dictionary.py --database-url postgresql://… --out FILE

Reads a sample of stored decision bodies and facts snapshots (e.g. from the benchmark's
generated database, whose data is synthetic), blanks everything that is a record's own — UUIDs,
digests, people's names and birth dates, free-text titles — and keeps the structure every row
repeats: keys, codes, labels, message phrases, the shape of dates. The result is what a
dictionary should hold and no more; no personal data can enter it. Each kind gets a share; the most
frequent goes last (DEFLATE reaches nearer bytes more cheaply).

A dictionary, once listed in `app/domain/compact.py`, is frozen: this script makes the next
one, never a replacement.
"""

from __future__ import annotations

import argparse
import asyncio
import re
from typing import Any

import asyncpg
import orjson

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_DIGEST = re.compile(r"[0-9a-f]{64}")
_OWN = {"name", "birth_date", "title", "authority", "document_number"}


def _blank(value: Any, key: str = "") -> Any:
    if key in _OWN and isinstance(value, str):
        return ""
    if isinstance(value, dict):
        return {k: _blank(v, k) for k, v in value.items()}
    if isinstance(value, list):
        if value and all(isinstance(v, int) for v in value):
            return value  # a run
        return [_blank(v) for v in value[:2]]
    if isinstance(value, str):
        return _DIGEST.sub("", _UUID.sub("", value))
    return value


def _split_like(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A whole snapshot in the shape of a split one (its lists from parts as runs)."""
    out = dict(snapshot)
    out["accidents"] = [[0, 0, 1]]
    out["unit_assessments"] = [[0, 0, 1]]
    out["parts"] = [""]
    return out


def _unit_part(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {"accidents": snapshot["accidents"], "unit_assessments": snapshot["unit_assessments"]}


def _dumps(value: Any) -> bytes:
    return orjson.dumps(_blank(value), option=orjson.OPT_SORT_KEYS)


async def build(url: str, size: int, sample: int) -> bytes:
    conn = await asyncpg.connect(url)
    try:
        decisions = await conn.fetch(
            "SELECT CAST(decision AS text) FROM vetting_decisions WHERE decision IS NOT NULL "
            "ORDER BY (outcome = 'eligible'), random() LIMIT $1",
            sample,
        )
        snapshots = await conn.fetch(
            "SELECT CAST(facts AS text) FROM facts_snapshots WHERE facts IS NOT NULL "
            "ORDER BY random() LIMIT $1",
            sample,
        )
    finally:
        await conn.close()
    parsed = [orjson.loads(r[0]) for r in snapshots if r[0] != "{}"]
    kinds = (  # each kind's share of the dictionary, the most frequent last
        ([_unit_part(s) for s in parsed], 0.2),
        ([orjson.loads(r[0]) for r in decisions], 0.35),
        ([_split_like(s) for s in parsed], 0.45),
    )
    return b"".join(_pieces(values, int(size * share)) for values, share in kinds)


def _pieces(values: list[Any], size: int) -> bytes:
    """Distinct blanked values, up to `size` bytes."""
    out = b""
    seen: set[bytes] = set()
    for value in values:
        piece = _dumps(value)
        if piece not in seen and len(out) + len(piece) <= size:
            seen.add(piece)
            out += piece
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True, help="a libpq URL (postgresql://…)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--size", type=int, default=8192, help="bytes (zlib uses up to 32 KB)")
    parser.add_argument("--sample", type=int, default=200, help="rows of each kind read")
    args = parser.parse_args()
    content = asyncio.run(build(args.database_url, args.size, args.sample))
    with open(args.out, "wb") as out:
        out.write(content)
    print(f"{args.out}: {len(content):,} bytes")


if __name__ == "__main__":
    main()
