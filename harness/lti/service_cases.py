"""The services of a platform under certification, used and misused: renkei, as the tool,
obtains a token with a signed client assertion and calls NRPS and AGS within the granted
scopes, then tries what an attacker would (Security Framework §4.1.1, RFC 6749 §5.2). Each
misuse must be refused. Network through :class:`~harness.lti.service_client.ServiceClient`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from harness.lti import constants as c
from harness.lti.service_client import ServiceClient, ServiceError

#: a scope no registration grants (RFC 6749 §3.3: the server refuses or narrows it)
FOREIGN_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/renkei-not-registered"
OTHER_CONTEXT = "renkei-other-context"

#: (case id, title, rule the platform breaks by accepting)
MISUSE = (
    ("svc_assertion_wrong_aud", "client assertion with aud another server", "LT302"),
    ("svc_assertion_expired", "client assertion expired 10 minutes ago", "LT304"),
    ("svc_jti_replayed", "client assertion jti used twice", "LT303"),
    ("svc_scope_outside", "a scope outside the registration", "LT306"),
    ("svc_wrong_context", "a token used for another context's roster", "LT307"),
)


def granted_scopes(claims: Mapping[str, Any]) -> tuple[str, ...]:
    """The service scopes a launch offers (NRPS's read scope, the AGS claim's scopes)."""
    scopes: list[str] = []
    nrps = claims.get(c.NRPS_CLAIM)
    if isinstance(nrps, Mapping) and nrps.get("context_memberships_url"):
        scopes.append(c.SCOPE_NRPS)
    ags = claims.get(c.AGS_CLAIM)
    if isinstance(ags, Mapping) and isinstance(ags.get("scope"), list):
        scopes += [s for s in ags["scope"] if isinstance(s, str)]
    return tuple(scopes)


def _row(case: str, title: str, ok: bool, observed: str, detail: str, *, rule: str,
         expected: str = "refused") -> dict[str, Any]:
    return {"case": case, "title": title, "group": "services", "expected": expected,
            "observed": observed, "ok": ok, "verdict": "pass" if ok else "fail",
            "detail": detail, "rules": [rule]}


def _issued(status: int, body: Mapping[str, Any]) -> bool:
    return status == 200 and bool(body.get("access_token"))


def run_service_cases(client: ServiceClient, claims: Mapping[str, Any]
                      ) -> list[dict[str, Any]]:
    """The rows of the service cases for one launch's ``claims`` (which offer services)."""
    rows: list[dict[str, Any]] = []
    scopes = granted_scopes(claims)
    try:
        status, body = client.try_token(scopes)
    except ServiceError as exc:
        return [_row("svc_token", "token with a signed client assertion", False, "not reached",
                     str(exc), rule="LT314", expected="token")]
    ok = _issued(status, body)
    rows.append(_row("svc_token", "token with a signed client assertion", ok,
                     "token" if ok else f"HTTP {status}", f"HTTP {status} "
                     f"{body.get('error', '')}".strip(), rule="LT314", expected="token"))
    if not ok:
        return rows
    reg, tool = client.reg, client.tool
    now = int(time.time())
    jti_assertion = tool.client_assertion(reg)
    client.try_token(scopes, jti_assertion)  # first use (may be refused or not: not judged)
    tries = {
        "svc_assertion_wrong_aud": lambda: client.try_token(
            scopes, tool.client_assertion(reg, aud="https://other-platform.example/token")),
        "svc_assertion_expired": lambda: client.try_token(
            scopes, tool.client_assertion(reg, iat=now - 900, exp=now - 600)),
        "svc_jti_replayed": lambda: client.try_token(scopes, jti_assertion),
        "svc_scope_outside": lambda: client.try_token((FOREIGN_SCOPE,)),
    }
    for case, title, rule in MISUSE:
        if case == "svc_wrong_context":
            rows.append(_wrong_context(client, claims, body["access_token"], title, rule))
            continue
        try:
            st, got = tries[case]()
        except ServiceError as exc:
            rows.append(_row(case, title, False, "not reached", str(exc), rule=rule))
            continue
        issued = _issued(st, got)
        if case == "svc_scope_outside" and issued and "scope" in got:
            issued = FOREIGN_SCOPE in str(got["scope"]).split()
        rows.append(_row(case, title, not issued, "token issued" if issued else "refused",
                         f"HTTP {st} {got.get('error', '')}".strip(), rule=rule))
    rows += _calls(client, claims)
    return rows


def _wrong_context(client: ServiceClient, claims: Mapping[str, Any], token: str, title: str,
                   rule: str) -> dict[str, Any]:
    case = "svc_wrong_context"
    nrps = claims.get(c.NRPS_CLAIM) or {}
    url = str(nrps.get("context_memberships_url") or "")
    ctx = claims.get(c.CONTEXT) or {}
    ctx_id = str(ctx.get("id") or "") if isinstance(ctx, Mapping) else ""
    if not url or not ctx_id or ctx_id not in url:
        return {"case": case, "title": title, "group": "services", "expected": "refused",
                "observed": "not run", "ok": True, "verdict": "not run", "rules": [rule],
                "detail": "the memberships URL does not name the launch's context id"}
    try:
        status = client.get(url.replace(ctx_id, OTHER_CONTEXT), token, c.NRPS_MEDIA)
    except ServiceError as exc:
        return _row(case, title, False, "not reached", str(exc), rule=rule)
    return _row(case, title, status >= 400, "refused" if status >= 400 else "answered",
                f"HTTP {status}", rule=rule)


def _calls(client: ServiceClient, claims: Mapping[str, Any]) -> list[dict[str, Any]]:
    """NRPS and AGS called within the granted scopes; a failure is LT314."""
    rows = []
    nrps = claims.get(c.NRPS_CLAIM) or {}
    if nrps.get("context_memberships_url"):
        try:
            members = client.members(nrps["context_memberships_url"])
            rows.append(_row("svc_nrps", "NRPS memberships within the granted scope", True,
                             "answered", f"{len(members)} member(s)", rule="LT314",
                             expected="answered"))
        except ServiceError as exc:
            rows.append(_row("svc_nrps", "NRPS memberships within the granted scope", False,
                             "failed", str(exc), rule="LT314", expected="answered"))
    ags = claims.get(c.AGS_CLAIM) or {}
    if ags.get("lineitems") and c.SCOPE_LINEITEM in ags.get("scope", []):
        try:
            item = client.create_lineitem(ags["lineitems"], {
                "label": "renkei certification", "scoreMaximum": 10})
            detail = "line item created"
            if c.SCOPE_SCORE in ags.get("scope", []) and claims.get("sub"):
                client.post_score(item["id"], {
                    "userId": claims.get("sub"), "scoreGiven": 7, "scoreMaximum": 10,
                    "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                    "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())})
                detail += ", score posted"
            rows.append(_row("svc_ags", "AGS line item and score within the granted scopes",
                             True, "answered", detail, rule="LT314", expected="answered"))
        except (ServiceError, KeyError, TypeError) as exc:
            rows.append(_row("svc_ags", "AGS line item and score within the granted scopes",
                             False, "failed", str(exc), rule="LT314", expected="answered"))
    return rows
