"""Errors: AtelierError carries the parsed problem; typed calls parse problems too."""

import pytest

import atelier
from atelier_client.api.chat import chat_channels_get
from atelier_client.api.tenancy import tenancy_me, users_create
from atelier_client.models import CreateUser, Problem

UNKNOWN_CHANNEL = "chn_01JZZZZZZZZZZZZZZZZZZZZZZZ"


def test_unknown_channel_is_404_not_found(ada):
    with pytest.raises(atelier.AtelierError) as caught:
        chat_channels_get.sync(UNKNOWN_CHANNEL, client=ada)
    error = caught.value
    assert error.status == 404
    assert error.code.endswith("not_found"), error.code
    assert error.detail
    assert error.request_id
    assert error.errors == []
    assert isinstance(error.problem, Problem) and error.problem.status == 404


def test_bad_body_is_400_naming_the_field(api):
    with pytest.raises(atelier.AtelierError) as caught:
        users_create.sync(client=api, body=CreateUser(display_name=""))
    error = caught.value
    assert error.status == 400
    assert error.errors, error.body
    assert error.errors[0].field == "display_name"
    assert error.errors[0].message


def test_malformed_json_is_400_with_errors(api):
    with pytest.raises(atelier.AtelierError) as caught:
        api.get_httpx_client().post("/v1/users", json={"display_name": 42})
    assert caught.value.status == 400
    assert caught.value.errors and caught.value.errors[0].field


def test_typed_calls_parse_problems_without_the_layer_raising(base_url, backend):
    """raise_errors=False: the generated functions return the Problem (401 and 404 bodies
    without `errors` once crashed the generated parser with KeyError: 'errors')."""
    with atelier.user_client(
        base_url, backend.ada_tokens.access_token, raise_errors=False
    ) as client:
        problem = chat_channels_get.sync(UNKNOWN_CHANNEL, client=client)
        assert isinstance(problem, Problem)
        assert problem.status == 404 and problem.code.endswith("not_found")
    with atelier.api_key_client(base_url, "atk_not_a_key", raise_errors=False) as client:
        problem = tenancy_me.sync_detailed(client=client)
        assert problem.status_code == 401
    with atelier.api_key_client(base_url, "atk_not_a_key") as client:
        with pytest.raises(atelier.AtelierError) as caught:
            users_create.sync(client=client, body=CreateUser(display_name="x"))
        assert caught.value.status == 401 and caught.value.code
