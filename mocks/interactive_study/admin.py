"""The drill app's own admin surface: its state, its accounts a page at a time
(``GET /_admin/users``) and the accounts it held before any delta."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import BadRequest

from harness.oneroster.model import format_value
from mocks.base import admin_error, db_transaction, get_db
from mocks.interactive_study.store import FILES, columns, counts, row_values, user_summary

bp = Blueprint("interactive_study_admin", __name__, url_prefix="/_admin")


def state(db: sqlite3.Connection) -> dict[str, Any]:
    """The drill app's part of ``GET /_admin/state``: row counts and the accounts."""
    return {"counts": counts(db), "users": user_summary(db)}


def seed(payload: dict[str, Any]) -> dict[str, Any]:
    """Accounts the drill app held before any delta (初回連携): ``{"users": [...], "orgs":
    [...], "classes": [...], "enrollments": [...], "roles": [...]}``, rows keyed by the
    OneRoster CSV column names (lists and booleans allowed). Replaces rows with the same
    sourcedId; marks them ``origin: seed``.
    """
    unknown = sorted(set(payload) - set(FILES))
    if unknown:
        raise BadRequest(f"unknown seed key(s) {', '.join(unknown)}; known: {', '.join(FILES)}")
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    staged: dict[str, list[tuple[Any, ...]]] = {}
    problems: list[str] = []
    for name in FILES:
        rows = payload.get(name, [])
        if not isinstance(rows, list):
            problems.append(f"{name} must be a list of objects")
            continue
        for n, raw in enumerate(rows):
            need = ("sourcedId", "username") if name == "users" else ("sourcedId",)
            if not isinstance(raw, dict) or any(not raw.get(k) for k in need):
                problems.append(f"{name}[{n}] needs {' and '.join(need)}")
                continue
            row = {k: format_value(v) for k, v in raw.items()}
            row.setdefault("dateLastModified", now)
            row["status"] = "active"
            staged.setdefault(name, []).append(row_values(name, row, origin="seed"))
    if problems:
        raise BadRequest("; ".join(problems[:20]))
    with db_transaction() as db:
        for name, values in staged.items():
            cols = columns(name)
            collist = ", ".join(f'"{c}"' for c in cols)
            db.executemany(f'INSERT OR REPLACE INTO "{name}" ({collist}) '
                           f'VALUES ({", ".join("?" * len(cols))})', values)
    return {"seeded": {name: len(values) for name, values in staged.items()}}


@bp.get("/users")
def users() -> Any:
    """The accounts as ``/_admin/state`` lists them, a page at a time: ``?after=<sourcedId>
    &limit=<n>`` (default 1000, at most 10000) answers ``{"users": [...], "next": <the last
    sourcedId, or null at the end>}``."""
    after = request.args.get("after") or None
    try:
        size = int(request.args.get("limit", 1000))
    except ValueError:
        size = 0
    if not 1 <= size <= 10000:
        return admin_error(400, "invalidPage", "limit must be a whole number from 1 to 10000")
    page = user_summary(get_db(), after=after, limit=size)
    return jsonify({"users": page, "next": page[-1]["sourcedId"] if len(page) == size else None})
