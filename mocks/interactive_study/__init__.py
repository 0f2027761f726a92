"""インタラクティブスタディ (Interactive Study): the drill app, an LTI 1.3 tool fed by OneRoster
delta.

As in the Tsukuba pilot, accounts must exist before a launch succeeds: they arrive by
``POST /oneroster/delta`` (or are already there, ``POST /_admin/seed``, for the 初回連携 initial
link), and a launch whose ``sub`` is not a provisioned, enabled user (matched on
userMasterIdentifier) is refused with a page saying why (403) and recorded::

    app = create_app({"DATABASE": ":memory:"})
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app
from werkzeug.exceptions import BadRequest

from harness.oneroster.model import format_value
from mocks.base import MockSpec, create_mock_app, db_transaction, get_db
from mocks.interactive_study import api
from mocks.interactive_study.delta import DEFAULT_WAIVED
from mocks.interactive_study.openapi import describe
from mocks.interactive_study.store import FILES, SCHEMA_SQL, columns, counts, row_values
from mocks.interactive_study.store import user_summary as users_for_state
from mocks.lti_tool.launches import LAUNCHES_SQL, list_launches
from mocks.lti_tool.views import (
    REJECT_FAULT,
    TOOL_DEFAULTS,
    Decision,
    admin_bp,
    bp,
    context,
    init_tool,
)

NAME = "interactive_study"
CLIENT_ID = "interactive-study"
TITLE_JA = "インタラクティブスタディ"
TITLE_EN = "Interactive Study (drill app)"

DEFAULTS: dict[str, Any] = {
    **TOOL_DEFAULTS,
    "DELTA_PROFILE": "jp-eportal-v4",
    "DELTA_WAIVED_RULES": list(DEFAULT_WAIVED),
    "API_TOKEN": None,  # bearer token for the read API; None leaves it open
}


def decide(claims: Mapping[str, Any], db: sqlite3.Connection) -> Decision:
    """Let a launch in only for a provisioned, enabled account (sub = userMasterIdentifier)."""
    sub = str(claims.get("sub") or "")
    rows = db.execute('SELECT "sourcedId", "username", "enabledUser" FROM users '
                      'WHERE "userMasterIdentifier" = ? ORDER BY "enabledUser" DESC, "sourcedId"',
                      (sub,)).fetchall() if sub else []
    if not rows:
        return Decision(False, f"no account for user {sub or '(anonymous)'} in the drill app: "
                               "accounts are provisioned by the OneRoster delta before the "
                               "first launch",
                        f"利用者 {sub or '（匿名）'} のアカウントがインタラクティブスタディに"
                        "ありません。初回起動の前に OneRoster 差分連携で登録されている必要が"
                        "あります")
    account = {"sourcedId": rows[0]["sourcedId"], "username": rows[0]["username"],
               "enabledUser": bool(rows[0]["enabledUser"])}
    if not rows[0]["enabledUser"]:
        return Decision(False, f"the drill-app account {account['username']} is disabled "
                               "(enabledUser=false)",
                        f"アカウント {account['username']} は無効化されています"
                        "（enabledUser=false）", account=account)
    return Decision(True, account=account, lines=[f"account: {account['username']}"])


def state() -> dict[str, Any]:
    db = get_db()
    reg = context().tool.registrations[0]
    return {
        "client_id": reg.client_id,
        "platform": {"issuer": reg.issuer, "auth_login_url": reg.auth_login_url,
                     "key_set_url": reg.key_set_url, "deployment_ids": list(reg.deployment_ids)},
        "kids": [k["kid"] for k in context().tool.keys.jwks()["keys"]],
        "reject_launches": current_app.config.get("REJECT_LAUNCHES"),
        "counts": counts(db), "users": users_for_state(db), "launches": list_launches(db),
    }


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


SPEC = MockSpec(
    name=NAME, title_ja=TITLE_JA, title_en=TITLE_EN, import_name=__name__,
    schema_sql=SCHEMA_SQL + LAUNCHES_SQL, defaults=DEFAULTS, blueprints=[api.bp, bp, admin_bp],
    state=state, seed=seed, openapi=describe, fault_kinds=(REJECT_FAULT,),
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The drill app mock; ``config`` overrides :data:`DEFAULTS` and the base's defaults."""
    app = create_mock_app(SPEC, config)
    init_tool(app, client_id=CLIENT_ID, name=NAME, decide=decide, title_ja=TITLE_JA,
              title_en=TITLE_EN, item_title="インタラクティブスタディ ドリル")
    return app
