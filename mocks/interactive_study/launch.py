"""The drill app's own rule on a verified LTI launch: only provisioned, enabled accounts."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from mocks.lti_tool import Decision


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
