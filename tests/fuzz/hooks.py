"""Schemathesis hooks for scripts/fuzz (loaded through SCHEMATHESIS_HOOKS=tests.fuzz.hooks)."""
import uuid

import schemathesis

# Imported up front: schemathesis imports its ASGI transport (and anyio) lazily from worker
# threads, and that lazy import races with --workers > 1 ("cannot import name 'ASGI_TRANSPORT'",
# "AST constructor recursion depth mismatch") - a fuzzer-side error, not an API one.
import schemathesis.transport.asgi  # noqa: F401


def _valid_idempotency_key(value):
    return isinstance(value, str) and 1 <= len(value) <= 255 and all(0x21 <= ord(c) <= 0x7E for c in value)


@schemathesis.hook
def before_call(context, case, **kwargs):
    # The generator reuses the same few schema-valid Idempotency-Key values ("0", "00", ...) for
    # different bodies, which the API answers, as documented, with 422 idempotency_key_reused (or a
    # replay of an unrelated earlier response). A valid key is made unique per request so every
    # request is a first attempt; invalid keys (negative testing) are left as generated.
    headers = case.headers
    if headers:
        for name in list(headers):
            if name.lower() == "idempotency-key" and _valid_idempotency_key(headers[name]):
                headers[name] = f"fuzz-{uuid.uuid4()}"
