"""Idempotency-Key replay, retries and token refresh through the layer."""

import uuid

import httpx

import atelier
from atelier_client.api.chat import chat_messages_send, chat_unread_get
from atelier_client.api.tenancy import users_create
from atelier_client.api.tokens import tokens_refresh
from atelier_client.models import CreateUser, RefreshRequest, SendMessage, TokenResponse

from conftest import create_channel


def test_same_idempotency_key_replays_the_same_message(ada, backend):
    channel = create_channel(ada, backend.workspace.id, kind="private", name="idem")
    key = str(uuid.uuid4())
    body = SendMessage(text="only once")
    first = chat_messages_send.sync_detailed(channel["id"], client=ada, body=body, idempotency_key=key)
    second = chat_messages_send.sync_detailed(channel["id"], client=ada, body=body, idempotency_key=key)
    assert first.status_code == 201 and second.status_code == 201
    assert first.parsed.id == second.parsed.id
    assert second.headers.get("idempotency-replayed") == "true"


def test_layer_adds_an_idempotency_key_to_posts(api):
    created = users_create.sync_detailed(client=api, body=CreateUser(display_name="Keyed"))
    assert created.status_code == 201
    response = api.get_httpx_client().post("/v1/users", json={"display_name": "Keyed 2"})
    assert uuid.UUID(response.request.headers["idempotency-key"]).version == 4
    # an explicit key is kept as is
    response = api.get_httpx_client().post(
        "/v1/users", json={"display_name": "Keyed 3"}, headers={"Idempotency-Key": "mine-1"}
    )
    assert response.request.headers["idempotency-key"] == "mine-1"


class ExpireOnce(httpx.BaseTransport):
    """Passes requests to the real node, but answers the first request carrying `expired`
    with 401 token_expired, as the node does once an access token's lifetime is over."""

    def __init__(self, expired: str) -> None:
        self.expired = expired
        self.real = httpx.HTTPTransport()
        self.seen: list[tuple[str, str]] = []

    def handle_request(self, request):
        self.seen.append((request.url.path, request.headers.get("authorization", "")))
        if request.headers.get("authorization") == f"Bearer {self.expired}":
            body = {
                "type": "urn:atelier:problem:token_expired", "title": "Unauthorized",
                "status": 401, "detail": "The access token has expired.", "code": "token_expired",
            }
            return httpx.Response(401, json=body, headers={"content-type": "application/problem+json"})
        return self.real.handle_request(request)


def test_token_refresh_on_token_expired(api, base_url, backend):
    from atelier_client.api.tokens import tokens_mint

    pair = tokens_mint.sync(backend.grace.id, client=api)
    inner = ExpireOnce(pair.access_token)
    stored = []
    with atelier.user_client(
        base_url, pair.access_token, pair.refresh_token,
        on_tokens=stored.append, inner_transport=inner,
    ) as client:
        badge = chat_unread_get.sync(client=client)
        assert badge.unread_count >= 0
        paths = [p for p, _ in inner.seen]
        assert paths == ["/v1/me/unread", "/v1/auth/refresh", "/v1/me/unread"]
        assert len(stored) == 1 and stored[0].access_token != pair.access_token
        assert atelier.tokens_of(client).refresh_token == stored[0].refresh_token
        # the new token is used from then on, without another refresh
        chat_unread_get.sync(client=client)
        assert [p for p, _ in inner.seen][-1] == "/v1/me/unread" and len(inner.seen) == 4
    # The old refresh token was rotated: the refreshed pair is the one to keep.
    fresh = tokens_refresh.sync(
        client=api, body=RefreshRequest(refresh_token=stored[0].refresh_token)
    )
    assert isinstance(fresh, TokenResponse)


def test_retries_429_and_503_honouring_retry_after_with_the_same_key():
    calls, slept = [], []

    def handler(request):
        calls.append(request.headers.get("idempotency-key"))
        if len(calls) == 1:
            return httpx.Response(429, headers={"retry-after": "2"}, json={"code": "rate_limited"})
        if len(calls) == 2:
            return httpx.Response(503, headers={"retry-after": "600"}, json={"code": "unavailable"})
        return httpx.Response(201, json={"ok": True})

    transport = atelier.AtelierTransport(
        "http://test", inner=httpx.MockTransport(handler), max_retry_wait=5, sleep=slept.append
    )
    with httpx.Client(base_url="http://test", transport=transport) as client:
        response = client.post("/v1/users", json={})
    assert response.status_code == 201
    assert len(calls) == 3 and len(set(calls)) == 1 and calls[0]
    assert slept == [2.0, 5]  # Retry-After, capped at max_retry_wait


def test_retries_are_bounded():
    calls = []

    def handler(request):
        calls.append(1)
        return httpx.Response(503, headers={"retry-after": "0"}, json={"code": "unavailable"})

    transport = atelier.AtelierTransport(
        "http://test", inner=httpx.MockTransport(handler), max_retries=2, sleep=lambda s: None
    )
    with httpx.Client(base_url="http://test", transport=transport) as client:
        assert client.get("/v1/me").status_code == 503
    assert len(calls) == 3
