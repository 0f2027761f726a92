"""The admin surface every tool mock shares: launch rejection and the tool's part of its state.

``/_admin/reject-launches`` switches launch rejection on a running server, where config cannot
be edited (``renkei mock up``); :func:`tool_state` is what ``GET /_admin/state`` says of the
tool itself, beside the mock's own data (accounts, licences); ``GET /_admin/launches`` is the
launch log alone, a page at a time.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from flask import Blueprint, current_app, jsonify, request

from mocks.base import admin_error, get_db, json_body
from mocks.lti_tool.launches import launch_page, list_launches
from mocks.lti_tool.views import context

bp = Blueprint("lti_tool_admin", __name__, url_prefix="/_admin")


def tool_state(db: sqlite3.Connection) -> dict[str, Any]:
    """The tool's registration at its platform, its key ids, rejection and launch log."""
    tool = context().tool
    reg = tool.registrations[0]
    return {
        "client_id": reg.client_id,
        "platform": {"issuer": reg.issuer, "auth_login_url": reg.auth_login_url,
                     "key_set_url": reg.key_set_url, "deployment_ids": list(reg.deployment_ids)},
        "kids": [k["kid"] for k in tool.keys.jwks()["keys"]],
        "reject_launches": current_app.config.get("REJECT_LAUNCHES"),
        "launches": list_launches(db),
    }


@bp.route("/reject-launches", methods=["GET", "PUT", "POST", "DELETE"])
def reject_launches() -> Any:
    """``PUT {"reason": "..."}`` rejects every launch with that reason; ``DELETE`` stops it."""
    if request.method in ("PUT", "POST"):
        body = json_body()
        reason = body.get("reason") if isinstance(body, dict) else None
        if not isinstance(reason, str) or not reason.strip():
            return admin_error(400, "invalidReason",
                               'expected {"reason": "<why launches are rejected>"}')
        current_app.config["REJECT_LAUNCHES"] = reason.strip()
    elif request.method == "DELETE":
        current_app.config["REJECT_LAUNCHES"] = None
    return jsonify({"reject_launches": current_app.config.get("REJECT_LAUNCHES")})


@bp.get("/launches")
def launches() -> Any:
    """The launch log a page at a time: ``?after=<id>&limit=<n>`` (default 0 and 1000, at
    most 10000) answers ``{"launches": [...], "next": <the last id, or null at the end>}``;
    ``&fields=sub,verified,...`` gives only those fields of each entry (and its ``id``)."""
    try:
        after = int(request.args.get("after", 0))
        size = int(request.args.get("limit", 1000))
    except ValueError:
        return admin_error(400, "invalidPage", "after and limit must be whole numbers")
    if after < 0 or not 1 <= size <= 10000:
        return admin_error(400, "invalidPage", "after must be 0 or more, limit 1 to 10000")
    listed = request.args.get("fields")
    try:
        page = launch_page(get_db(), after=after, size=size,
                           only=None if listed is None else listed.split(","))
    except ValueError as exc:
        return admin_error(400, "invalidFields", str(exc))
    return jsonify({"launches": page, "next": page[-1]["id"] if len(page) == size else None})
