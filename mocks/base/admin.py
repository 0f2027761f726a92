"""The ``/_admin`` blueprint every mock gets: state, reset, seed, request log, faults."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from mocks.base.db import delete_all_rows
from mocks.base.faults import FaultError

bp = Blueprint("admin", __name__, url_prefix="/_admin")


def admin_error(status: int, code: str, message: str) -> tuple[Response, int]:
    """The admin API's error body: ``{"error": {"code", "message"}}``."""
    return jsonify({"error": {"code": code, "message": message}}), status


def json_body(*, required: bool = True) -> Any:
    """The request's JSON body, or raise a 400 that says what was wrong with it."""
    from werkzeug.exceptions import BadRequest

    if not request.data:
        if required:
            raise BadRequest("expected a JSON body, got an empty request")
        return {}
    try:
        return request.get_json(force=True)
    except BadRequest:
        raise BadRequest("the request body is not valid JSON") from None


def _ext() -> Any:
    return current_app.extensions["renkei"]


@bp.get("/state")
def state() -> Any:
    spec = _ext().spec
    return jsonify(spec.state() if spec.state else {})


@bp.post("/reset")
def reset() -> Any:
    """Empty the state and the request log, and remove every fault rule."""
    ext = _ext()
    if ext.spec.reset:
        ext.spec.reset()
    else:
        delete_all_rows()
    ext.requests.clear()
    ext.faults.clear()
    return jsonify({"reset": True})


@bp.post("/seed")
def seed() -> Any:
    spec = _ext().spec
    if spec.seed is None:
        return admin_error(400, "noSeed", f"the {spec.name} mock takes no seed")
    payload = json_body(required=False)
    if not isinstance(payload, dict):
        return admin_error(400, "invalidSeed", "the seed must be a JSON object")
    return jsonify(spec.seed(payload))


@bp.get("/requests")
def requests_log() -> Any:
    """The received-request log; ``?method=POST&path=<regex>&limit=N`` filter it."""
    entries = _ext().requests.entries()
    method = request.args.get("method")
    if method:
        entries = [e for e in entries if e["method"] == method.upper()]
    pattern = request.args.get("path")
    if pattern:
        try:
            rx = re.compile(pattern)
        except re.error as exc:
            return admin_error(400, "invalidFilter", f"path is not a regular expression: {exc}")
        entries = [e for e in entries if rx.search(e["path"])]
    if request.args.get("faulted") in ("1", "true"):
        entries = [e for e in entries if e["fault"]]
    limit = request.args.get("limit")
    if limit is not None:
        if not limit.isdigit():
            return admin_error(400, "invalidFilter", f"limit must be a whole number, "
                               f"got {limit!r}")
        entries = entries[-int(limit):] if int(limit) else []
    return jsonify({"requests": entries})


@bp.delete("/requests")
def clear_requests() -> Any:
    _ext().requests.clear()
    return jsonify({"cleared": True})


@bp.get("/faults")
def list_faults() -> Any:
    ext = _ext()
    return jsonify({"faults": ext.faults.list(), "kinds": list(ext.faults.kinds)})


@bp.post("/faults")
def add_faults() -> Any:
    """Add one fault rule (a JSON object) or several (a list); all or none."""
    ext = _ext()
    try:
        added = ext.faults.add(json_body())
    except FaultError as exc:
        return admin_error(400, "invalidFault", str(exc))
    return jsonify({"added": [f.as_dict() for f in added]}), 201


@bp.delete("/faults")
def clear_faults() -> Any:
    _ext().faults.clear()
    return jsonify({"faults": []})


@bp.delete("/faults/<int:fault_id>")
def remove_fault(fault_id: int) -> Any:
    if not _ext().faults.remove(fault_id):
        return admin_error(404, "noSuchFault", f"there is no fault rule #{fault_id}")
    return jsonify({"removed": fault_id})
