"""Microsoft 365 Education (GIGA accounts): the Microsoft Graph v1.0 subset for provisioning.

Graph's own paths and JSON shapes: a client-credentials token endpoint
(``POST /{tenant}/oauth2/v2.0/token``), bearer auth on every call, ``/v1.0/users`` (create,
list with ``$filter``/``$select``/``$top`` and ``@odata.nextLink``, read, update, delete by id
or userPrincipalName) and ``/v1.0/$batch`` (≤ 20 requests). Errors as Graph sends them,
including 400 ``Request_BadRequest``/``ObjectConflict`` for a duplicate userPrincipalName and
429 ``TooManyRequests`` with Retry-After under throttling (config ``THROTTLE``).
Passwords are stored as scrypt hashes and never returned.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.exceptions import BadRequest

from mocks.base import MockSpec, create_mock_app, json_body
from mocks.m365 import auth, batch, users  # noqa: F401  (batch adds its route to users.bp)
from mocks.m365.errors import fault_error, http_error
from mocks.m365.openapi import describe
from mocks.m365.store import SCHEMA, check_password, dump_state, find_user

DEFAULTS: dict[str, Any] = {
    "CLIENTS": {"renkei-pipeline": "renkei-dev-secret"},  # {client_id: client secret}
    "TENANT": None,          # None: any tenant id in the token URL
    "DOMAINS": None,         # verified UPN domains; None: any
    "TOKEN_LIFETIME": 3599,  # seconds, as Entra ID's app tokens
    "THROTTLE": None,        # {"per_second": N}: 429 + Retry-After beyond N requests a second
    # scrypt cost (salted, r=8): 2**8 is ~2.5 ms a hash on a small container, which keeps
    # Tsukuba-scale provisioning (23k users) near a minute. The mock only ever holds synthetic
    # passwords; raise it where real ones might land
    "PASSWORD_SCRYPT_N": 2 ** 8,
    "CLOCK": time.time,
}

admin_bp = Blueprint("m365_admin", __name__, url_prefix="/_admin")


@admin_bp.post("/check-password")
def check_password_view() -> Any:
    """Whether a user's password is the given one (for invariants; never reveals it)."""
    data = json_body()
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in
                                             ("userPrincipalName", "password")):
        raise BadRequest("expected {\"userPrincipalName\": \"...\", \"password\": \"...\"}")
    row = find_user(data["userPrincipalName"])
    if row is None:
        return jsonify({"error": {"code": "noSuchUser", "message":
                                  f"no user {data['userPrincipalName']!r}"}}), 404
    return jsonify({"match": check_password(row["password_hash"], data["password"])})


@admin_bp.route("/throttle", methods=["GET", "POST"])
def throttle_view() -> Any:
    """Show or set the throttle: ``{"per_second": N}``, or ``{}`` / null to switch it off."""
    from flask import request

    if request.method == "POST":
        data = json_body(required=False) or None
        try:
            current_app.extensions["m365_throttle"] = auth.throttle_from_config(data)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        current_app.config["THROTTLE"] = data
    return jsonify({"throttle": current_app.config["THROTTLE"]})


def seed(payload: dict[str, Any]) -> dict[str, Any]:
    """Pre-existing accounts (the initial-link scenario): ``{"users": [Graph user bodies]}``."""
    items = payload.get("users", [])
    if not isinstance(items, list):
        raise BadRequest("seed 'users' must be a list of Graph user objects")
    created = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise BadRequest(f"seed users[{i}] is not an object")
        try:
            created.append(users.create_user(item)["id"])
        except users.GraphError as exc:
            raise BadRequest(f"seed users[{i}]: {exc.message}") from None
    return {"created": len(created), "ids": created}


SPEC = MockSpec(
    name="m365", title_ja="Microsoft 365 Education (GIGAアカウント)",
    title_en="Microsoft 365 Education — Microsoft Graph v1.0 users", import_name=__name__,
    schema_sql=SCHEMA, defaults=DEFAULTS, blueprints=(auth.bp, users.bp, admin_bp),
    state=dump_state, seed=seed, openapi=describe, error_response=http_error,
    fault_error=fault_error,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The m365 mock app (see :data:`DEFAULTS` for its own settings)."""
    app = create_mock_app(SPEC, config)
    app.extensions["m365_throttle"] = auth.throttle_from_config(app.config["THROTTLE"])
    return app
