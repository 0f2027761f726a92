"""The drill app's vendor API: ``POST /oneroster/delta`` and the OneRoster read API.

The read API (``/ims/oneroster/rostering/v1p2/users``) is what the pipeline's initial link
(名寄せ) reads to match the accounts the drill app already holds; errors use the OneRoster 1.2
REST status shape (``imsx_codeMajor`` …).
"""

from __future__ import annotations

import hmac
import os
import tempfile
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from harness.oneroster.checker import BUNDLE_NAME
from mocks.base import db_transaction, get_db
from mocks.base.db import database, page_rows
from mocks.base.oneroster import finding_json, imsx_error
from mocks.interactive_study.delta import DeltaUnreadable, apply_delta, check_delta
from mocks.interactive_study.store import roles_by_user, user_json

bp = Blueprint("drill_api", __name__)

ROSTER = "/ims/oneroster/rostering/v1p2"
MAX_LIMIT = 1000
ZIP_TYPES = ("application/zip", "application/x-zip-compressed", "application/octet-stream")


def _error(status: int, code: str, message: str, **extra: Any) -> tuple[Response, int]:
    return jsonify({"error": {"code": code, "message": message, **extra}}), status


class UploadError(Exception):
    """An upload the drill app cannot even start to check (4xx before the checker runs)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def _upload() -> tuple[bytes, str | None]:
    """(zip bytes, sender's file name) from a multipart ``file`` field or a raw zip body."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise UploadError(400, "noFile", "multipart upload without a 'file' field; send "
                              "the delta zip as field 'file' or as an application/zip body")
        data, name = upload.read(), upload.filename
    elif request.mimetype and request.mimetype not in ZIP_TYPES:
        raise UploadError(415, "unsupportedMediaType", "expected application/zip or "
                          f"multipart/form-data, got {request.mimetype}")
    else:
        data, name = request.get_data(), None
    if not data:
        raise UploadError(400, "emptyUpload", "the upload is empty; send a OneRoster delta zip")
    return data, name


@bp.post("/oneroster/delta")
def import_delta() -> Any:
    """Check a OneRoster delta bundle and apply it in one transaction (422: nothing changed)."""
    try:
        data, sender_name = _upload()
    except UploadError as exc:
        return _error(exc.status, exc.code, str(exc))
    base = os.path.basename(sender_name or "")
    ours = not BUNDLE_NAME.fullmatch(base)
    profile = str(current_app.config["DELTA_PROFILE"])
    with tempfile.TemporaryDirectory(prefix="renkei-delta-") as tmp:
        path = os.path.join(tmp, "delta.zip" if ours else base)
        with open(path, "wb") as fh:
            fh.write(data)
        verdict = check_delta(path, profile=profile,
                              waived=current_app.config["DELTA_WAIVED_RULES"], name_is_ours=ours)
        if not verdict.ok:
            return _error(422, str(verdict.code), verdict.message,
                          findings=[finding_json(f) for f in verdict.findings],
                          modes=verdict.modes)
        try:  # the files are read one at a time as they are applied, from the upload
            with db_transaction() as db:
                result = apply_delta(db, verdict.tables)
        except DeltaUnreadable as exc:
            return _error(422, "invalidBundle", f"the bundle could not be read: {exc}; "
                          "nothing was applied")
    result["modes"] = verdict.modes
    result["waived"] = [finding_json(f) for f in verdict.waived]
    result["warnings"] = [finding_json(f) for f in verdict.findings][:100]
    return jsonify(result)


# -- read API -------------------------------------------------------------------------------
def _unauthorised() -> tuple[Response, int] | None:
    token = current_app.config.get("API_TOKEN")
    if not token:
        return None
    header = request.headers.get("Authorization", "")
    given = header[7:] if header.lower().startswith("bearer ") else ""
    if not hmac.compare_digest(given.encode(), str(token).encode()):
        resp, status = imsx_error(401, "unauthorisedrequest", "a valid bearer token is required")
        resp.headers["WWW-Authenticate"] = 'Bearer realm="interactive_study"'
        return resp, status
    return None


def _int_arg(name: str, default: int, low: int, high: int | None) -> int | str:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < low or (high is not None and int(raw) > high):
        span = f"{low}..{high}" if high is not None else f">= {low}"
        return f"{name} must be a whole number in {span}, got {raw!r}"
    return int(raw)


@bp.get(f"{ROSTER}/users")
def list_users() -> Any:
    """Users in sourcedId order, ``limit`` (≤ 1000) and ``offset``; X-Total-Count."""
    denied = _unauthorised()
    if denied:
        return denied
    limit = _int_arg("limit", 100, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, None)
    for value in (limit, offset):
        if isinstance(value, str):
            return imsx_error(400, "invalid_selection_field", value)
    db = get_db()
    # a walk page by page is linear, not a count and an OFFSET scan a page (page_rows)
    rows, total = page_rows(db, "users", limit=limit, offset=offset,
                            positions=database().positions(), order="sourcedId")
    roles = roles_by_user(db, [r["sourcedId"] for r in rows])
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    resp = jsonify({"users": [user_json(r, roles[r["sourcedId"]], base) for r in rows]})
    resp.headers["X-Total-Count"] = str(total)
    return resp


@bp.get(f"{ROSTER}/users/<sourced_id>")
def get_user(sourced_id: str) -> Any:
    denied = _unauthorised()
    if denied:
        return denied
    db = get_db()
    row = db.execute('SELECT * FROM users WHERE "sourcedId" = ?', (sourced_id,)).fetchone()
    if row is None:
        return imsx_error(404, "unknownobject", f"no user with sourcedId {sourced_id!r}")
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    return jsonify({"user": user_json(row, roles_by_user(db, [sourced_id])[sourced_id], base)})
