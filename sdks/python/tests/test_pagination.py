"""paginate() walks items/has_more/next_cursor pages."""

from atelier_client.api.audit import audit_list

import atelier


def test_paginate_walks_every_page_of_the_audit_log(api, backend):
    entries = list(atelier.paginate(audit_list, client=api, limit=2))
    assert len(entries) > 2  # the backend flow wrote several entries
    assert len({e.seq for e in entries}) == len(entries)
    one_page = audit_list.sync(client=api, limit=500)
    assert [e.seq for e in entries] == [e.seq for e in one_page.items]
