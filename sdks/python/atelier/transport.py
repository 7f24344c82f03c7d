"""The transport under every client of the layer: Idempotency-Key, retries, token refresh."""

from __future__ import annotations

import email.utils
import json
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from .errors import AtelierError

RETRYABLE = (429, 503)


@dataclass
class Tokens:
    """A user's token pair (from ``POST /v1/users/{id}/tokens`` or ``/v1/auth/refresh``)."""

    access_token: str
    refresh_token: str | None = None


def retry_after_seconds(response: httpx.Response) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), ``None`` if absent."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _problem_code(response: httpx.Response) -> str | None:
    response.read()
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None


class AtelierTransport(httpx.BaseTransport):
    """Wraps another transport (default ``httpx.HTTPTransport()``).

    * Every ``POST`` without an ``Idempotency-Key`` gets one (uuid4); retries resend the same
      request, so the key is kept across them.
    * 429 and 503 are retried up to ``max_retries`` times, waiting ``Retry-After`` (capped at
      ``max_retry_wait`` seconds; a short backoff when the header is absent).
    * With ``tokens`` (user tokens): the access token is sent as ``Authorization: Bearer``; a
      401 whose problem ``code`` is ``token_expired`` exchanges the refresh token at
      ``POST /v1/auth/refresh`` (``on_tokens`` gets the new pair) and retries once.
    """

    def __init__(
        self,
        base_url: str,
        *,
        inner: httpx.BaseTransport | None = None,
        tokens: Tokens | None = None,
        on_tokens: Callable[[Tokens], None] | None = None,
        max_retries: int = 3,
        max_retry_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.inner = inner or httpx.HTTPTransport()
        self.tokens = tokens
        self.on_tokens = on_tokens
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.sleep = sleep
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and "idempotency-key" not in request.headers:
            request.headers["Idempotency-Key"] = str(uuid.uuid4())
        refreshed = False
        attempt = 0
        while True:
            sent_token = self._authorize(request)
            response = self.inner.handle_request(request)
            if (
                response.status_code == 401
                and self.tokens is not None
                and self.tokens.refresh_token
                and not refreshed
                and not request.url.path.endswith("/v1/auth/refresh")
                and _problem_code(response) == "token_expired"
            ):
                response.close()
                self._refresh(sent_token)
                refreshed = True
                continue
            if response.status_code in RETRYABLE and attempt < self.max_retries:
                wait = retry_after_seconds(response)
                if wait is None:
                    wait = 0.5 * 2**attempt * (0.5 + random.random())
                response.read()
                response.close()
                self.sleep(min(wait, self.max_retry_wait))
                attempt += 1
                continue
            return response

    def _authorize(self, request: httpx.Request) -> str | None:
        if self.tokens is None:
            return None
        token = self.tokens.access_token
        request.headers["Authorization"] = f"Bearer {token}"
        return token

    def _refresh(self, expired: str | None) -> None:
        assert self.tokens is not None
        with self._lock:
            if self.tokens.access_token != expired:
                return  # another thread refreshed meanwhile
            request = httpx.Request(
                "POST",
                f"{self.base_url}/v1/auth/refresh",
                json={"refresh_token": self.tokens.refresh_token},
            )
            response = self.inner.handle_request(request)
            response.read()
            response.close()
            if response.status_code != 200:
                raise AtelierError(response)
            body = response.json()
            self.tokens = Tokens(body["access_token"], body["refresh_token"])
        if self.on_tokens is not None:
            self.on_tokens(self.tokens)

    def close(self) -> None:
        self.inner.close()
