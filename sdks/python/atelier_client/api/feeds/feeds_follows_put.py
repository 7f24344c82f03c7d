from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.follow_created import FollowCreated
from ...models.follow_feed import FollowFeed
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    feed_id: str,
    target_feed_id: str,
    *,
    body: FollowFeed,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/feeds/{feed_id}/following/{target_feed_id}".format(
            feed_id=quote(str(feed_id), safe=""),
            target_feed_id=quote(str(target_feed_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> FollowCreated | Problem | None:
    if response.status_code == 200:
        response_200 = FollowCreated.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = FollowCreated.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 408:
        response_408 = Problem.from_dict(response.json())

        return response_408

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[FollowCreated | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    feed_id: str,
    target_feed_id: str,
    *,
    client: AuthenticatedClient,
    body: FollowFeed,
) -> Response[FollowCreated | Problem]:
    """`feed_id` follows `target_feed_id`, copying its latest activities (`backfill_limit`).
    Following again answers 200 and copies nothing.

    Args:
        feed_id (str):
        target_feed_id (str):
        body (FollowFeed):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FollowCreated | Problem]
    """

    kwargs = _get_kwargs(
        feed_id=feed_id,
        target_feed_id=target_feed_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    feed_id: str,
    target_feed_id: str,
    *,
    client: AuthenticatedClient,
    body: FollowFeed,
) -> FollowCreated | Problem | None:
    """`feed_id` follows `target_feed_id`, copying its latest activities (`backfill_limit`).
    Following again answers 200 and copies nothing.

    Args:
        feed_id (str):
        target_feed_id (str):
        body (FollowFeed):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FollowCreated | Problem
    """

    return sync_detailed(
        feed_id=feed_id,
        target_feed_id=target_feed_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    feed_id: str,
    target_feed_id: str,
    *,
    client: AuthenticatedClient,
    body: FollowFeed,
) -> Response[FollowCreated | Problem]:
    """`feed_id` follows `target_feed_id`, copying its latest activities (`backfill_limit`).
    Following again answers 200 and copies nothing.

    Args:
        feed_id (str):
        target_feed_id (str):
        body (FollowFeed):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[FollowCreated | Problem]
    """

    kwargs = _get_kwargs(
        feed_id=feed_id,
        target_feed_id=target_feed_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    feed_id: str,
    target_feed_id: str,
    *,
    client: AuthenticatedClient,
    body: FollowFeed,
) -> FollowCreated | Problem | None:
    """`feed_id` follows `target_feed_id`, copying its latest activities (`backfill_limit`).
    Following again answers 200 and copies nothing.

    Args:
        feed_id (str):
        target_feed_id (str):
        body (FollowFeed):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        FollowCreated | Problem
    """

    return (
        await asyncio_detailed(
            feed_id=feed_id,
            target_feed_id=target_feed_id,
            client=client,
            body=body,
        )
    ).parsed
