"""Client factories: a generated ``AuthenticatedClient`` wired to the layer's transport."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from atelier_client import AuthenticatedClient

from .errors import raise_for_problem
from .transport import AtelierTransport, Tokens


def _client(
    base_url: str,
    token: str,
    transport: AtelierTransport,
    timeout: float,
    raise_errors: bool,
    httpx_args: dict[str, Any] | None,
) -> AuthenticatedClient:
    args: dict[str, Any] = dict(httpx_args or {})
    args["transport"] = transport
    if raise_errors:
        hooks = dict(args.get("event_hooks") or {})
        hooks["response"] = [*hooks.get("response", []), raise_for_problem]
        args["event_hooks"] = hooks
    return AuthenticatedClient(
        base_url=base_url.rstrip("/"),
        token=token,
        timeout=httpx.Timeout(timeout),
        httpx_args=args,
    )


def api_key_client(
    base_url: str,
    api_key: str,
    *,
    timeout: float = 30.0,
    max_retries: int = 3,
    max_retry_wait: float = 30.0,
    raise_errors: bool = True,
    inner_transport: httpx.BaseTransport | None = None,
    httpx_args: dict[str, Any] | None = None,
) -> AuthenticatedClient:
    """A client for your backend, authenticated with an API key (``atk_...``).

    Pass it as ``client=`` to the generated functions (``atelier_client.api...``). 4xx/5xx
    answers raise :class:`atelier.AtelierError` unless ``raise_errors=False``.
    """
    transport = AtelierTransport(
        base_url,
        inner=inner_transport,
        max_retries=max_retries,
        max_retry_wait=max_retry_wait,
    )
    return _client(base_url, api_key, transport, timeout, raise_errors, httpx_args)


def user_client(
    base_url: str,
    access_token: str,
    refresh_token: str | None = None,
    *,
    on_tokens: Callable[[Tokens], None] | None = None,
    timeout: float = 30.0,
    max_retries: int = 3,
    max_retry_wait: float = 30.0,
    raise_errors: bool = True,
    inner_transport: httpx.BaseTransport | None = None,
    httpx_args: dict[str, Any] | None = None,
) -> AuthenticatedClient:
    """A client for an end user, with the tokens your backend minted for them.

    With ``refresh_token``, an answer 401 ``token_expired`` refreshes the pair at
    ``POST /v1/auth/refresh`` and retries once; ``on_tokens`` receives each new pair (store
    it: refresh tokens are single use). The current pair is ``tokens_of(client)``.
    """
    transport = AtelierTransport(
        base_url,
        inner=inner_transport,
        tokens=Tokens(access_token, refresh_token),
        on_tokens=on_tokens,
        max_retries=max_retries,
        max_retry_wait=max_retry_wait,
    )
    return _client(base_url, access_token, transport, timeout, raise_errors, httpx_args)


def tokens_of(client: AuthenticatedClient) -> Tokens | None:
    """The current token pair of a :func:`user_client` (``None`` for an API-key client)."""
    transport = client._httpx_args.get("transport")
    return transport.tokens if isinstance(transport, AtelierTransport) else None
