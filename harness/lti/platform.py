"""The platform side of LTI 1.3 (プラットフォーム, e.g. the 学習eポータル): tool registrations,
third-party login initiation, the authentication endpoint's checks and OIDC errors, and the
id_token. Framework-free; :mod:`harness.lti.platform_app` puts it on HTTP.
"""

from __future__ import annotations

import secrets
import uuid
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.core import Finding, FindingCollector
from harness.lti import constants as c
from harness.lti.claims import Person, build_launch_claims
from harness.lti.keys import KeyStore
from harness.lti.rules import REGISTRY
from harness.lti.signing import sign_message
from harness.lti.stores import SeenStore, SingleUseStore

#: The OIDC error each authentication-request rule answers with (Security Framework §5.1.1.2).
OIDC_ERRORS = {
    "LT401": "invalid_scope", "LT402": "unsupported_response_type", "LT403": "invalid_request",
    "LT404": "invalid_request", "LT405": "unauthorized_client", "LT407": "invalid_request",
    "LT408": "invalid_request", "LT409": "login_required", "LT411": "invalid_request",
    "LT412": "unauthorized_client", "LT414": "invalid_request",
}


#: how many issued id_tokens :attr:`Platform.log` keeps (a rehearsal issues hundreds of
#: thousands; lgate's launches table keeps every launch)
LOG_SIZE = 1000


@dataclass
class ToolRegistration:
    """A tool as the platform registers it."""

    client_id: str
    login_url: str
    redirect_uris: Sequence[str]
    target_link_uri: str
    deployment_ids: Sequence[str] = ("1",)
    jwks_url: str | None = None
    jwks: Mapping[str, Any] | None = None
    deep_link_url: str | None = None
    scopes: Sequence[str] = c.ALL_SCOPES
    name: str = "tool"


@dataclass
class LaunchSpec:
    """What one launch should carry, and how to spoil it for a bad case.

    :param patch: edits the finished claim dict (delete or replace claims) before signing.
    :param sign_mode: see :data:`harness.lti.signing.SIGN_MODES`.
    """

    person: Person
    context: Mapping[str, Any] | None = None
    resource_link: Mapping[str, Any] | None = None
    custom: Mapping[str, str] | None = None
    message_type: str = c.RESOURCE_LINK_REQUEST
    deployment_id: str | None = None
    target_link_uri: str | None = None
    launch_presentation: Mapping[str, Any] | None = None
    deep_link_data: str | None = None
    patch: Callable[[dict[str, Any]], None] | None = None
    sign_mode: str = "rs256"
    login_overrides: Mapping[str, str | None] = field(default_factory=dict)
    case: str = "launch"


@dataclass
class AuthResult:
    """What the auth endpoint answers: a form post to the tool, or an error page (no redirect)."""

    kind: str  # "form" or "page"
    url: str | None
    fields: dict[str, str]
    status: int
    findings: list[Finding]
    claims: dict[str, Any] | None = None


class Platform:
    """An LTI 1.3 platform.

    :param issuer: https URL without query or fragment.
    :param services: ``callable(reg, spec, claims) -> dict`` adding NRPS/AGS claims.
    :param single_use_nonces: refuse a second authentication request with a nonce already
        answered (LT414). ``certify lti-tool`` turns it off: a tool that repeats its nonce must
        still get its launches, so that its own checks are what is judged.
    """

    def __init__(
        self, issuer: str, *, keys: KeyStore | None = None, guid: str | None = None,
        name: str = "renkei platform", hint_ttl: float = 600.0,
        services: Callable[[ToolRegistration, LaunchSpec], dict[str, Any]] | None = None,
        single_use_nonces: bool = True,
    ) -> None:
        self.issuer = issuer
        self.keys = keys or KeyStore(None)
        self.guid = guid or str(uuid.uuid4())
        self.name = name
        self.tools: dict[str, ToolRegistration] = {}
        self.hints: SingleUseStore[tuple[str, str, LaunchSpec]] = SingleUseStore(hint_ttl)
        #: nonces of the authentication requests answered: a nonce gets one id_token (LT414)
        self.nonces = SeenStore(hint_ttl)
        self.single_use_nonces = single_use_nonces
        self.services = services
        #: the id_tokens issued, newest last, for inspection (never the tokens themselves);
        #: the last :data:`LOG_SIZE` only, so a long run of launches does not grow the process
        self.log: deque[dict[str, Any]] = deque(maxlen=LOG_SIZE)
        #: where the platform's endpoints live (the issuer need not be served)
        self.base_url = issuer.rstrip("/")

    def register(self, reg: ToolRegistration) -> ToolRegistration:
        self.tools[reg.client_id] = reg
        return reg

    def tool_platform_claim(self) -> dict[str, str]:
        return {"guid": self.guid, "name": self.name, "product_family_code": "renkei",
                "version": "0.1"}

    # -- step 1: third-party initiated login ------------------------------------------------
    def initiate_login(self, client_id: str, spec: LaunchSpec) -> tuple[str, dict[str, str]]:
        """(tool login URL, parameters) starting a launch; the hint is single-use."""
        reg = self.tools[client_id]
        hint = secrets.token_urlsafe(18)
        login_hint = spec.person.sub or "anonymous"
        self.hints.put(hint, (client_id, login_hint, spec))
        params = {
            "iss": self.issuer, "login_hint": login_hint,
            "target_link_uri": spec.target_link_uri or reg.target_link_uri,
            "lti_message_hint": hint, "client_id": client_id,
            "lti_deployment_id": spec.deployment_id or reg.deployment_ids[0],
        }
        for key, value in spec.login_overrides.items():
            if value is None:
                params.pop(key, None)
            else:
                params[key] = value
        return reg.login_url, params

    # -- step 2 → 3: the authentication request ---------------------------------------------
    def authorize(self, params: Mapping[str, str], *, case: str = "auth") -> AuthResult:
        """Check an authentication request and answer with an id_token or an OIDC error."""
        out = FindingCollector(REGISTRY)
        reg = self.tools.get(params.get("client_id", ""))
        if reg is None:
            out.add("LT405", file=case, value=params.get("client_id"))
            return AuthResult("page", None, {"error": "unauthorized_client"}, 400, out.findings)
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in reg.redirect_uris:
            out.add("LT406", file=case, value=redirect_uri)
            return AuthResult("page", None, {"error": "invalid_request"}, 400, out.findings)
        state = params.get("state")
        if not state:
            out.add("LT410", file=case)

        def error(rule: str, **kw: Any) -> AuthResult:
            out.add(rule, file=case, **kw)
            fields = {"error": OIDC_ERRORS[rule], "error_description": REGISTRY[rule].title}
            if state:
                fields["state"] = state
            return AuthResult("form", redirect_uri, fields, 200, out.findings)

        if params.get("scope") != "openid":
            return error("LT401", value=params.get("scope"))
        if params.get("response_type") != "id_token":
            return error("LT402", value=params.get("response_type"))
        if params.get("response_mode") != "form_post":
            return error("LT403", value=params.get("response_mode"))
        if params.get("prompt") not in (None, "none"):
            return error("LT404", value=params.get("prompt"))
        if not params.get("nonce"):
            return error("LT407")
        hint = params.get("lti_message_hint")
        if not hint:
            return error("LT411")
        entry = self.hints.take(hint)
        if entry is None:
            return error("LT408")
        if entry[0] != reg.client_id:
            return error("LT412", value=reg.client_id, expected=entry[0])
        _, login_hint, spec = entry
        if params.get("login_hint") != login_hint:
            return error("LT409")
        if self.single_use_nonces and not self.nonces.first_use(params["nonce"]):
            return error("LT414")
        claims = self.build_claims(reg, spec, params["nonce"])
        token = sign_message(self.keys, claims, spec.sign_mode)
        fields = {"id_token": token}
        if state:
            fields["state"] = state
        self.log.append({"case": spec.case, "client_id": reg.client_id,
                         "message_type": claims.get(c.MESSAGE_TYPE), "sub": claims.get("sub")})
        return AuthResult("form", redirect_uri, fields, 200, out.findings, claims)

    def build_claims(self, reg: ToolRegistration, spec: LaunchSpec, nonce: str) -> dict[str, Any]:
        """The id_token claims for ``spec`` (after its patch, if any)."""
        dl = None
        if spec.message_type == c.DEEP_LINKING_REQUEST:
            dl = {"deep_link_return_url": self.base_url + "/deep_link_return",
                  "accept_types": ["ltiResourceLink"],
                  "accept_presentation_document_targets": ["iframe", "window"],
                  "accept_multiple": True, "data": spec.deep_link_data or secrets.token_hex(8)}
        claims = build_launch_claims(
            issuer=self.issuer, client_id=reg.client_id,
            deployment_id=spec.deployment_id or reg.deployment_ids[0], nonce=nonce,
            target_link_uri=spec.target_link_uri or (
                reg.deep_link_url if dl and reg.deep_link_url else reg.target_link_uri),
            person=spec.person, resource_link=spec.resource_link, context=spec.context,
            tool_platform=self.tool_platform_claim(), custom=spec.custom,
            launch_presentation=spec.launch_presentation or {"document_target": "iframe",
                                                             "locale": "ja-JP"},
            message_type=spec.message_type, deep_linking_settings=dl,
            services=self.services(reg, spec) if self.services else None,
        )
        if spec.patch is not None:
            spec.patch(claims)
        return claims
