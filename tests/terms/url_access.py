"""URL × role expectations for the terminology checker: every signed-in person may use it."""

from __future__ import annotations

from tests.core.access_table import Access, api, page

URL_ACCESS: dict[str, Access] = {
    "terms:check": page(),
    "terms:rules": page(),
    "api-v1:terms_check": api(method="POST", data={"text": "We rescue people."}),
}
