"""Iterate every item of a list operation answering ``items``/``has_more``/``next_cursor``."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from atelier_client.types import UNSET

_CURSOR_PARAM = "cursor"


def paginate(operation: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Yields the items of every page of a generated list operation.

    ``operation`` is a generated module (e.g. ``atelier_client.api.audit.audit_list``) or its
    ``sync`` function; the other arguments are passed to it (``client=`` included). Its
    ``cursor`` parameter (every list takes one) is set from each page's ``next_cursor`` while
    ``has_more`` is true.

        for entry in paginate(audit_list, client=client, limit=100): ...
    """
    sync = getattr(operation, "sync", operation)
    params = inspect.signature(sync).parameters
    if _CURSOR_PARAM not in params:
        raise TypeError(f"{sync.__module__} takes no cursor parameter")
    while True:
        page = sync(*args, **kwargs)
        if page is None or not hasattr(page, "items"):
            raise TypeError(f"{sync.__module__} answered {page!r}, not a page")
        yield from page.items
        cursor = getattr(page, "next_cursor", UNSET)
        if not page.has_more or cursor in (UNSET, None):
            return
        kwargs[_CURSOR_PARAM] = cursor
