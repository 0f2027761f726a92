"""``GET /oneroster/export``: the city's OneRoster bulk zip, as C4th exports it.

Every call is a new export: ``export_serial`` moves on, so with the regenerate-ids quirk every
sourcedId changes (pilot §3.3.2). With ``DROP_DIR`` set the zip is also written there under
its own name (``RO_YYYYMMDD_<board code>.zip``; a later export of the same day replaces it, as
a real drop folder would). The ``truncate`` fault exports a valid bundle holding only a share
of the pupils, for the mass-change guard scenario.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from fixtures import build_bundle
from fixtures.export import bundle_name
from harness.core.gcpause import no_cyclic_gc
from harness.oneroster.model import Bundle
from harness.oneroster.writer import write_bundle
from mocks.base import take_fault
from mocks.c4th.store import exporting_city

bp = Blueprint("c4th_export", __name__)


def student_ids(bundle: Bundle) -> list[str]:
    """sourcedIds of the pupils, in users.csv order (roles come from roles.csv in v1.2)."""
    roles = bundle.tables.get("roles") or bundle.tables.get("enrollments") or []
    pupils = {r["userSourcedId"] for r in roles if r.get("role") == "student"}
    return [u["sourcedId"] for u in bundle.rows("users") if u["sourcedId"] in pupils]


def truncate(bundle: Bundle, keep: float) -> int:
    """Keep the first ``keep`` share of the pupils (with their roles, enrollments and
    demographics); everyone else in the bundle stays. Returns the pupils kept."""
    students = student_ids(bundle)
    dropped = set(students[math.floor(len(students) * keep):])
    bundle.tables["users"] = [u for u in bundle.rows("users") if u["sourcedId"] not in dropped]
    for name, key in (("roles", "userSourcedId"), ("enrollments", "userSourcedId"),
                      ("demographics", "sourcedId")):
        if name in bundle.tables:
            bundle.tables[name] = [r for r in bundle.tables[name] if r.get(key) not in dropped]
    return len(students) - len(dropped)


def _zip_bytes(bundle: Bundle, name: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="c4th-export-") as tmp:
        return write_bundle(bundle, Path(tmp) / name).read_bytes()


def _authorised() -> bool:
    token = current_app.config["API_TOKEN"]
    if not token:
        return True
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(),
                                                              token.encode())


@bp.get("/oneroster/export")
def export() -> Any:
    """A new bulk export of the whole city (students only unless ``EXPORT_TEACHERS``)."""
    if not _authorised():
        resp = jsonify({"error": {"code": "unauthorized", "message":
                                  "a valid bearer token is required (config API_TOKEN)"}})
        resp.status_code = 401
        resp.headers["WWW-Authenticate"] = 'Bearer realm="c4th"'
        return resp
    fault = take_fault("truncate")
    # the collector stays paused while the city's bundle lives (build, then write): between
    # the two it would scan the whole bundle for nothing (0.26 s at prefecture scale)
    with no_cyclic_gc(), exporting_city() as (city, conn):
        bundle = build_bundle(city, teachers=bool(current_app.config["EXPORT_TEACHERS"]))
        users = len(student_ids(bundle))
        if fault is not None:
            users = truncate(bundle, fault.keep)
        name = bundle_name(city)
        data = _zip_bytes(bundle, name)
        del bundle  # freed while the collector is paused: nothing left for it to scan
        drop_path = None
        drop_dir = current_app.config["DROP_DIR"]
        if drop_dir:
            target = Path(drop_dir) / name
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(target.name + ".part")
            part.write_bytes(data)
            os.replace(part, target)
            drop_path = str(target)
        conn.execute("INSERT OR REPLACE INTO exports (serial, filename, users, bytes, sha256, "
                     "truncated, drop_path) VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (city.export_serial, name, users, len(data),
                      hashlib.sha256(data).hexdigest(), int(fault is not None), drop_path))
    resp = Response(data, mimetype="application/zip")
    resp.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    resp.headers["X-Export-Serial"] = str(city.export_serial)
    return resp
