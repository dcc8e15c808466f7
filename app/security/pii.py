"""Resident ID numbers at rest: looked up by a keyed hash, stored encrypted, shown masked.

Two keys are derived from the master secret with HKDF-SHA256: one for HMAC-SHA256 (the lookup
hash; equal numbers give equal hashes, so uniqueness and lookup work without the plain text) and
one for AES-256-GCM (the stored number, with a random 96-bit nonce prepended).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12


def derive_key(secret: str, purpose: bytes) -> bytes:
    """A 32-byte key for one purpose from the master secret (HKDF-SHA256, no salt): the one
    derivation every key of the service comes from (ID numbers, audit MACs, the log's key)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


@dataclass(frozen=True)
class PiiCipher:
    hash_key: bytes
    encryption_key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> PiiCipher:
        return cls(
            hash_key=derive_key(secret, b"cadre-vetting/id-number/hmac"),
            encryption_key=derive_key(secret, b"cadre-vetting/id-number/aes-gcm"),
        )

    def lookup_hash(self, id_number: str) -> bytes:
        return hmac.new(self.hash_key, id_number.encode(), hashlib.sha256).digest()

    def encrypt(self, id_number: str) -> bytes:
        return self.seal(id_number.encode(), b"id")

    def decrypt(self, blob: bytes) -> str:
        return self.unseal(blob, b"id").decode()

    def seal(self, data: bytes, purpose: bytes) -> bytes:
        """Any other personal data kept at rest (e.g. a stored response that shows an ID
        number), bound to its `purpose` so a blob cannot be passed off as another kind."""
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + AESGCM(self.encryption_key).encrypt(nonce, data, purpose)

    def unseal(self, blob: bytes, purpose: bytes) -> bytes:
        nonce, ciphertext = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
        return AESGCM(self.encryption_key).decrypt(nonce, ciphertext, purpose)

    def keyed_hash(self, data: bytes, purpose: bytes) -> bytes:
        """HMAC-SHA256 of `data` under the server's key, separated by `purpose`."""
        return hmac.new(self.hash_key, purpose + b"\0" + data, hashlib.sha256).digest()
