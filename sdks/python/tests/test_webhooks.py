"""Standard Webhooks signature verification (no server needed)."""

import base64
import hashlib
import hmac
import time

import pytest

import atelier

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
BODY = b'{"id":"evt_1","type":"chat.message.created","data":{}}'


def signed_headers(body=BODY, msg_id="msg_1", timestamp=None, secret=SECRET):
    timestamp = int(time.time()) if timestamp is None else timestamp
    key = base64.b64decode(secret.removeprefix("whsec_"))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": "v1," + base64.b64encode(mac).decode(),
    }


def test_a_signature_computed_here_verifies():
    atelier.verify_webhook(SECRET, signed_headers(), BODY)
    # header names are case-insensitive; several signatures (rotation) are space-separated
    headers = {k.title(): v for k, v in signed_headers().items()}
    headers["Webhook-Signature"] = "v1,bm90IGl0 " + headers["Webhook-Signature"]
    atelier.verify_webhook(SECRET, headers, BODY)
    assert atelier.sign_webhook(SECRET, "msg_1", 1700000000, BODY) == signed_headers(
        timestamp=1700000000
    )["webhook-signature"]


def test_a_tampered_body_is_rejected():
    with pytest.raises(atelier.WebhookVerificationError):
        atelier.verify_webhook(SECRET, signed_headers(), BODY.replace(b"evt_1", b"evt_2"))


def test_wrong_secret_old_timestamp_and_missing_headers_are_rejected():
    other = "whsec_" + base64.b64encode(b"another secret of 32 bytes!!!!!!").decode()
    with pytest.raises(atelier.WebhookVerificationError):
        atelier.verify_webhook(other, signed_headers(), BODY)
    with pytest.raises(atelier.WebhookVerificationError):
        atelier.verify_webhook(SECRET, signed_headers(timestamp=int(time.time()) - 301), BODY)
    with pytest.raises(atelier.WebhookVerificationError):
        atelier.verify_webhook(SECRET, signed_headers(timestamp=int(time.time()) + 301), BODY)
    headers = signed_headers()
    del headers["webhook-signature"]
    with pytest.raises(atelier.WebhookVerificationError):
        atelier.verify_webhook(SECRET, headers, BODY)
