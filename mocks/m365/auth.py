"""Entra ID's side of the m365 mock: discovery, signing keys, client-credential tokens, and
Graph's checks of every bearer token (signature, lifetime, audience, tenant, app roles).

- ``GET /{tenant}/v2.0/.well-known/openid-configuration`` and
  ``GET /{tenant}/.well-known/openid-configuration`` (v1): the discovery documents MSAL and
  azure-identity fetch before anything else; ``GET /{tenant}/discovery/v2.0/keys`` and
  ``/{tenant}/discovery/keys``: the JWKS.
- ``POST /{tenant}/oauth2/v2.0/token`` with ``grant_type=client_credentials``, ``client_id``,
  ``client_secret`` (or HTTP Basic) and ``scope=https://graph.microsoft.com/.default`` gives an
  RS256 JWT valid ``TOKEN_LIFETIME`` seconds with ``aud`` https://graph.microsoft.com, ``iss``,
  ``tid``, ``appid``, ``roles`` (config ``ROLES``), ``iat``/``nbf``/``exp``.
- Graph checks each bearer token; a verified token is remembered (by its text) until it
  expires, and the public key by kid, so a request costs a dict lookup, not an RSA check.
  A token without the role a route asks for gets 403 ``Authorization_RequestDenied``.

Keys come from :class:`harness.lti.keys.KeyStore`: in ``KEY_DIR`` when set (they survive a
restart), else one key per process.
"""

from __future__ import annotations

import hmac
import math
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import jwt
from flask import Blueprint, Flask, current_app, g, jsonify, request

from harness.lti.keys import KeyStore
from mocks.base import db_transaction
from mocks.m365.errors import GraphError, TokenError, token_response
from mocks.m365.links import base_url
from mocks.m365.store import token_hash

bp = Blueprint("m365_token", __name__)

GRAPH_RESOURCE = "https://graph.microsoft.com"
GRAPH_DEFAULT_SCOPE = f"{GRAPH_RESOURCE}/.default"
#: Microsoft Graph's application id (the ``client_id`` in Graph's WWW-Authenticate)
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
#: the app roles a client gets when config ``ROLES`` does not name it
DEFAULT_ROLES = ("User.ReadWrite.All", "Organization.Read.All",
                 "LicenseAssignment.ReadWrite.All")
#: the application permissions that let an app read users / write them / read the org
USER_READ = ("User.Read.All", "User.ReadWrite.All", "Directory.Read.All",
             "Directory.ReadWrite.All")
USER_WRITE = ("User.ReadWrite.All", "Directory.ReadWrite.All")
ORG_READ = ("Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All",
            "Directory.ReadWrite.All")
LICENSE_WRITE = ("LicenseAssignment.ReadWrite.All", "User.ReadWrite.All",
                 "Directory.ReadWrite.All")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PROCESS_KEYS: list[KeyStore] = []
_PROCESS_KEYS_LOCK = threading.Lock()

View = TypeVar("View", bound=Callable[..., Any])


def requires(*roles: str) -> Callable[[View], View]:
    """Mark a Graph view as needing one of ``roles`` (checked by :func:`authorize`)."""
    def mark(view: View) -> View:
        view.required_roles = roles  # type: ignore[attr-defined]
        return view
    return mark


def _clock() -> float:
    return float(current_app.config["CLOCK"]())


def keys(app: Flask | None = None) -> KeyStore:
    """The app's signing keys (config ``KEY_DIR``, else the process's one key)."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    store: KeyStore | None = app.extensions.get("m365_keys")
    if store is None:
        if app.config["KEY_DIR"]:
            store = KeyStore(app.config["KEY_DIR"])
        else:
            with _PROCESS_KEYS_LOCK:
                if not _PROCESS_KEYS:
                    _PROCESS_KEYS.append(KeyStore(None))
                store = _PROCESS_KEYS[0]
        app.extensions["m365_keys"] = store
    return store


def tenant_id(tenant: str) -> str:
    """The directory id (``tid``) of the tenant named in a URL: config ``TENANT_ID``, the GUID
    itself, or a stable GUID derived from the name (``contoso.onmicrosoft.com``)."""
    if current_app.config["TENANT_ID"]:
        return str(current_app.config["TENANT_ID"])
    if _GUID.match(tenant):
        return tenant.lower()
    return str(uuid.uuid5(uuid.NAMESPACE_DNS, tenant.lower()))


def _check_tenant(tenant: str) -> None:
    expected = current_app.config["TENANT"]
    known = {expected, current_app.config["TENANT_ID"], "organizations"} - {None}
    if expected and tenant not in known:
        raise TokenError(400, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check "
                         "to make sure you have the correct tenant ID and are signing into "
                         "the correct cloud.")


@bp.errorhandler(TokenError)
def _token_error(exc: TokenError) -> Any:
    return token_response(exc)


def _discovery(tenant: str, v2: bool) -> dict[str, Any]:
    _check_tenant(tenant)
    root, tid = base_url(), tenant_id(tenant)
    suffix = "/v2.0" if v2 else ""
    issuer = f"{root}/{tid}/v2.0" if v2 else f"{root}/{tid}/"
    doc: dict[str, Any] = {
        "token_endpoint": f"{root}/{tenant}/oauth2{suffix}/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt",
                                                  "client_secret_basic"],
        "jwks_uri": f"{root}/{tenant}/discovery{suffix}/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": issuer,
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{root}/oidc/userinfo",
        "authorization_endpoint": f"{root}/{tenant}/oauth2{suffix}/authorize",
        "device_authorization_endpoint": f"{root}/{tenant}/oauth2{suffix}/devicecode",
        "http_logout_supported": True, "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/{tenant}/oauth2{suffix}/logout",
        "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                             "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat",
                             "auth_time", "acr", "nonce", "preferred_username", "name", "tid",
                             "ver", "at_hash", "c_hash", "email"],
        "kerberos_endpoint": f"{root}/{tenant}/kerberos",
        "tenant_region_scope": "AS", "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net", "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }
    if not v2:
        doc["microsoft_multi_refresh_token"] = True
    return doc


@bp.get("/<tenant>/v2.0/.well-known/openid-configuration")
def discovery_v2(tenant: str) -> Any:
    """The v2.0 OpenID Connect discovery document of one tenant."""
    return jsonify(_discovery(tenant, v2=True))


@bp.get("/<tenant>/.well-known/openid-configuration")
def discovery_v1(tenant: str) -> Any:
    """The v1 discovery document (``issuer`` is the sts-style ``{root}/{tid}/``)."""
    return jsonify(_discovery(tenant, v2=False))


@bp.get("/<tenant>/discovery/v2.0/keys")
@bp.get("/<tenant>/discovery/keys")
def jwks(tenant: str) -> Any:
    """The public keys tokens are signed with (RFC 7517), each with ``kid`` and ``x5t``-free."""
    resp = jsonify(keys().jwks())
    resp.headers["Cache-Control"] = "max-age=86400, private"
    return resp


@bp.post("/<tenant>/oauth2/v2.0/token")
def token(tenant: str) -> Any:
    """Issue an app-only access token (OAuth 2.0 client credentials grant) as an RS256 JWT."""
    _check_tenant(tenant)
    form = request.form
    grant = form.get("grant_type")
    if not grant:
        raise TokenError(400, "invalid_request", 900144, "The request body must contain the "
                         "following parameter: 'grant_type'.")
    if grant != "client_credentials":
        raise TokenError(400, "unsupported_grant_type", 70003, "The app requested an "
                         "unsupported grant type.")
    client_id, secret = form.get("client_id"), form.get("client_secret")
    if request.authorization and request.authorization.type == "basic":
        client_id = client_id or request.authorization.username
        secret = secret or request.authorization.password
    if not client_id:
        raise TokenError(400, "invalid_request", 900144, "The request body must contain the "
                         "following parameter: 'client_id'.")
    scope = form.get("scope")
    if not scope:
        raise TokenError(400, "invalid_request", 900144, "The request body must contain the "
                         "following parameter: 'scope'.")
    if scope.strip() != GRAPH_DEFAULT_SCOPE:
        raise TokenError(400, "invalid_scope", 1002012, f"The provided value for scope "
                         f"{scope} is not valid. Client credential flows must have a scope "
                         "value with /.default suffixed to the resource identifier "
                         "(application ID URI).")
    clients: dict[str, str] = current_app.config["CLIENTS"]
    if client_id not in clients:
        raise TokenError(400, "unauthorized_client", 700016, f"Application with identifier "
                         f"'{client_id}' was not found in the directory '{tenant}'. This can "
                         "happen if the application has not been installed by the "
                         "administrator of the tenant.")
    if not secret:
        raise TokenError(401, "invalid_client", 7000216, "'client_assertion', "
                         "'client_secret' or 'request' is required for the "
                         "'client_credentials' grant type.")
    if not hmac.compare_digest(secret.encode(), clients[client_id].encode()):
        raise TokenError(401, "invalid_client", 7000215, "Invalid client secret provided. "
                         "Ensure the secret being sent in the request is the client secret "
                         "value, not the client secret ID, for a secret added to app "
                         f"'{client_id}'.")
    lifetime = int(current_app.config["TOKEN_LIFETIME"])
    now = int(_clock())
    tid = tenant_id(tenant)
    claims = {"aud": GRAPH_RESOURCE, "iss": f"{base_url()}/{tid}/", "iat": now, "nbf": now,
              "exp": now + lifetime, "appid": client_id, "appidacr": "1", "idtyp": "app",
              "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{tid}/{client_id}")),
              "roles": list(app_roles(client_id)), "sub": client_id, "tid": tid,
              "uti": secrets.token_urlsafe(16), "ver": "1.0"}
    value = keys().sign(claims)
    with db_transaction() as conn:
        conn.execute("DELETE FROM tokens WHERE expires_at < ?", (_clock(),))
        conn.execute("INSERT INTO tokens (token_hash, client_id, expires_at) VALUES (?, ?, ?)",
                     (token_hash(value), client_id, now + lifetime))
    resp = jsonify({"token_type": "Bearer", "expires_in": lifetime,
                    "ext_expires_in": lifetime, "access_token": value})
    resp.headers["Cache-Control"] = "no-store, no-cache"
    return resp


def app_roles(client_id: str) -> tuple[str, ...]:
    """The application permissions granted to ``client_id`` (config ``ROLES``)."""
    configured: dict[str, Iterable[str]] = current_app.config["ROLES"] or {}
    return tuple(configured.get(client_id, DEFAULT_ROLES))


class TokenCache:
    """Verified tokens by their exact text, until they expire (bounded; thread-safe).

    A token's signature, audience and required claims are checked once; the next request
    with the same string reuses its claims until ``exp``, when the entry is dropped (and the
    token is refused as expired by :func:`require_token`, cached or not). Another string —
    a forged token with the same claims included — is never a hit.
    """

    def __init__(self, size: int = 4096) -> None:
        self.size, self.lock = size, threading.Lock()
        self.claims: dict[str, dict[str, Any]] = {}
        self.public: dict[str, Any] = {}

    def get(self, value: str, now: float) -> dict[str, Any] | None:
        claims = self.claims.get(value)
        if claims is not None and claims["exp"] <= now:
            with self.lock:
                self.claims.pop(value, None)
            return None
        return claims

    def put(self, value: str, claims: dict[str, Any]) -> None:
        with self.lock:
            if len(self.claims) >= self.size:
                self.claims.clear()
            self.claims[value] = claims


def _unauthorized(message: str) -> GraphError:
    return GraphError(401, "InvalidAuthenticationToken", message)


def _verify(value: str, now: float) -> dict[str, Any]:
    """Check a bearer token's signature, audience and issuer tenant; its claims."""
    cache: TokenCache = current_app.extensions["m365_token_cache"]
    claims = cache.get(value, now)
    if claims is not None:
        return claims
    try:
        header = jwt.get_unverified_header(value)
    except jwt.InvalidTokenError:
        raise _unauthorized("IDX14100: JWT is not well formed, there are no dots (.). The "
                            "token needs to be in JWS or JWE Compact Serialization "
                            "Format.") from None
    kid = header.get("kid")
    public = cache.public.get(kid) if isinstance(kid, str) else None
    if public is None:
        pair = keys().find(kid) if isinstance(kid, str) else None
        if pair is None:
            raise _unauthorized("Access token validation failure. Invalid signing key.")
        public = cache.public[pair.kid] = pair.public_key
    try:
        claims = jwt.decode(value, public, algorithms=["RS256"], audience=GRAPH_RESOURCE,
                            options={"verify_exp": False, "verify_nbf": False,
                                     "verify_iat": False,
                                     "require": ["exp", "nbf", "tid", "appid"]})
    except jwt.InvalidAudienceError:
        raise _unauthorized("Access token validation failure. Invalid audience.") from None
    except jwt.InvalidTokenError:
        raise _unauthorized("Access token validation failure.") from None
    if claims["exp"] > now:  # an expired token is refused by the caller, and never kept
        cache.put(value, claims)
    return claims


def require_token() -> dict[str, Any]:
    """Check the request's bearer token (Graph's 401 when missing or not valid); its claims,
    also kept on ``g.m365_claims`` for :func:`authorize`."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header or scheme.lower() != "bearer" or not value.strip():
        raise _unauthorized("Access token is empty.")
    now = _clock()
    claims = _verify(value.strip(), now)
    if claims["exp"] <= now:
        raise _unauthorized("Lifetime validation failed, the token is expired.")
    if claims["nbf"] > now + 300:  # Entra allows five minutes of clock skew
        raise _unauthorized("Lifetime validation failed, the token is not yet valid.")
    expected = current_app.config["TENANT_ID"]
    if expected and claims["tid"] != expected:
        raise _unauthorized("Access token validation failure. Invalid issuer.")
    g.m365_claims = claims
    return claims


def authorize(endpoint: str | None) -> None:
    """403 ``Authorization_RequestDenied`` unless the token holds a role the view needs."""
    view = current_app.view_functions.get(endpoint or "")
    needed: tuple[str, ...] = getattr(view, "required_roles", ())
    if not needed:
        return
    roles = g.m365_claims.get("roles") or []
    if not any(role in roles for role in needed):
        raise GraphError(403, "Authorization_RequestDenied",
                         "Insufficient privileges to complete the operation.")


def authenticate_token() -> None:
    """A ``before_request`` that checks the token only (``$batch``: its items are authorized
    and throttled one by one)."""
    require_token()


def authenticate() -> None:
    """The Graph blueprints' ``before_request``: token, roles, then the throttle."""
    require_token()
    authorize(request.endpoint)
    check_throttle()


class Throttle:
    """A token bucket: ``per_second`` requests a second, bursts up to one second's worth."""

    def __init__(self, per_second: float, clock: Any = time.monotonic) -> None:
        if per_second <= 0:
            raise ValueError(f"THROTTLE per_second must be above 0, got {per_second!r}")
        self.rate, self.clock = float(per_second), clock
        self.tokens, self.stamp = self.rate, clock()
        self.lock = threading.Lock()

    def take(self) -> float:
        """0 when the request may pass, else the seconds to wait for the next slot."""
        with self.lock:
            now = self.clock()
            self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


def throttle_from_config(setting: Any) -> Throttle | None:
    """The :class:`Throttle` for config ``THROTTLE`` (None or ``{"per_second": N}``)."""
    if not setting:
        return None
    if not isinstance(setting, dict) or not isinstance(setting.get("per_second"),
                                                       (int, float)):
        raise ValueError(f"THROTTLE must be {{'per_second': N}}, got {setting!r}")
    return Throttle(setting["per_second"])


def init_app(app: Flask) -> None:
    """The ``MockSpec.init_app`` hook: the throttle of config ``THROTTLE``, the token cache."""
    app.extensions["m365_throttle"] = throttle_from_config(app.config["THROTTLE"])
    app.extensions["m365_token_cache"] = TokenCache()


def check_throttle() -> None:
    """Answer 429 TooManyRequests with Retry-After when the throttle is on and spent."""
    throttle: Throttle | None = current_app.extensions["m365_throttle"]
    if throttle is None:
        return
    wait = throttle.take()
    if wait > 0:
        raise GraphError(429, "TooManyRequests", "Too many requests.",
                         headers={"Retry-After": str(max(1, math.ceil(wait)))})
