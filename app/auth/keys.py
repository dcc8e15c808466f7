"""API keys: random, shown once, stored only as a SHA-256 digest.

Keys carry 256 bits of randomness, so a plain SHA-256 digest cannot be reversed or guessed;
the short prefix identifies a key in listings without revealing it."""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "cvk"


def generate_key() -> tuple[str, str]:
    """A new key and its public prefix."""
    prefix = secrets.token_hex(4)
    return f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}", prefix


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
