"""Platform-side LTI Advantage services: the token endpoint (client_credentials with an RS256
client assertion), NRPS memberships with paging, and AGS line items, scores and results.

Framework-free state and checks; :mod:`harness.lti.platform_app` serves them.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import jwt

from harness.core import Finding, FindingCollector
from harness.lti import constants as c
from harness.lti.jwks import KeySetCache, KeySetError
from harness.lti.rules import REGISTRY
from harness.lti.stores import SeenStore

TOKEN_LIFETIME = 3600


def launch_service_claims(scopes: Any, service_base: str, context_id: str) -> dict[str, Any]:
    """The NRPS and AGS claims of a launch into ``context_id``, as far as ``scopes`` (the tool's
    granted scopes) allow; ``service_base`` is where the platform serves ``/nrps`` and ``/ags``.
    """
    out: dict[str, Any] = {}
    if c.SCOPE_NRPS in scopes:
        out[c.NRPS_CLAIM] = {"context_memberships_url": f"{service_base}/nrps/{context_id}",
                             "service_versions": ["2.0"]}
    ags = [s for s in scopes if s.startswith(c.AGS_SCOPE)]
    if ags:
        out[c.AGS_CLAIM] = {"scope": ags,
                            "lineitems": f"{service_base}/ags/{context_id}/lineitems"}
    return out


@dataclass
class Answer:
    """An HTTP-shaped answer: status, JSON body, headers and the findings behind it."""

    status: int
    body: Any
    findings: list[Finding] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Member:
    """One NRPS member (名簿の一員): ``user_id`` equals the launch ``sub``."""

    user_id: str
    roles: list[str]
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    lis_person_sourcedid: str | None = None
    status: str = "Active"

    def as_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class ServiceState:
    """Tokens, rosters and grade books of one platform.

    :param key_sets: client_id → :class:`KeySetCache` of the tool's public keys.
    :param token_url: the token endpoint URL an assertion's aud must name.
    """

    def __init__(self, token_url: str, key_sets: Mapping[str, KeySetCache],
                 allowed_scopes: Mapping[str, tuple[str, ...]]) -> None:
        self.token_url = token_url
        self.key_sets = key_sets
        self.allowed_scopes = allowed_scopes
        self.jtis = SeenStore(ttl=3600)
        self.tokens: dict[str, tuple[str, frozenset[str], float]] = {}
        self.members: dict[str, list[Member]] = {}
        self.lineitems: dict[str, dict[str, dict[str, Any]]] = {}
        self.scores: dict[str, dict[str, list[dict[str, Any]]]] = {}

    # -- token endpoint -------------------------------------------------------------------
    def issue_token(self, form: Mapping[str, str], *, case: str = "token") -> Answer:
        out = FindingCollector(REGISTRY)

        def fail(rule: str, error: str, status: int = 400, **kw: Any) -> Answer:
            out.add(rule, file=case, **kw)
            return Answer(status, {"error": error, "error_description": REGISTRY[rule].title},
                          out.findings)

        if form.get("grant_type") != "client_credentials":
            return fail("LT305", "unsupported_grant_type", reason="grant_type")
        if form.get("client_assertion_type") != c.CLIENT_ASSERTION_TYPE \
                or not form.get("client_assertion"):
            return fail("LT305", "invalid_request", reason="client_assertion(_type)")
        assertion = form["client_assertion"]
        try:
            header = jwt.get_unverified_header(assertion)
            unverified = jwt.decode(assertion, options={"verify_signature": False})
        except jwt.DecodeError:
            return fail("LT300", "invalid_client", 401, reason="not a JWT")
        client_id = unverified.get("iss")
        keys = self.key_sets.get(str(client_id))
        if keys is None:
            return fail("LT301", "invalid_client", 401, value=client_id,
                        expected="a registered client")
        if header.get("alg") != "RS256" or not header.get("kid"):
            return fail("LT300", "invalid_client", 401, reason="alg must be RS256 with a kid")
        try:
            key = keys.get(str(header["kid"]))
        except KeySetError as exc:
            return fail("LT300", "invalid_client", 401, reason=str(exc))
        if key is None:
            return fail("LT300", "invalid_client", 401, reason="unknown kid")
        try:
            claims = jwt.decode(assertion, key, algorithms=["RS256"], options={
                "verify_aud": False, "verify_exp": False, "verify_iat": False})
        except jwt.InvalidTokenError:
            return fail("LT300", "invalid_client", 401, reason="signature mismatch")
        if claims.get("sub") != client_id:
            return fail("LT301", "invalid_client", 401, value=claims.get("sub"), expected=client_id)
        aud = claims.get("aud")
        if self.token_url not in (aud if isinstance(aud, list) else [aud]):
            return fail("LT302", "invalid_client", 401, value=aud, expected=self.token_url)
        now = time.time()
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            return fail("LT304", "invalid_client", 401, reason="iat/exp missing")
        if exp <= now - 60 or exp - iat > 3600 or iat > now + 60:
            return fail("LT304", "invalid_client", 401, reason="expired or too long-lived")
        jti = claims.get("jti")
        if not jti or not self.jtis.first_use(f"{client_id}:{jti}"):
            return fail("LT303", "invalid_client", 401, value=jti)
        asked = set((form.get("scope") or "").split())
        allowed = set(self.allowed_scopes.get(client_id, ()))
        if not asked or not asked <= allowed:
            bad = " ".join(sorted(asked - allowed)) or "(none)"
            return fail("LT306", "invalid_scope", value=bad)
        token = secrets.token_urlsafe(32)
        self.tokens[token] = (client_id, frozenset(asked), now + TOKEN_LIFETIME)
        return Answer(200, {"access_token": token, "token_type": "bearer",
                            "expires_in": TOKEN_LIFETIME, "scope": " ".join(sorted(asked))})

    def authorise(self, authorization: str | None, *scopes: str
                  ) -> tuple[str | None, Answer | None]:
        """(client_id, None) when the bearer token holds one of ``scopes``; else the 401/403."""
        token = (authorization or "").removeprefix("Bearer ").strip()
        entry = self.tokens.get(token)
        if entry is None or entry[2] < time.time() or not entry[1] & set(scopes):
            out = FindingCollector(REGISTRY)
            names = " or ".join(s.rsplit("/", 1)[-1] for s in scopes)
            out.add("LT307", file="service", expected=names)
            status = 401 if entry is None else 403
            return None, Answer(status, {"error": "invalid_token" if status == 401
                                         else "insufficient_scope"}, out.findings)
        return entry[0], None

    # -- NRPS -----------------------------------------------------------------------------
    def memberships(self, context_id: str, url: str, *, limit: int | None, offset: int,
                    role: str | None = None) -> Answer:
        members = self.members.get(context_id)
        if members is None:
            return Answer(404, {"error": "unknown context"})
        if role:
            members = [m for m in members if any(r == role or r.endswith("#" + role)
                                                 for r in m.roles)]
        page = members[offset:offset + limit] if limit else members[offset:]
        headers = {"Content-Type": c.NRPS_MEDIA}
        if limit and offset + limit < len(members):
            headers["Link"] = f'<{url}?limit={limit}&offset={offset + limit}>; rel="next"'
        body = {"id": url, "context": {"id": context_id},
                "members": [m.as_json() for m in page]}
        return Answer(200, body, headers=headers)

    # -- AGS ------------------------------------------------------------------------------
    def add_lineitem(self, context_id: str, item: Mapping[str, Any], base: str) -> Answer:
        if not isinstance(item.get("scoreMaximum"), int | float) or not item.get("label"):
            return Answer(400, {"error": "label and numeric scoreMaximum are required"})
        item_id = uuid.uuid4().hex[:12]
        stored = {**item, "id": f"{base}/{item_id}"}
        self.lineitems.setdefault(context_id, {})[item_id] = stored
        return Answer(201, stored, headers={"Content-Type": c.LINEITEM_MEDIA})

    def post_score(self, context_id: str, item_id: str, score: Mapping[str, Any]) -> Answer:
        out = FindingCollector(REGISTRY)
        if item_id not in self.lineitems.get(context_id, {}):
            return Answer(404, {"error": "unknown line item"})
        missing = [k for k in ("userId", "timestamp", "activityProgress", "gradingProgress")
                   if not score.get(k)]
        if missing:
            out.add("LT313", file="score", value=", ".join(missing))
            return Answer(400, {"error": "missing " + ", ".join(missing)}, out.findings)
        for name, allowed in (("activityProgress", c.ACTIVITY_PROGRESS),
                              ("gradingProgress", c.GRADING_PROGRESS)):
            if score[name] not in allowed:
                out.add("LT310", file="score", claim=name, value=score[name])
                return Answer(400, {"error": f"bad {name}"}, out.findings)
        try:
            ts = datetime.fromisoformat(str(score["timestamp"]).replace("Z", "+00:00"))
        except ValueError:
            out.add("LT313", file="score", value="timestamp (ISO 8601)")
            return Answer(400, {"error": "timestamp is not ISO 8601"}, out.findings)
        history = self.scores.setdefault(item_id, {}).setdefault(str(score["userId"]), [])
        if history:
            last = datetime.fromisoformat(history[-1]["timestamp"].replace("Z", "+00:00"))
            if ts <= last:  # AGS §3.4.4: strictly increasing per user and line item
                out.add("LT309", file="score", value=score["timestamp"],
                        expected=history[-1]["timestamp"])
                return Answer(409, {"error": "timestamp not after the previous score"},
                              out.findings)
        history.append(dict(score))
        return Answer(204, None)

    def results(self, context_id: str, item_id: str, base: str) -> Answer:
        item = self.lineitems.get(context_id, {}).get(item_id)
        if item is None:
            return Answer(404, {"error": "unknown line item"})
        out = []
        for user, history in self.scores.get(item_id, {}).items():
            last = history[-1]
            entry = {"id": f"{base}/{item_id}/results/{user}", "scoreOf": item["id"],
                     "userId": user}
            if "scoreGiven" in last:
                entry["resultScore"] = last["scoreGiven"]
                entry["resultMaximum"] = last.get("scoreMaximum", item["scoreMaximum"])
            out.append(entry)
        return Answer(200, out, headers={"Content-Type": c.RESULTS_MEDIA})
