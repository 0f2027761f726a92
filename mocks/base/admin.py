"""The ``/_admin`` blueprint every mock gets: state, reset, seed, request log, faults, and
the state snapshot.

``GET /_admin/state/export`` answers the mock's whole database as one consistent SQLite file
(``application/vnd.sqlite3``); ``POST /_admin/state/import`` with such a file as the body
replaces the database with it in one transaction, or answers 400 and changes nothing. That is
how a second instance of a mock (a launch worker's private copy, a server on another machine)
reaches the same state through the surface, in-process and live alike. Only the database
travels: the request log, the fault rules and the configuration stay the instance's own, and
so does what a mock keeps in memory from its database (lgate reads its platform guid and LTI
service data when it starts; c4th keeps its parsed city by version number): import into a
freshly built mock, as the scenarios' launch workers do.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from mocks.base.db import database, delete_all_rows, get_db, table_names
from mocks.base.faults import FaultError

#: the media type of a SQLite database file (IANA: application/vnd.sqlite3)
SQLITE_TYPE = "application/vnd.sqlite3"
#: the first 16 bytes of every SQLite database file (sqlite.org/fileformat.html §1.3)
SQLITE_MAGIC = b"SQLite format 3\x00"

bp = Blueprint("admin", __name__, url_prefix="/_admin")


def admin_error(status: int, code: str, message: str) -> tuple[Response, int]:
    """The admin API's error body: ``{"error": {"code", "message"}}``."""
    return jsonify({"error": {"code": code, "message": message}}), status


def json_body(*, required: bool = True) -> Any:
    """The request's JSON body, or raise a 400 that says what was wrong with it."""
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


@bp.get("/state/export")
def export_state() -> Response:
    """The whole database as one SQLite file, read in one transaction (a consistent snapshot)."""
    snapshot = sqlite3.connect(":memory:")
    try:
        get_db().backup(snapshot)
        data = bytearray(snapshot.serialize())
    finally:
        snapshot.close()
    # bytes 18-19 = 1: a rollback-journal file, so the snapshot opens anywhere as it is (a WAL
    # header without its -wal file cannot be read; the journal mode is the instance's own)
    data[18:20] = b"\x01\x01"
    name = _ext().spec.name
    return Response(bytes(data), mimetype=SQLITE_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{name}.sqlite3"'})


@bp.post("/state/import")
def import_state() -> Any:
    """Replace the database with the SQLite file in the body (``GET /_admin/state/export``),
    all at once: a body that is not a sound database of this mock changes nothing (400)."""
    data = _body()
    if not data.startswith(SQLITE_MAGIC):
        found = "an empty body" if not data else f"{len(data)} bytes that are not one"
        return admin_error(400, "invalidSnapshot", f"expected a SQLite database file "
                           f"(the body of GET /_admin/state/export), got {found}")
    if data[18:20] == b"\x02\x02":  # a WAL file copied from disk: read it as a plain one
        data = data[:18] + b"\x01\x01" + data[20:]
    snapshot = sqlite3.connect(":memory:")
    try:
        problem = _unusable(snapshot, data)
        if problem:
            return admin_error(400, "invalidSnapshot", problem)
        # one backup step copies every page inside one write transaction of the target:
        # other connections see the old database or the new one, never a mix
        snapshot.backup(get_db())
        # the backup wrote through this thread's own connection, which neither data_version
        # nor total_changes sees: forget its read API's page positions (page_rows)
        database().positions().clear()
    finally:
        snapshot.close()
    return jsonify({"imported": _ext().spec.name, "bytes": len(data)})


def _body() -> bytes:
    """The request body, read in one piece: a snapshot is tens of MB, and Werkzeug's
    ``get_data`` would read it 64 KiB at a time, copying each piece twice."""
    size = request.content_length
    if size is None:
        return request.get_data(cache=False)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit is not None and size > limit:
        raise RequestEntityTooLarge()
    parts, got = [], 0
    while got < size:  # a server's input stream may answer fewer bytes than asked
        part = request.input_stream.read(size - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _unusable(snapshot: sqlite3.Connection, data: bytes) -> str:
    """Why ``data`` cannot replace this mock's database ("" when it can), loading it into
    ``snapshot``: unreadable, damaged, or not this mock's tables and columns."""
    try:
        snapshot.deserialize(data)
        check = [str(r[0]) for r in snapshot.execute("PRAGMA quick_check").fetchall()]
        theirs = _columns(snapshot)
    except sqlite3.DatabaseError as exc:
        return f"the SQLite file cannot be read: {exc}"
    if check != ["ok"]:
        return f"the SQLite file is damaged: {'; '.join(check[:3])}"
    ours = _columns(get_db())
    if theirs != ours:
        wrong = sorted(t for t in ours.keys() | theirs.keys() if ours.get(t) != theirs.get(t))
        return (f"the SQLite file is not the {_ext().spec.name} mock's database: tables "
                f"{', '.join(wrong)} differ (expected {', '.join(ours) or 'none'})")
    return ""


def _columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    """table → its column names, for every table of the database."""
    return {t: [str(r[1]) for r in conn.execute(f'PRAGMA table_info("{t}")')]
            for t in table_names(conn)}


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
