"""The tool side of LTI 1.3: OIDC login handling, state and nonce, launch verification, the
Deep Linking response and client assertions for service tokens.

Network IO only through the injected JWKS fetcher. A tool (ツール) is the learning app a
platform (学習eポータル) launches.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core import FindingCollector
from harness.lti import claims as claims_mod
from harness.lti import constants as c
from harness.lti.checks import Expectation
from harness.lti.jwks import Fetcher, KeySetCache
from harness.lti.keys import KeyStore
from harness.lti.rules import REGISTRY
from harness.lti.stores import SingleUseStore
from harness.lti.verify import Verdict, peek_claims, verify_id_token
from harness.lti.web import form_urlencode


@dataclass
class PlatformRegistration:
    """A platform as a tool registers it.

    :param key_set: a static JWKS instead of (or before) fetching ``key_set_url``.
    """

    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str = ""
    key_set_url: str | None = None
    deployment_ids: Sequence[str] = ()
    key_set: Mapping[str, Any] | None = None


@dataclass
class LoginRecord:
    """What the tool remembers between login and launch, keyed by state."""

    state: str
    nonce: str
    iss: str
    client_id: str
    target_link_uri: str
    deployment_id: str | None
    created: float = field(default_factory=time.time)


class LoginError(Exception):
    """A login initiation the tool refuses; ``rule`` names the catalogue entry."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule


class Tool:
    """An LTI 1.3 tool's logic, independent of the web framework.

    :param redirect_uri: where the platform posts the id_token.
    :param leeway: clock leeway in seconds for exp/iat (skewed clocks are the most reported
        interop fault).
    """

    def __init__(
        self, registrations: Sequence[PlatformRegistration], *, redirect_uri: str,
        keys: KeyStore | None = None, fetch: Fetcher | None = None, leeway: float = 60.0,
        max_age: float = 3600.0, state_ttl: float = 600.0, profile: str = "core",
        deep_link_redirect_uri: str | None = None, platform_side: bool = False,
    ) -> None:
        self.registrations = list(registrations)
        self.redirect_uri = redirect_uri
        self.deep_link_redirect_uri = deep_link_redirect_uri
        self.keys = keys or KeyStore(None)
        self.leeway = leeway
        self.max_age = max_age
        self.profile = profile
        #: certifying a platform: anonymous launches are allowed, whitespace is checked and
        #: every message is checked in full even when it is rejected early
        self.platform_side = platform_side
        #: the authentication requests sent, newest last (a certification replays their
        #: hint and nonce; kept in memory only, never logged)
        self.auth_requests: deque[dict[str, str]] = deque(maxlen=8)
        self.states: SingleUseStore[LoginRecord] = SingleUseStore(state_ttl)
        self.nonces: SingleUseStore[str] = SingleUseStore(state_ttl)
        self.key_sets: dict[str, KeySetCache] = {
            r.issuer: KeySetCache(r.key_set_url, fetch, static=r.key_set) for r in registrations
        }

    def registration(self, iss: str, client_id: str | None = None) -> PlatformRegistration | None:
        for reg in self.registrations:
            if reg.issuer == iss and (not client_id or reg.client_id == client_id):
                return reg
        return None

    # -- step 1 → 2: login initiation to authentication request ----------------------------
    def login(self, params: Mapping[str, str], *, redirect_uri: str | None = None,
              tamper: Callable[[dict[str, str]], dict[str, str]] | None = None,
              ) -> tuple[str, LoginRecord]:
        """Handle a third-party initiated login (GET or POST parameters alike).

        Returns (URL of the platform's auth endpoint with the request, the record to keep).
        Canvas sends ``deployment_id`` for ``lti_deployment_id``; both are read.

        :param tamper: certifying a platform: changes the authentication request before it is
            sent (:mod:`harness.lti.auth_cases`).
        """
        missing = [k for k in ("iss", "login_hint", "target_link_uri") if not params.get(k)]
        if missing:
            raise LoginError("LT400", "login initiation lacks " + ", ".join(missing))
        reg = self.registration(params["iss"], params.get("client_id"))
        if reg is None:
            raise LoginError("LT106", "unknown issuer or client_id")
        record = LoginRecord(
            state=secrets.token_urlsafe(24), nonce=secrets.token_urlsafe(24), iss=params["iss"],
            client_id=reg.client_id, target_link_uri=params["target_link_uri"],
            deployment_id=params.get("lti_deployment_id") or params.get("deployment_id"),
        )
        self.states.put(record.state, record)
        self.nonces.put(record.nonce, record.state)
        query = {
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
            "prompt": "none", "client_id": reg.client_id,
            "redirect_uri": redirect_uri or self.redirect_uri,
            "login_hint": params["login_hint"], "state": record.state, "nonce": record.nonce,
        }
        if params.get("lti_message_hint"):
            query["lti_message_hint"] = params["lti_message_hint"]
        if tamper is not None:
            query = tamper(query)
        self.auth_requests.append(dict(query))
        sep = "&" if "?" in reg.auth_login_url else "?"
        return reg.auth_login_url + sep + form_urlencode(query), record

    # -- step 3 → 4: the launch -------------------------------------------------------------
    def launch(self, form: Mapping[str, str], session_state: str | None, *,
               case: str = "launch") -> Verdict:
        """Verify a posted id_token against the state kept in the browser session."""
        state = form.get("state") or ""
        record = self.states.take(state) if state else None
        if record is None or session_state != state:
            out = FindingCollector(REGISTRY, profile=self.profile)
            out.add("LT115", file=case)
            found = list(out.findings)
            if self.platform_side:
                found += self._unbound_findings(form.get("id_token") or "", case)
            return Verdict(None, None, found)
        token = form.get("id_token") or ""
        reg = self.registration(record.iss, record.client_id)
        assert reg is not None  # the record was made from a registration
        expect = Expectation(
            issuer=reg.issuer, client_id=reg.client_id, deployment_ids=reg.deployment_ids,
            leeway=self.leeway, max_age=self.max_age, login_iss=record.iss,
            login_target_link_uri=record.target_link_uri,
            login_deployment_id=record.deployment_id, anonymous_ok=self.platform_side,
        )
        return verify_id_token(
            token, self.key_sets[reg.issuer], expect, case=case, profile=self.profile,
            consume_nonce=lambda n: self.nonces.take(n) == record.state,
            platform_side=self.platform_side,
        )

    def _unbound_findings(self, token: str, case: str) -> list[Any]:
        """A token that came without a known state, checked anyway (its nonce is not
        consumed) so that a certification reports all of its defects."""
        unverified = peek_claims(token) or {}
        reg = self.registration(str(unverified.get("iss", "")))
        if reg is None:
            return []
        expect = Expectation(issuer=reg.issuer, client_id=reg.client_id,
                             deployment_ids=reg.deployment_ids, leeway=self.leeway,
                             max_age=self.max_age, anonymous_ok=True)
        return verify_id_token(token, self.key_sets[reg.issuer], expect, case=case,
                               profile=self.profile, platform_side=True).findings

    def verify_token(self, token: str, reg: PlatformRegistration, *, case: str = "launch",
                     nonce_ok: Any = None) -> Verdict:
        """Verify a bare id_token for ``reg`` (benchmarks, platform certification)."""
        expect = Expectation(issuer=reg.issuer, client_id=reg.client_id,
                             deployment_ids=reg.deployment_ids, leeway=self.leeway,
                             max_age=self.max_age)
        return verify_id_token(token, self.key_sets[reg.issuer], expect, case=case,
                               profile=self.profile, consume_nonce=nonce_ok)

    # -- Deep Linking and services ----------------------------------------------------------
    def deep_linking_response(
        self, request_claims: Mapping[str, Any], items: list[Mapping[str, Any]],
        *, msg: str | None = None,
    ) -> tuple[str, str]:
        """(deep_link_return_url, signed JWT) answering a verified LtiDeepLinkingRequest."""
        settings = request_claims[c.DL_SETTINGS]
        reg = self.registration(request_claims["iss"], _aud0(request_claims))
        if reg is None:
            raise ValueError("no registration for the Deep Linking request")
        payload = claims_mod.deep_linking_response_claims(
            client_id=reg.client_id, platform_issuer=reg.issuer,
            deployment_id=request_claims[c.DEPLOYMENT_ID], data=settings.get("data"),
            content_items=items, msg=msg,
        )
        return settings["deep_link_return_url"], self.keys.sign(payload)

    def client_assertion(self, reg: PlatformRegistration, *, lifetime: int = 300,
                         **over: Any) -> str:
        """The RS256 client assertion for the token endpoint (Security Framework §4.1.1);
        ``over`` replaces claims (certification: a wrong aud, an expired one)."""
        now = int(time.time())
        return self.keys.sign({
            "iss": reg.client_id, "sub": reg.client_id, "aud": reg.auth_token_url,
            "iat": now, "exp": now + lifetime, "jti": uuid.uuid4().hex, **over,
        })


def _aud0(claims: Mapping[str, Any]) -> str | None:
    aud = claims.get("aud")
    return aud[0] if isinstance(aud, list) and aud else aud  # type: ignore[return-value]
