"""m365's own admin endpoints: pre-existing accounts, password checks and the throttle."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import BadRequest

from mocks.base import db_transaction, json_body
from mocks.m365 import auth, licenses, users
from mocks.m365.store import check_password, find_user

bp = Blueprint("m365_admin", __name__, url_prefix="/_admin")


def seed(payload: dict[str, Any]) -> dict[str, Any]:
    """Pre-existing accounts (the initial-link scenario) and the tenant's SKUs:
    ``{"users": [Graph user bodies], "skus": {skuPartNumber: {"skuId", "prepaidUnits"}}}``."""
    skus = payload.get("skus", {})
    if not isinstance(skus, dict):
        raise BadRequest("seed 'skus' must be {skuPartNumber: {skuId, prepaidUnits}}")
    if skus:
        try:
            with db_transaction() as conn:
                licenses.upsert_skus(conn, {**(current_app.config["SKUS"] or {}), **skus}
                                     if conn.execute("SELECT 1 FROM skus").fetchone() is None
                                     else skus)
        except ValueError as exc:
            raise BadRequest(f"seed skus: {exc}") from None
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
    return {"created": len(created), "ids": created, "skus": sorted(skus)}


@bp.post("/check-password")
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


@bp.route("/throttle", methods=["GET", "POST"])
def throttle_view() -> Any:
    """Show or set the throttle: ``{"per_second": N}``, or ``{}`` / null to switch it off."""
    if request.method == "POST":
        data = json_body(required=False) or None
        try:
            current_app.extensions["m365_throttle"] = auth.throttle_from_config(data)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        current_app.config["THROTTLE"] = data
    return jsonify({"throttle": current_app.config["THROTTLE"]})
