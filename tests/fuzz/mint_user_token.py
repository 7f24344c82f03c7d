"""Creates a user with the API key and prints an access token for it (POST /v1/users, then
POST /v1/users/{id}/tokens). Reads ATELIER_BASE_URL and ATELIER_API_KEY (set by scripts/with-server)."""
import json
import os
import sys
import urllib.request


def call(method, path, body=None):
    request = urllib.request.Request(
        os.environ["ATELIER_BASE_URL"] + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "Authorization": "Bearer " + os.environ["ATELIER_API_KEY"],
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


user = call("POST", "/v1/users", {"display_name": "Contract fuzzer", "external_id": "fuzz-user"})
tokens = call("POST", f"/v1/users/{user['id']}/tokens")
print(tokens["access_token"])
print(f"minted a token for {user['id']}", file=sys.stderr)
