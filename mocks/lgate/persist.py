"""Keeping the LTI services' data (AGS line items and scores, Deep Linking responses) in the
store, so a restarted lgate still knows them.

``harness.lti.services.ServiceState`` keeps them in memory; lgate writes a snapshot to the
``meta`` table after every request that changed them and loads it when the app starts. The
snapshots are small (line items and scores of the tools' classes), so a whole-document write
is simpler and as safe as row-by-row tables.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from harness.lti.platform_app import PlatformState

KEYS = ("lti_lineitems", "lti_scores", "lti_deep_link_responses")
#: (endpoint, method) of the requests that change the snapshot
CHANGES = {("services.lineitems", "POST"), ("services.scores", "POST"),
           ("lti.deep_link_return", "POST")}


def _parts(st: PlatformState) -> dict[str, Any]:
    return {"lti_lineitems": st.services.lineitems, "lti_scores": st.services.scores,
            "lti_deep_link_responses": st.dl_responses}


def save(conn: sqlite3.Connection, st: PlatformState) -> None:
    """Write the snapshot (inside the caller's transaction)."""
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
        "value = excluded.value",
        [(k, json.dumps(v, ensure_ascii=False)) for k, v in _parts(st).items()])


def load(conn: sqlite3.Connection, st: PlatformState) -> None:
    """Fill the platform's service state from the snapshot, if there is one."""
    stored = dict(conn.execute(
        f"SELECT key, value FROM meta WHERE key IN ({', '.join('?' * len(KEYS))})", KEYS))
    if "lti_lineitems" in stored:
        st.services.lineitems.update(json.loads(stored["lti_lineitems"]))
    if "lti_scores" in stored:
        st.services.scores.update(json.loads(stored["lti_scores"]))
    if "lti_deep_link_responses" in stored:
        st.dl_responses.extend(json.loads(stored["lti_deep_link_responses"]))


def forget(conn: sqlite3.Connection) -> None:
    """Drop the snapshot (reset)."""
    conn.executemany("DELETE FROM meta WHERE key = ?", [(k,) for k in KEYS])
