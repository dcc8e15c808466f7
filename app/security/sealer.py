"""The service's MAC over audit entries: HMAC-SHA256 under a key derived from the master secret
(HKDF, its own purpose). The key never enters the database, so an event written there by hand
has no valid MAC (see app.audit.entries)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from app.security.pii import derive_key

_PURPOSE = b"cadre-vetting/audit/mac"


@dataclass(frozen=True)
class Sealer:
    """Makes and checks the service's MAC over entries."""

    key: bytes

    @classmethod
    def from_secret(cls, secret: str) -> Sealer:
        return cls(derive_key(secret, _PURPOSE))

    def mac(self, entry: bytes) -> bytes:
        return hmac.new(self.key, entry, hashlib.sha256).digest()

    def vouches_for(self, entry: bytes, mac: bytes) -> bool:
        return len(mac) == hashlib.sha256().digest_size and hmac.compare_digest(
            self.mac(entry), mac
        )
