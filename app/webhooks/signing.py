"""Webhook signatures, two schemes on every delivery (a receiver checks either):

- this service's own: `X-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` with
  the timestamp (Unix seconds) in `X-Webhook-Timestamp`;
- Standard Webhooks (https://www.standardwebhooks.com/, signed with the `standardwebhooks`
  library): `webhook-id` (the delivery id, the same on every retry), `webhook-timestamp` and
  `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, where the key is
  the subscription's secret as bytes, given to receivers as `whsec_<base64>`
  (`standard_secret`), so any Standard Webhooks verifier checks deliveries unchanged.

A receiver recomputes the HMAC over the raw body, compares in constant time, and refuses old
timestamps (replays)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

from standardwebhooks import Webhook

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Webhook-Timestamp"
STANDARD_ID_HEADER = "webhook-id"
STANDARD_TIMESTAMP_HEADER = "webhook-timestamp"
STANDARD_SIGNATURE_HEADER = "webhook-signature"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, now: int, tolerance: int = 300
) -> bool:
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)


def standard_secret(secret: str) -> str:
    """The subscription's secret in the Standard Webhooks form (`whsec_` + base64 of its bytes)."""
    return "whsec_" + base64.b64encode(secret.encode()).decode()


def standard_headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one delivery attempt."""
    signature = Webhook(secret.encode()).sign(
        delivery_id, datetime.fromtimestamp(timestamp, UTC), body.decode()
    )
    return {
        STANDARD_ID_HEADER: delivery_id,
        STANDARD_TIMESTAMP_HEADER: str(timestamp),
        STANDARD_SIGNATURE_HEADER: signature,
    }
