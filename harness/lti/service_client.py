"""The tool's client for LTI Advantage services: service tokens (client_credentials with an
RS256 client assertion), NRPS memberships following Link rel="next", AGS line items and scores.

Uses :class:`harness.lti.http.LtiHttpClient` (``requests``); tests fake it with ``responses``.
"""

from __future__ import annotations

import re
from typing import Any

from harness.lti import constants as c
from harness.lti.http import HttpError, LtiHttpClient
from harness.lti.tool import PlatformRegistration, Tool

_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')


class ServiceError(Exception):
    """A service call failed; the message names the call and status, never the token."""


class ServiceClient:
    """Calls one platform's services on behalf of ``tool``; one token per scope set."""

    def __init__(self, tool: Tool, reg: PlatformRegistration, http: LtiHttpClient | None = None):
        self.tool = tool
        self.reg = reg
        self.http = http or LtiHttpClient()
        self._tokens: dict[frozenset[str], str] = {}

    def try_token(self, scopes: tuple[str, ...], assertion: str | None = None
                  ) -> tuple[int, dict[str, Any]]:
        """(status, JSON body) of one token request, never raising on a refusal (a
        certification sends bad assertions on purpose). ``assertion``: a given one."""
        try:
            resp = self.http.post(self.reg.auth_token_url, data={
                "grant_type": "client_credentials",
                "client_assertion_type": c.CLIENT_ASSERTION_TYPE,
                "client_assertion": assertion or self.tool.client_assertion(self.reg),
                "scope": " ".join(sorted(scopes)),
            })
        except HttpError as exc:
            raise ServiceError(str(exc)) from None
        try:
            body = resp.json() if resp.body else {}
        except HttpError:
            body = {}
        return resp.status, body if isinstance(body, dict) else {}

    def get(self, url: str, token: str, accept: str) -> int:
        """The status of one GET with ``token`` (a certification's misuse of a token)."""
        try:
            return self.http.request("GET", url, headers={
                "Authorization": "Bearer " + token, "Accept": accept}).status
        except HttpError as exc:
            raise ServiceError(str(exc)) from None

    def token(self, *scopes: str) -> str:
        """A bearer token for exactly ``scopes`` (cached per scope set)."""
        key = frozenset(scopes)
        if key not in self._tokens:
            resp = self.http.post(self.reg.auth_token_url, data={
                "grant_type": "client_credentials",
                "client_assertion_type": c.CLIENT_ASSERTION_TYPE,
                "client_assertion": self.tool.client_assertion(self.reg),
                "scope": " ".join(sorted(scopes)),
            })
            body = resp.json() if resp.body else {}
            if resp.status != 200 or "access_token" not in body:
                raise ServiceError(f"token request answered HTTP {resp.status}: "
                                   f"{body.get('error', '?')}")
            self._tokens[key] = body["access_token"]
        return self._tokens[key]

    def _call(self, method: str, url: str, scopes: tuple[str, ...], **kw: Any) -> Any:
        headers = kw.pop("headers", {})
        headers["Authorization"] = "Bearer " + self.token(*scopes)
        try:
            resp = self.http.request(method, url, headers=headers, **kw)
        except HttpError as exc:
            raise ServiceError(str(exc)) from None
        if resp.status >= 400:
            raise ServiceError(f"{method} {url} answered HTTP {resp.status}")
        return resp

    def members(self, memberships_url: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """All members, following ``Link: rel="next"`` pages (NRPS 2.0 §2.4)."""
        url: str | None = memberships_url + (f"?limit={limit}" if limit else "")
        out: list[dict[str, Any]] = []
        pages = 0
        while url and pages < 1000:
            resp = self._call("GET", url, (c.SCOPE_NRPS,), headers={"Accept": c.NRPS_MEDIA})
            body = resp.json()
            if not isinstance(body, dict) or not isinstance(body.get("members"), list):
                raise ServiceError("NRPS answer is not a membership container")
            out.extend(body["members"])
            m = _NEXT.search(resp.headers.get("Link", ""))
            url, pages = (m.group(1) if m else None), pages + 1
        return out

    def create_lineitem(self, lineitems_url: str, item: dict[str, Any]) -> dict[str, Any]:
        resp = self._call("POST", lineitems_url, (c.SCOPE_LINEITEM,), json=item,
                          headers={"Content-Type": c.LINEITEM_MEDIA})
        return resp.json()

    def lineitems(self, lineitems_url: str) -> list[dict[str, Any]]:
        return self._call("GET", lineitems_url, (c.SCOPE_LINEITEM_RO,),
                          headers={"Accept": c.LINEITEMS_MEDIA}).json()

    def post_score(self, lineitem_url: str, score: dict[str, Any]) -> int:
        resp = self._call("POST", lineitem_url + "/scores", (c.SCOPE_SCORE,), json=score,
                          headers={"Content-Type": c.SCORE_MEDIA})
        return resp.status

    def results(self, lineitem_url: str) -> list[dict[str, Any]]:
        return self._call("GET", lineitem_url + "/results", (c.SCOPE_RESULT_RO,),
                          headers={"Accept": c.RESULTS_MEDIA}).json()
