"""Microsoft 365 over Graph v1.0: client-credentials token, users, and ``$batch``.

The token is cached until a minute before it expires and fetched again on a 401 (once per
call). ``$batch`` sends at most 20 requests per call (Graph's limit); items answered 429 or 5xx
are sent again after the longest ``Retry-After`` among them, the rest keep their results.
Neither the client secret nor the token ever appears in a message, a log line or a repr.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from pipeline.clients.base import TargetClient
from pipeline.http import RetryingHttpClient, TargetError, parse_retry_after

#: Graph's limit on requests in one $batch.
BATCH_LIMIT = 20
#: Refresh the token this many seconds before it expires.
TOKEN_MARGIN = 60.0


@dataclass(frozen=True)
class BatchItem:
    """One request inside a ``$batch``: ``url`` is relative to ``/v1.0`` (``/users/…``)."""

    id: str
    method: str
    url: str
    body: dict[str, Any] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class BatchResult:
    """One answer from a ``$batch``: the item's HTTP status and its JSON body (or None)."""

    id: str
    status: int
    body: Any = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def error_code(self) -> str:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("code", ""))
        return ""

    @property
    def error_message(self) -> str:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return str(self.body["error"].get("message", ""))
        return ""


def is_duplicate(status: int | None, body: Any) -> bool:
    """Whether a Graph answer says the userPrincipalName is already taken."""
    if status not in (400, 409) or not isinstance(body, dict):
        return False
    err = body.get("error")
    if not isinstance(err, dict):
        return False
    text = f"{err.get('code', '')} {err.get('message', '')}".lower()
    return "already exists" in text or "duplicate" in text or "conflict" in text


class GraphClient(TargetClient):
    """Graph users for one tenant.

    :param base_url: Graph's root (``https://graph.microsoft.com`` or a mock's base).
    :param login_url: the token endpoint's root (default ``base_url``):
        ``{login_url}/{tenant}/oauth2/v2.0/token``.
    :param client_secret: from the environment, never from a file; never shown.
    """

    def __init__(self, http: RetryingHttpClient, base_url: str, *, tenant: str, client_id: str,
                 client_secret: str, login_url: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(http, base_url)  # the bearer token is fetched: see token()
        self.tenant = tenant
        self.client_id = client_id
        self._secret = client_secret
        self.token_url = f"{(login_url or base_url).rstrip('/')}/{tenant}/oauth2/v2.0/token"
        self._clock = clock
        self._token: str | None = None
        self._expires = 0.0
        self.token_fetches = 0

    def __repr__(self) -> str:
        return (f"GraphClient({self.base_url!r}, tenant={self.tenant!r}, "
                f"client_id={self.client_id!r})")

    # --- token ---------------------------------------------------------------------------
    def token(self) -> str:
        """The cached access token, fetched (client credentials) when missing or near expiry."""
        if self._token is None or self._clock() >= self._expires:
            resp = self.http.post(self.token_url, data={
                "grant_type": "client_credentials", "client_id": self.client_id,
                "client_secret": self._secret, "scope": "https://graph.microsoft.com/.default"})
            try:
                body = resp.json()
                token, expires = str(body["access_token"]), float(body.get("expires_in", 3599))
            except (ValueError, KeyError, TypeError):
                raise TargetError(self.http.target, "token endpoint: no access_token in the "
                                  "answer", status=resp.status_code) from None
            self._token = token
            self._expires = self._clock() + max(0.0, expires - TOKEN_MARGIN)
            self.token_fetches += 1
        return self._token

    def _call(self, method: str, path: str, *, ok: Iterable[int] = (), **kw: Any) -> Any:
        """One Graph call; on a 401 the token is fetched again and the call made once more."""
        accepted = {401, *ok}
        for attempt in (0, 1):
            headers = {"Authorization": f"Bearer {self.token()}", **kw.pop("headers", {})}
            resp = self.http.request(method, f"{self.base_url}/v1.0{path}", headers=headers,
                                     ok=accepted, **kw)
            if resp.status_code != 401:
                return resp
            self._token = None
            if attempt:
                break
            kw["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
        raise TargetError(self.http.target, f"{method} /v1.0{path.split('?')[0]}: still "
                          "unauthorised after a fresh token (check the app's permissions)",
                          status=401)

    # --- users ---------------------------------------------------------------------------
    def find_user(self, upn: str) -> dict[str, Any] | None:
        """The user with this userPrincipalName (case-insensitive), or None."""
        literal = upn.replace("'", "''")
        resp = self._call("GET", "/users", params={
            "$filter": f"userPrincipalName eq '{literal}'",
            "$select": "id,userPrincipalName,displayName,accountEnabled,department,jobTitle"})
        try:
            values: list[dict[str, Any]] = list(resp.json().get("value", []))
        except (ValueError, AttributeError, TypeError):
            raise TargetError(self.http.target, "GET /v1.0/users: not a Graph user list",
                              status=resp.status_code) from None
        for user in values:
            if str(user.get("userPrincipalName", "")).lower() == upn.lower():
                return user
        return None

    def list_users(self) -> list[dict[str, Any]]:
        """Every user of the tenant (follows ``@odata.nextLink``)."""
        out: list[dict[str, Any]] = []
        resp = self._call("GET", "/users", params={"$top": 999})
        while True:
            body = resp.json()
            out.extend(body.get("value", []))
            link = body.get("@odata.nextLink")
            if not link:
                return out
            rel = link.split("/v1.0", 1)[-1]
            resp = self._call("GET", rel)

    def create_user(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /users; a duplicate UPN raises :class:`TargetError` with status 400."""
        created: dict[str, Any] = self._call("POST", "/users", json=body).json()
        return created

    def update_user(self, user_id: str, changes: dict[str, Any]) -> None:
        self._call("PATCH", f"/users/{quote(user_id, safe='@')}", json=changes)

    def disable_user(self, user_id: str) -> None:
        self.update_user(user_id, {"accountEnabled": False})

    def subscribed_skus(self) -> list[dict[str, Any]]:
        """The tenant's SKUs (``skuId``, ``skuPartNumber``, seats) from ``/subscribedSkus``."""
        resp = self._call("GET", "/subscribedSkus")
        try:
            return list(resp.json()["value"])
        except (ValueError, KeyError, TypeError):
            raise TargetError(self.http.target, "GET /v1.0/subscribedSkus: not a SKU list",
                              status=resp.status_code) from None

    # --- $batch --------------------------------------------------------------------------
    def batch(self, items: Sequence[BatchItem]) -> dict[str, BatchResult]:
        """Send ``items`` in ``$batch`` calls of at most 20; return every item's final result.

        Items answered 429/5xx are retried (up to the HTTP client's retry count) after the
        longest Retry-After among them, or the client's backoff.
        """
        results: dict[str, BatchResult] = {}
        for start in range(0, len(items), BATCH_LIMIT):
            pending = list(items[start:start + BATCH_LIMIT])
            for attempt in range(self.http.policy.retries + 1):
                answered = self._batch_once(pending)
                retry: list[BatchItem] = []
                waits: list[float] = []
                for item in pending:
                    res, after = answered[item.id]
                    results[item.id] = res
                    if res.status == 429 or res.status >= 500:
                        retry.append(item)
                        if after is not None:
                            waits.append(after)
                if not retry or attempt == self.http.policy.retries:
                    break
                wait = (min(max(waits), self.http.policy.max_retry_after) if waits
                        else self.http.backoff_delay(attempt))
                self.http.sleep(wait)
                pending = retry
        return results

    def _batch_once(self, items: Sequence[BatchItem]
                    ) -> dict[str, tuple[BatchResult, float | None]]:
        payload = {"requests": [
            {"id": it.id, "method": it.method, "url": it.url,
             **({"body": it.body, "headers": {"Content-Type": "application/json"}}
                if it.body is not None else {})}
            for it in items]}
        resp = self._call("POST", "/$batch", json=payload)
        try:
            answers = {str(a["id"]): a for a in resp.json()["responses"]}
        except (ValueError, KeyError, TypeError):
            raise TargetError(self.http.target, "POST /v1.0/$batch: malformed answer",
                              status=resp.status_code) from None
        out: dict[str, tuple[BatchResult, float | None]] = {}
        for it in items:
            a = answers.get(it.id)
            if a is None:  # Graph answers every item; a missing one is treated as retryable
                out[it.id] = (BatchResult(it.id, 503, None), None)
                continue
            headers = {str(k).lower(): str(v) for k, v in (a.get("headers") or {}).items()}
            out[it.id] = (BatchResult(it.id, int(a.get("status", 500)), a.get("body")),
                          parse_retry_after(headers.get("retry-after")))
        return out
