from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    feed_id: str,
    target_feed_id: str,
    *,
    keep_history: bool | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["keep_history"] = keep_history

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/v1/feeds/{feed_id}/following/{target_feed_id}".format(
            feed_id=quote(str(feed_id), safe=""),
            target_feed_id=quote(str(target_feed_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Any | Problem | None:
    if response.status_code == 204:
        response_204 = cast(Any, None)
        return response_204

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

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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
) -> Response[Any | Problem]:
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
    keep_history: bool | Unset = UNSET,
) -> Response[Any | Problem]:
    """`feed_id` stops following `target_feed_id`. Its copies of the target's activities are
    removed unless `keep_history=true`.

    Args:
        feed_id (str):
        target_feed_id (str):
        keep_history (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        feed_id=feed_id,
        target_feed_id=target_feed_id,
        keep_history=keep_history,
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
    keep_history: bool | Unset = UNSET,
) -> Any | Problem | None:
    """`feed_id` stops following `target_feed_id`. Its copies of the target's activities are
    removed unless `keep_history=true`.

    Args:
        feed_id (str):
        target_feed_id (str):
        keep_history (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return sync_detailed(
        feed_id=feed_id,
        target_feed_id=target_feed_id,
        client=client,
        keep_history=keep_history,
    ).parsed


async def asyncio_detailed(
    feed_id: str,
    target_feed_id: str,
    *,
    client: AuthenticatedClient,
    keep_history: bool | Unset = UNSET,
) -> Response[Any | Problem]:
    """`feed_id` stops following `target_feed_id`. Its copies of the target's activities are
    removed unless `keep_history=true`.

    Args:
        feed_id (str):
        target_feed_id (str):
        keep_history (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Any | Problem]
    """

    kwargs = _get_kwargs(
        feed_id=feed_id,
        target_feed_id=target_feed_id,
        keep_history=keep_history,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    feed_id: str,
    target_feed_id: str,
    *,
    client: AuthenticatedClient,
    keep_history: bool | Unset = UNSET,
) -> Any | Problem | None:
    """`feed_id` stops following `target_feed_id`. Its copies of the target's activities are
    removed unless `keep_history=true`.

    Args:
        feed_id (str):
        target_feed_id (str):
        keep_history (bool | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Any | Problem
    """

    return (
        await asyncio_detailed(
            feed_id=feed_id,
            target_feed_id=target_feed_id,
            client=client,
            keep_history=keep_history,
        )
    ).parsed
