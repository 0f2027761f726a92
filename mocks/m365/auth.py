"""Entra ID's client-credentials token endpoint, bearer checks and Graph throttling.

``POST /{tenant}/oauth2/v2.0/token`` with ``grant_type=client_credentials``, ``client_id``,
``client_secret`` (or HTTP Basic) and ``scope=https://graph.microsoft.com/.default`` gives an
opaque bearer token valid ``TOKEN_LIFETIME`` seconds. Only its hash is stored.
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request

from mocks.base import db_transaction, get_db
from mocks.m365.errors import GraphError, TokenError, token_response
from mocks.m365.store import token_hash

bp = Blueprint("m365_token", __name__)

GRAPH_DEFAULT_SCOPE = "https://graph.microsoft.com/.default"


def _clock() -> float:
    return float(current_app.config["CLOCK"]())


@bp.errorhandler(TokenError)
def _token_error(exc: TokenError) -> Any:
    return token_response(exc)


@bp.post("/<tenant>/oauth2/v2.0/token")
def token(tenant: str) -> Any:
    """Issue an app-only access token (OAuth 2.0 client credentials grant)."""
    expected_tenant = current_app.config["TENANT"]
    if expected_tenant and tenant not in (expected_tenant, "organizations"):
        raise TokenError(400, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check "
                         "to make sure you have the correct tenant ID and are signing into "
                         "the correct cloud.")
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
                         f"'{client_id}' was not found in the directory '{tenant}'.")
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
    value = secrets.token_urlsafe(48)
    with db_transaction() as conn:
        conn.execute("DELETE FROM tokens WHERE expires_at < ?", (_clock(),))
        conn.execute("INSERT INTO tokens (token_hash, client_id, expires_at) VALUES (?, ?, ?)",
                     (token_hash(value), client_id, _clock() + lifetime))
    resp = jsonify({"token_type": "Bearer", "expires_in": lifetime,
                    "ext_expires_in": lifetime, "access_token": value})
    resp.headers["Cache-Control"] = "no-store, no-cache"
    return resp


def require_token() -> None:
    """Check the request's bearer token; raise Graph's 401 when it is missing or not valid."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header or scheme.lower() != "bearer" or not value.strip():
        raise GraphError(401, "InvalidAuthenticationToken", "Access token is empty.")
    row = get_db().execute("SELECT expires_at FROM tokens WHERE token_hash = ?",
                           (token_hash(value.strip()),)).fetchone()
    if row is None:
        raise GraphError(401, "InvalidAuthenticationToken",
                         "Access token validation failure. Invalid audience.")
    if row["expires_at"] <= _clock():
        raise GraphError(401, "InvalidAuthenticationToken",
                         "Lifetime validation failed, the token is expired.")


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
    """The ``MockSpec.init_app`` hook: the throttle of config ``THROTTLE``."""
    app.extensions["m365_throttle"] = throttle_from_config(app.config["THROTTLE"])


def check_throttle() -> None:
    """Answer 429 TooManyRequests with Retry-After when the throttle is on and spent."""
    throttle: Throttle | None = current_app.extensions["m365_throttle"]
    if throttle is None:
        return
    wait = throttle.take()
    if wait > 0:
        raise GraphError(429, "TooManyRequests", "Too many requests.",
                         headers={"Retry-After": str(max(1, math.ceil(wait)))})
