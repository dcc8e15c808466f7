"""Signed checkpoints of the audit transparency log, in the C2SP formats.

A checkpoint (https://c2sp.org/tlog-checkpoint) is the note text

    <origin>\\n<tree size>\\n<base64 root hash>\\n[<extension line>\\n ...]

and it travels as a signed note (https://c2sp.org/signed-note): the text, a blank line, then one
or more lines `— <key name> <base64(4-byte key id || Ed25519 signature)>`. Ed25519 itself comes
from the `cryptography` library.

Opening a note follows the spec's rules: signatures by keys we do not know are ignored (so a log
can rotate keys and witnesses can cosign), a signature by a known key must verify or the whole
note is refused, and at least one known key must have signed.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ED25519 = 0x01  # signed-note signature type byte for Ed25519
KEY_ID_SIZE = 4
ROOT_HASH_SIZE = 32  # SHA-256, as app.audit.merkle produces
MAX_SIGNATURES = 100  # the spec asks verifiers to bound work but accept at least 16
_SIG_PREFIX = "\N{EM DASH} "
_SIZE = re.compile(r"0|[1-9][0-9]*")  # ASCII decimal, no leading zeroes
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


class NoteError(ValueError):
    """A signed note or checkpoint that must not be trusted."""


class MalformedNoteError(NoteError):
    """The text does not follow the signed-note or checkpoint syntax."""


class InvalidSignatureError(NoteError):
    """A signature by a known key does not verify: the note was altered or forged."""


class UnknownKeyError(NoteError):
    """No signature in the note is by a key we trust."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A log's tree head: its origin, its size and the RFC 6962 root hash at that size."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin or not _is_line(self.origin):
            raise ValueError("checkpoint origin must be a non-empty single line")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise ValueError(f"checkpoint size must be a non-negative integer, not {self.size!r}")
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != ROOT_HASH_SIZE:
            raise ValueError(f"checkpoint root hash must be {ROOT_HASH_SIZE} bytes")
        if not all(line and _is_line(line) for line in self.extensions):
            raise ValueError("checkpoint extension lines must be non-empty single lines")

    def text(self) -> str:
        """The note text that gets signed, final newline included."""
        lines = (self.origin, str(self.size), _b64encode(self.root_hash), *self.extensions)
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """Parse checkpoint note text (without signatures); MalformedNoteError if it is not one."""
        if not text.endswith("\n"):
            raise MalformedNoteError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3 or not all(lines):
            raise MalformedNoteError("checkpoint text must be at least three non-empty lines")
        origin, size, root, *extensions = lines
        if not _SIZE.fullmatch(size):
            raise MalformedNoteError(f"checkpoint tree size {size!r} is not a canonical decimal")
        root_hash = _b64decode(root, "checkpoint root hash")
        if len(root_hash) != ROOT_HASH_SIZE:
            raise MalformedNoteError(f"checkpoint root hash is not {ROOT_HASH_SIZE} bytes")
        return cls(origin, int(size), root_hash, tuple(extensions))


def key_id(name: str, public_key: bytes) -> bytes:
    """Ed25519 key id: SHA-256(key name || 0x0A || 0x01 || public key)[:4]."""
    return sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:KEY_ID_SIZE]


class Verifier:
    """A trusted Ed25519 key under its signed-note key name."""

    __slots__ = ("_key", "key_id", "name", "public_key")

    def __init__(self, name: str, public_key: bytes) -> None:
        _check_key_name(name)
        if len(public_key) != 32:
            raise ValueError(f"Ed25519 public key must be 32 bytes, got {len(public_key)}")
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, self.public_key)
        self._key = Ed25519PublicKey.from_public_bytes(self.public_key)

    @classmethod
    def from_vkey(cls, vkey: str) -> Verifier:
        """Parse `<name>+<hex key id>+<base64(0x01 || public key)>`; the id must match the key."""
        name, hex_id, public_key = _split_key(vkey, "verifier key")
        verifier = cls(name, public_key)
        if verifier.key_id.hex() != hex_id:
            raise ValueError(f"verifier key id {hex_id} does not match its name and key")
        return verifier

    def vkey(self) -> str:
        """The signed-note verifier key string, for configuration and publication."""
        return f"{self.name}+{self.key_id.hex()}+{_b64encode(bytes([ED25519]) + self.public_key)}"

    def verify(self, text: bytes, signature: bytes) -> bool:
        """Whether `signature` (without the key id) is this key's Ed25519 signature of text."""
        try:
            self._key.verify(signature, text)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"Verifier({self.name}+{self.key_id.hex()})"


class Signer:
    """An Ed25519 signing key under a signed-note key name (for a log, its origin)."""

    __slots__ = ("_key", "key_id", "name", "public_key")

    def __init__(self, seed: bytes, name: str) -> None:
        _check_key_name(name)
        if len(seed) != 32:
            raise ValueError(f"Ed25519 seed must be 32 bytes, got {len(seed)}")
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(bytes(seed))
        self.public_key = self._key.public_key().public_bytes_raw()
        self.key_id = key_id(name, self.public_key)

    @classmethod
    def from_skey(cls, skey: str) -> Signer:
        """Parse `PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed)>`, as sumdb/note writes it."""
        prefix = "PRIVATE+KEY+"
        if not skey.startswith(prefix):
            raise ValueError(f"signer key must start with {prefix}")
        name, hex_id, seed = _split_key(skey[len(prefix) :], "signer key")
        signer = cls(seed, name)
        # The id names the public key, so it can be checked only once the key is derived.
        if signer.key_id.hex() != hex_id:
            raise ValueError(f"signer key id {hex_id} does not match its name and key")
        return signer

    def verifier(self) -> Verifier:
        """The matching public verifier."""
        return Verifier(self.name, self.public_key)

    def signature_line(self, text: str) -> str:
        """One `— name base64(id || signature)` line over note text, e.g. to cosign a note."""
        _check_note_text(text)
        signature = self.key_id + self._key.sign(text.encode())
        return f"{_SIG_PREFIX}{self.name} {_b64encode(signature)}\n"

    def sign_text(self, text: str) -> str:
        """A signed note of any note text (ending in a newline)."""
        return f"{text}\n{self.signature_line(text)}"

    def sign(self, checkpoint: Checkpoint) -> str:
        """The signed checkpoint note."""
        return self.sign_text(checkpoint.text())

    def __repr__(self) -> str:
        return f"Signer({self.name}+{self.key_id.hex()})"


def open_text(note: str | bytes, verifiers: Verifier | Iterable[Verifier]) -> str:
    """Verify a signed note and return its text; NoteError unless a trusted key signed it."""
    trusted = _index(verifiers)
    text, lines = _split_note(note)
    verified = False
    unknown: list[str] = []
    for name, kid, signature in map(_parse_signature_line, lines):
        verifier = trusted.get((name, kid))
        if verifier is None:
            unknown.append(f"{name}+{kid.hex()}")  # someone else's key: the spec says ignore
        elif verifier.verify(text.encode(), signature):
            verified = True
        else:
            raise InvalidSignatureError(f"signature by {verifier!r} does not verify")
    if not verified:
        seen = ", ".join(unknown)
        raise UnknownKeyError(f"note is not signed by any trusted key (signed by: {seen})")
    return text


def open_note(
    note: str | bytes, verifiers: Verifier | Iterable[Verifier], *, origin: str | None = None
) -> Checkpoint:
    """Verify a signed checkpoint note and parse it; with `origin`, the log must match too."""
    checkpoint = Checkpoint.parse(open_text(note, verifiers))
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"checkpoint is for log {checkpoint.origin!r}, not {origin!r}")
    return checkpoint


def _index(verifiers: Verifier | Iterable[Verifier]) -> dict[tuple[str, bytes], Verifier]:
    listed = [verifiers] if isinstance(verifiers, Verifier) else list(verifiers)
    trusted: dict[tuple[str, bytes], Verifier] = {}
    for verifier in listed:
        known = trusted.setdefault((verifier.name, verifier.key_id), verifier)
        if known.public_key != verifier.public_key:
            # Two trusted keys with one name and id: whichever we picked could be the forger's.
            raise ValueError(f"ambiguous verifiers: two keys are named {verifier!r}")
    return trusted


def _split_note(note: str | bytes) -> tuple[str, Sequence[str]]:
    """Split a note into its text and signature lines, checking the note-level syntax."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedNoteError("note is not valid UTF-8") from exc
    if any(ch < " " and ch != "\n" for ch in note):
        raise MalformedNoteError("note contains a control character other than newline")
    # The text ends at the last blank line; everything after it is signature lines.
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n") or split + 2 == len(note):
        raise MalformedNoteError("note must be text, a blank line, then signature lines")
    lines = note[split + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise MalformedNoteError(f"note has more than {MAX_SIGNATURES} signatures")
    return note[: split + 1], lines


def _parse_signature_line(line: str) -> tuple[str, bytes, bytes]:
    if not line.startswith(_SIG_PREFIX):
        raise MalformedNoteError(f"signature line must start with an em dash: {line[:40]!r}")
    name, _, b64 = line[len(_SIG_PREFIX) :].partition(" ")
    if not _is_key_name(name):
        raise MalformedNoteError(f"signature line has an invalid key name {name!r}")
    signature = _b64decode(b64, "signature")
    if len(signature) <= KEY_ID_SIZE:
        raise MalformedNoteError("signature is too short to hold a key id and a signature")
    return name, signature[:KEY_ID_SIZE], signature[KEY_ID_SIZE:]


def _b64decode(value: str, what: str) -> bytes:
    """Strict standard base64: the canonical spelling only, so no two texts carry one value."""
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedNoteError(f"{what} is not valid base64") from exc
    if not decoded or _b64encode(decoded) != value:
        raise MalformedNoteError(f"{what} is not canonical base64")
    return decoded


def _split_key(text: str, what: str) -> tuple[str, str, bytes]:
    """Split `<name>+<hex key id>+<base64(0x01 || 32 key bytes)>` into name, hex id and key."""
    parts = text.split("+", 2)  # names hold no '+', but base64 may
    if len(parts) != 3 or not _KEY_ID_HEX.fullmatch(parts[1]):
        raise ValueError(f"{what} must be <name>+<8 lowercase hex>+<base64 key>")
    key = _b64decode(parts[2], what)
    if len(key) != 33 or key[0] != ED25519:
        raise ValueError(f"{what} must be of type 0x01 (Ed25519) with 32 key bytes")
    return parts[0], parts[1], key[1:]


def _b64encode(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _check_note_text(text: str) -> None:
    if not text.endswith("\n") or any(ch < " " and ch != "\n" for ch in text):
        raise ValueError("note text must end with a newline and hold no other control characters")


def _check_key_name(name: str) -> None:
    if not _is_key_name(name):
        raise ValueError(f"key name {name!r} must be non-empty, without spaces or '+'")


def _is_key_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(ch.isspace() for ch in name)


def _is_line(value: str) -> bool:
    return isinstance(value, str) and not any(ch < " " for ch in value)
