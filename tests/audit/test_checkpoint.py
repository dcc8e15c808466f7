"""Signed checkpoints (c2sp.org/tlog-checkpoint over c2sp.org/signed-note): known vectors, then
tampering, foreign keys and malformed notes. No database: plain functions.

Vectors:
- golang.org/x/mod (github.com/golang/mod, commit fe2ec04f) sumdb/note/note_test.go: the
  PeterNeumann signer and verifier keys, TestSign's expected note and TestOpen's EnochRoot
  signature;
- the same repository's sumdb/client_test.go: testSignerKey / testVerifierKey and the two signed
  "go.sum database tree" heads (sizes 5 and 6) in TestClientFork's comment: checkpoints in
  exactly this three-line format;
- github.com/C2SP/C2SP (commit 5ba5ee83) signed-note.md's example verifier key and note, and
  tlog-checkpoint.md's example checkpoint body.
"""

from __future__ import annotations

import base64

import pytest

from app.audit.checkpoint import (
    Checkpoint,
    InvalidSignatureError,
    MalformedNoteError,
    NoteError,
    Signer,
    UnknownKeyError,
    Verifier,
    key_id,
    open_note,
    open_text,
)

PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6"
    "KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WW"
    "d1RvMc+QQ=\n"
)

SUMDB_SKEY = (
    "PRIVATE+KEY+localhost.localdev/sumdb+00000c67+AXu6+oaVaOYuQOFrf1V59JK1owcFlJcHwwXHDfDGxSPk"
)
SUMDB_VKEY = "localhost.localdev/sumdb+00000c67+AcTrnkbUA+TU4heY3hkjiSES/DSQniBqIeQ/YppAUtK6"
SUMDB_HEADS = {
    5: (
        "go.sum database tree\n5\nnWzN20+pwMt62p7jbv1/NlN95ePTlHijabv5zO/s36w=\n\n"
        "— localhost.localdev/sumdb AAAMZ5/2FVAdMH58kmnz/0h299pwyskEbzDzoa2/YaPdhvLya4YWDFQQxu2TQ"
        "b5GpwAH4NdWnTwuhILafisyf3CNbgg=\n"
    ),
    6: (
        "go.sum database tree\n6\nwc4SkQt52o5W2nQ8To2ARs+mWuUJjss+sdleoiqxMmM=\n\n"
        "— localhost.localdev/sumdb AAAMZ6oRNswlEZ6ZZhxrCvgl1MBy+nusq4JU+TG6Fe2NihWLqOzb+y2c2kzRL"
        "oCr4tvw9o36ucQEnhc20e4nA4Qc/wc=\n"
    ),
}

ORIGIN = "audit.vetting.example/log"
CHECKPOINT = Checkpoint(ORIGIN, 1234, bytes(range(32)))
LOG = Signer(bytes(range(32, 64)), ORIGIN)
WITNESS = Signer(bytes(range(64, 96)), "witness.example/w1")


# ----- known vectors -----


def test_note_signature_reproduces_go_sumdb_note_byte_for_byte() -> None:
    signer = Signer.from_skey(PETER_SKEY)
    assert signer.name == "PeterNeumann"
    assert signer.key_id.hex() == "c74f20a3"
    assert signer.sign_text(PETER_TEXT) == PETER_TEXT + "\n" + PETER_SIG
    assert signer.verifier().vkey() == PETER_VKEY


@pytest.mark.parametrize("size", [5, 6])
def test_checkpoint_reproduces_go_sumdb_tree_heads_byte_for_byte(size: int) -> None:
    signer = Signer.from_skey(SUMDB_SKEY)
    assert signer.verifier().vkey() == SUMDB_VKEY
    note = SUMDB_HEADS[size]
    checkpoint = open_note(note, Verifier.from_vkey(SUMDB_VKEY), origin="go.sum database tree")
    assert checkpoint.size == size
    assert signer.sign(checkpoint) == note


def test_c2sp_signed_note_example_verifies() -> None:
    verifier = Verifier.from_vkey(
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    )
    note = (
        "This is an example message.\n\n"
        "— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXm"
        "RKuwHjG1Yu72IneyaQM=\n"
    )
    assert open_text(note, verifier) == "This is an example message.\n"
    with pytest.raises(InvalidSignatureError):
        open_text(note.replace("example message", "example massage"), verifier)


def test_c2sp_checkpoint_example_body_parses() -> None:
    text = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = Checkpoint.parse(text)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert checkpoint.root_hash == base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    assert checkpoint.text() == text


def test_go_open_vectors_known_and_unknown_keys() -> None:
    peter, enoch = Verifier.from_vkey(PETER_VKEY), Verifier.from_vkey(ENOCH_VKEY)
    note = PETER_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_text(note, peter) == PETER_TEXT  # EnochRoot's signature is ignored
    assert open_text(note, enoch) == PETER_TEXT
    assert open_text(note, [peter, enoch]) == PETER_TEXT
    with pytest.raises(UnknownKeyError, match=r"PeterNeumann\+c74f20a3"):
        open_text(note, [])
    broken = PETER_TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    with pytest.raises(InvalidSignatureError, match="PeterNeumann"):
        open_text(broken, peter)


def test_go_verifier_key_manglings_are_refused() -> None:
    assert Verifier.from_vkey(PETER_VKEY).vkey() == PETER_VKEY
    for i in range(len(PETER_VKEY)):
        mangled = PETER_VKEY[:i] + chr(ord(PETER_VKEY[i]) + 1) + PETER_VKEY[i + 1 :]
        with pytest.raises(ValueError):
            Verifier.from_vkey(mangled)
    for i in range(len(PETER_VKEY)):  # every proper prefix and suffix
        for part in (PETER_VKEY[:i], PETER_VKEY[i + 1 :]):
            with pytest.raises(ValueError):
                Verifier.from_vkey(part)
    # Wrong key length and unknown algorithm, each with a key id adjusted to match (Go's vectors).
    with pytest.raises(ValueError, match="base64"):  # its padding is not canonical, too
        Verifier.from_vkey(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        )
    with pytest.raises(ValueError, match="Ed25519"):
        Verifier.from_vkey("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")


def test_go_signer_key_manglings_are_refused() -> None:
    for i in range(len(PETER_SKEY)):
        mangled = PETER_SKEY[:i] + chr(ord(PETER_SKEY[i]) + 1) + PETER_SKEY[i + 1 :]
        with pytest.raises(ValueError):
            Signer.from_skey(mangled)


def test_key_id_follows_the_signed_note_recipe() -> None:
    verifier = Verifier.from_vkey(PETER_VKEY)
    assert key_id("PeterNeumann", verifier.public_key).hex() == "c74f20a3"


# ----- our own checkpoints -----


def test_sign_and_open_round_trip_with_extensions() -> None:
    checkpoint = Checkpoint(ORIGIN, 0, bytes(32), ("ext one", "ext two"))
    note = LOG.sign(checkpoint)
    assert note.startswith(f"{ORIGIN}\n0\n{base64.b64encode(bytes(32)).decode()}\next one\n")
    assert open_note(note, LOG.verifier(), origin=ORIGIN) == checkpoint


def test_every_tampered_byte_is_refused() -> None:
    note = LOG.sign(CHECKPOINT).encode()
    verifier = LOG.verifier()
    assert open_note(note, verifier) == CHECKPOINT
    for i in range(len(note)):
        for bit in (0x01, 0x02, 0x20, 0x80):
            tampered = note[:i] + bytes([note[i] ^ bit]) + note[i + 1 :]
            with pytest.raises(NoteError):
                open_note(tampered, verifier)
        with pytest.raises(NoteError):
            open_note(note[:i] + note[i + 1 :], verifier)


def test_unknown_second_signature_is_ignored_but_a_known_one_is_required() -> None:
    body = CHECKPOINT.text()
    cosigned = LOG.sign(CHECKPOINT) + WITNESS.signature_line(body)
    assert open_note(cosigned, LOG.verifier()) == CHECKPOINT
    assert open_note(cosigned, WITNESS.verifier()) == CHECKPOINT
    assert open_note(cosigned, [LOG.verifier(), WITNESS.verifier()]) == CHECKPOINT
    garbage = "— nobody.example/key " + base64.b64encode(bytes(68)).decode() + "\n"
    assert open_note(LOG.sign(CHECKPOINT) + garbage, LOG.verifier()) == CHECKPOINT
    stranger = Signer(bytes(range(96, 128)), "stranger.example/k").verifier()
    with pytest.raises(UnknownKeyError, match="not signed by any trusted key"):
        open_note(cosigned, stranger)


def test_note_signed_by_a_different_key_is_refused() -> None:
    other = Signer(bytes(range(100, 132)), ORIGIN)  # same name, different key, so a new key id
    with pytest.raises(UnknownKeyError, match=ORIGIN):
        open_note(other.sign(CHECKPOINT), LOG.verifier())
    with pytest.raises(UnknownKeyError):
        open_note(WITNESS.sign(CHECKPOINT), LOG.verifier())


def test_bad_signature_from_a_known_key_is_refused_even_beside_a_good_one() -> None:
    forged = f"— {ORIGIN} " + base64.b64encode(LOG.key_id + bytes(64)).decode() + "\n"
    with pytest.raises(InvalidSignatureError):
        open_note(LOG.sign(CHECKPOINT) + forged, LOG.verifier())
    with pytest.raises(InvalidSignatureError):
        open_note(CHECKPOINT.text() + "\n" + forged, LOG.verifier())


def test_signature_over_another_checkpoint_is_refused() -> None:
    moved = Checkpoint(ORIGIN, CHECKPOINT.size + 1, CHECKPOINT.root_hash)
    signature = LOG.sign(CHECKPOINT).split("\n\n", 1)[1]
    with pytest.raises(InvalidSignatureError):
        open_note(moved.text() + "\n" + signature, LOG.verifier())


def test_origin_must_match_when_asked() -> None:
    with pytest.raises(NoteError, match=r"not 'another\.example/log'"):
        open_note(LOG.sign(CHECKPOINT), LOG.verifier(), origin="another.example/log")


@pytest.mark.parametrize(
    "note",
    [
        "",
        "no blank line\n— x AAAA\n",
        f"{CHECKPOINT.text()}\n",  # no signature lines
        f"{CHECKPOINT.text()}\n— {ORIGIN} AAAA",  # no final newline
        f"{CHECKPOINT.text()}\n- {ORIGIN} AAAAAAAA\n",  # hyphen, not an em dash
        f"{CHECKPOINT.text()}\n— bad name AAAAAAAA\n",
        f"{CHECKPOINT.text()}\n— {ORIGIN} AAAA\n",  # key id but no signature
        f"{CHECKPOINT.text()}\n— {ORIGIN} not base64!\n",
        f"\x01{CHECKPOINT.text()}\n— {ORIGIN} AAAAAAAA\n",
        f"{CHECKPOINT.text()}\n— {ORIGIN} AAAAAAAA\nUnexpected line.\n",
        f"{CHECKPOINT.text()}\n" + f"— {ORIGIN} AAAAAAAA\n" * 101,
    ],
)
def test_malformed_notes_are_refused(note: str) -> None:
    with pytest.raises(MalformedNoteError):
        open_note(note, LOG.verifier())


def test_invalid_utf8_is_refused() -> None:
    with pytest.raises(MalformedNoteError, match="UTF-8"):
        open_note(b"\xff" + LOG.sign(CHECKPOINT).encode(), LOG.verifier())


@pytest.mark.parametrize(
    "text",
    [
        "origin\n12\n",  # two lines
        "origin\n012\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  # leading zero
        "origin\n-1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
        "origin\n١٢\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  # non-ASCII digits
        "origin\n12\nAAAA\n",  # not 32 bytes
        "origin\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n",  # non-canonical base64
        "origin\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nextension after a blank\n",
        "\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",  # empty origin
        "origin\n12\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",  # no final newline
    ],
)
def test_malformed_checkpoint_bodies_are_refused(text: str) -> None:
    with pytest.raises(MalformedNoteError):
        Checkpoint.parse(text)
    # Signed, they are still refused: a valid signature does not make a checkpoint.
    if text.endswith("\n"):
        with pytest.raises(MalformedNoteError):
            open_note(LOG.sign_text(text), LOG.verifier())


def test_bad_arguments_raise_value_error() -> None:
    with pytest.raises(ValueError, match="seed"):
        Signer(b"short", ORIGIN)
    with pytest.raises(ValueError, match="key name"):
        Signer(bytes(32), "has space")
    with pytest.raises(ValueError, match="key name"):
        Verifier("a+b", bytes(32))
    with pytest.raises(ValueError, match="public key"):
        Verifier(ORIGIN, bytes(31))
    with pytest.raises(ValueError, match="root hash"):
        Checkpoint(ORIGIN, 1, b"short")
    with pytest.raises(ValueError, match="size"):
        Checkpoint(ORIGIN, -1, bytes(32))
    with pytest.raises(ValueError, match="origin"):
        Checkpoint("two\nlines", 1, bytes(32))
    with pytest.raises(ValueError, match="newline"):
        LOG.sign_text("no final newline")
    twin = Verifier(ORIGIN, WITNESS.public_key)
    twin.key_id = LOG.key_id  # a forged collision of both name and id
    with pytest.raises(ValueError, match="ambiguous"):
        open_note(LOG.sign(CHECKPOINT), [LOG.verifier(), twin])
