"""The service's MAC over audit entries: HMAC-SHA256 under a key derived from the master secret
(HKDF, its own purpose). The key never enters the database, so an event written there by hand
has no valid MAC (see app.audit.entries)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PURPOSE = b"cadre-vetting/audit/mac"


@dataclass(frozen=True)
class Sealer:
    """Makes and checks the service's MAC over entries."""

    key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> Sealer:
        hkdf = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"cadre-vetting/audit/mac"
        )
        return cls(hkdf.derive(secret.encode()))

    def mac(self, entry: bytes) -> bytes:
        return hmac.new(self.key, entry, hashlib.sha256).digest()

    def vouches_for(self, entry: bytes, mac: bytes) -> bool:
        return len(mac) == hashlib.sha256().digest_size and hmac.compare_digest(
            self.mac(entry), mac
        )
