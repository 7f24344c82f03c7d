from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.activity import Activity
from ...models.add_activity import AddActivity
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    feed_id: str,
    *,
    body: AddActivity,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/feeds/{feed_id}/activities".format(
            feed_id=quote(str(feed_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Activity | Problem | None:
    if response.status_code == 201:
        response_201 = Activity.from_dict(response.json())

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

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

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
) -> Response[Activity | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    feed_id: str,
    *,
    client: AuthenticatedClient,
    body: AddActivity,
    idempotency_key: str | Unset = UNSET,
) -> Response[Activity | Problem]:
    """Adds an activity to a feed and to its `to` targets; followers of each receive a copy
    shortly after (fan-out).

    Args:
        feed_id (str):
        idempotency_key (str | Unset):
        body (AddActivity):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Activity | Problem]
    """

    kwargs = _get_kwargs(
        feed_id=feed_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    feed_id: str,
    *,
    client: AuthenticatedClient,
    body: AddActivity,
    idempotency_key: str | Unset = UNSET,
) -> Activity | Problem | None:
    """Adds an activity to a feed and to its `to` targets; followers of each receive a copy
    shortly after (fan-out).

    Args:
        feed_id (str):
        idempotency_key (str | Unset):
        body (AddActivity):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Activity | Problem
    """

    return sync_detailed(
        feed_id=feed_id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    feed_id: str,
    *,
    client: AuthenticatedClient,
    body: AddActivity,
    idempotency_key: str | Unset = UNSET,
) -> Response[Activity | Problem]:
    """Adds an activity to a feed and to its `to` targets; followers of each receive a copy
    shortly after (fan-out).

    Args:
        feed_id (str):
        idempotency_key (str | Unset):
        body (AddActivity):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Activity | Problem]
    """

    kwargs = _get_kwargs(
        feed_id=feed_id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    feed_id: str,
    *,
    client: AuthenticatedClient,
    body: AddActivity,
    idempotency_key: str | Unset = UNSET,
) -> Activity | Problem | None:
    """Adds an activity to a feed and to its `to` targets; followers of each receive a copy
    shortly after (fan-out).

    Args:
        feed_id (str):
        idempotency_key (str | Unset):
        body (AddActivity):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Activity | Problem
    """

    return (
        await asyncio_detailed(
            feed_id=feed_id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
