"""AtelierError: a non-2xx answer, with its RFC 9457 problem document parsed."""

from __future__ import annotations

from typing import Any

import httpx

from atelier_client.models.field_error import FieldError
from atelier_client.models.problem import Problem


class AtelierError(Exception):
    """Raised for every 4xx/5xx answer (after the layer's retries).

    ``status``, ``code``, ``detail``, ``request_id`` and ``errors`` (a list of
    :class:`FieldError` with ``field`` and ``message``) come from the problem document;
    ``problem`` is the generated :class:`Problem` model (``None`` when the body was not a
    problem document) and ``response`` the raw ``httpx.Response``.
    """

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status: int = response.status_code
        self.problem: Problem | None = None
        self.body: Any = None
        try:
            self.body = response.json()
        except ValueError:
            self.body = response.text
        if isinstance(self.body, dict) and "code" in self.body:
            try:
                self.problem = Problem.from_dict(self.body)
            except (KeyError, TypeError, ValueError):
                self.problem = None
        body = self.body if isinstance(self.body, dict) else {}
        self.code: str | None = body.get("code")
        self.detail: str | None = body.get("detail") or (
            self.body if isinstance(self.body, str) else None
        )
        self.request_id: str | None = body.get("request_id") or response.headers.get(
            "x-request-id"
        )
        self.errors: list[FieldError] = [
            FieldError.from_dict(e) for e in body.get("errors") or [] if isinstance(e, dict)
        ]
        super().__init__(
            f"{self.status} {self.code or response.reason_phrase}: {self.detail or ''}"
            + (f" (request {self.request_id})" if self.request_id else "")
        )


def raise_for_problem(response: httpx.Response) -> None:
    """httpx response event hook: raises :class:`AtelierError` for 4xx/5xx."""
    if response.status_code >= 400:
        response.read()
        raise AtelierError(response)
