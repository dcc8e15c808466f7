"""The compact stored form: exact round trips, a frozen dictionary, clear refusals."""

from __future__ import annotations

import hashlib
import zlib

import orjson
import pytest

from app.domain import compact


def test_every_value_comes_back_byte_for_byte() -> None:
    values = [
        b"",
        b"{}",
        orjson.dumps({"outcome": "ineligible", "message": {"zh": "一票否决：𬭚䶮", "en": "veto"}}),
        bytes(range(256)) * 40,  # not JSON, not compressible: still exact
    ]
    for value in values:
        stored = compact.pack(value)
        assert stored[0] == compact.CURRENT
        assert compact.unpack(stored) == value


def test_the_dictionary_pays_for_itself_on_the_json_it_was_made_for() -> None:
    body = orjson.dumps(
        {
            "decision_id": "4d63fd8f-772c-4063-96a0-f7ef2c0c167e",
            "purpose": "promotion",
            "outcome": "eligible",
            "findings": [],
            "rulebook": {"id": "cn-sichuan-luzhou-2018", "version": "1.0.0"},
            "labels": {"purpose": "提拔（晋升职务职级）", "outcome": "符合条件"},
            "target_org_unit_id": None,
        }
    )
    assert len(compact.pack(body)) < len(zlib.compress(body, 9)) * 0.8


def test_the_dictionary_is_the_one_pinned() -> None:
    content = compact.dictionary(1)
    assert hashlib.sha256(content).hexdigest() == compact._DICTIONARIES[1][1]
    assert 1024 < len(content) <= 32 * 1024  # zlib reads no more than its window


def test_an_unknown_dictionary_or_a_damaged_value_is_refused() -> None:
    stored = compact.pack(b'{"outcome":"eligible"}')
    with pytest.raises(ValueError, match="no compact dictionary 9"):
        compact.unpack(bytes((9,)) + stored[1:])
    with pytest.raises(ValueError, match="empty"):
        compact.unpack(b"")
    with pytest.raises(ValueError, match="truncated"):
        compact.unpack(stored[:-3])
    with pytest.raises(ValueError, match="damaged"):
        compact.unpack(stored[:1] + bytes(b ^ 0xFF for b in stored[1:]))
