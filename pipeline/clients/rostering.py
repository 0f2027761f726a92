"""The OneRoster 1.2 REST read API both lgate and the drill app serve (paged with limit/offset)."""

from __future__ import annotations

from typing import Any

from pipeline.clients.base import bearer
from pipeline.http import RetryingHttpClient, TargetError

ROSTERING = "/ims/oneroster/rostering/v1p2"
#: The largest page the read API allows (OneRoster REST binding; the mocks cap at 1000).
PAGE = 1000
#: A safety stop: no municipality has ten million records, a looping server might.
MAX_PAGES = 10_000


def list_collection(http: RetryingHttpClient, base_url: str, collection: str, *,
                    token: str | None = None, page: int = PAGE) -> list[dict[str, Any]]:
    """Every record of ``collection`` (``users``, ``orgs``, …), page by page.

    Stops when a page is short, when ``X-Total-Count`` is reached, or when a page is empty.
    """
    out: list[dict[str, Any]] = []
    url = f"{base_url.rstrip('/')}{ROSTERING}/{collection}"
    for n in range(MAX_PAGES):
        resp = http.get(url, params={"limit": page, "offset": n * page}, headers=bearer(token))
        try:
            body = resp.json()
            items = body[collection]
        except (ValueError, KeyError, TypeError):
            raise TargetError(http.target, f"GET {ROSTERING}/{collection}: not a OneRoster "
                              f"{collection} page", status=resp.status_code) from None
        if not isinstance(items, list):
            raise TargetError(http.target, f"GET {ROSTERING}/{collection}: "
                              f"'{collection}' is not a list", status=resp.status_code)
        out.extend(items)
        total = resp.headers.get("X-Total-Count")
        if len(items) < page or not items or (total and total.isdigit()
                                              and len(out) >= int(total)):
            return out
    raise TargetError(http.target, f"GET {ROSTERING}/{collection}: more than {MAX_PAGES} pages")
