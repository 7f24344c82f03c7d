"""Standard Webhooks signature verification (https://www.standardwebhooks.com/)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

DEFAULT_TOLERANCE = 5 * 60


class WebhookVerificationError(Exception):
    """The delivery is not authentic (bad or missing signature, or outside the tolerance)."""


def _secret_bytes(secret: str) -> bytes:
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_") :]
    try:
        return base64.b64decode(secret, validate=True)
    except ValueError as error:
        raise ValueError("webhook secret: expected whsec_<base64>") from error


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "id.timestamp.body">`` (what Atelier sends)."""
    mac = hmac.new(_secret_bytes(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> None:
    """Checks a delivery's ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``.

    ``body`` is the raw request body (bytes, as received); ``headers`` any mapping (names are
    matched case-insensitively). Raises :class:`WebhookVerificationError` unless one of the
    space-separated ``v1,`` signatures matches and the timestamp is within ``tolerance``
    seconds of now. Rotated secrets: call once per secret.
    """
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id = lower.get("webhook-id")
    timestamp = lower.get("webhook-timestamp")
    signatures = lower.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        ts = int(timestamp)
    except ValueError as error:
        raise WebhookVerificationError("invalid webhook-timestamp") from error
    current = time.time() if now is None else now
    if abs(current - ts) > tolerance:
        raise WebhookVerificationError("webhook-timestamp outside the tolerance")
    expected = sign(secret, msg_id, ts, body)
    for candidate in signatures.split():
        if candidate.startswith("v1,") and hmac.compare_digest(candidate, expected):
            return
    raise WebhookVerificationError("no matching signature")
