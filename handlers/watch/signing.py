"""The webhook's signature: HMAC-SHA256 with the shared secret over ``"<timestamp>." + body``, sent as
``X-Prbot-Timestamp: <unix seconds>`` and ``X-Prbot-Signature: sha256=<hex>``. A timestamp outside the
tolerance is refused, so a captured request cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
import time


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str | None, signature: str | None, body: bytes, tolerance_s: int) -> bool:
    if not secret or not timestamp or not signature:
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - sent) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature.strip())
