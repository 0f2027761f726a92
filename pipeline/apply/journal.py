"""The delivery journal: what each target was sent, step by step and item by item, in SQLite.

It lives in the pipeline's state database (WAL) beside the key map and the snapshots, in its
own tables:

- ``apply_plans``: every plan delivery started, its status, and the plan itself (compressed
  JSON) until it finishes, so the next run can finish an interrupted plan first;
- ``apply_steps``: per plan and target, each step (``bulk``, ``passwords``, ``users``,
  ``delta``) and its status (``pending``, ``done``, ``failed``);
- ``apply_items``: per plan, Microsoft 365's item-level progress (one row per account);
- ``delivered``: per target and person (userMasterIdentifier), what the target was last
  confirmed to hold (a digest of the record as sent, the record, its state, the remote id);
- ``delivered_meta``: per target, digests of whole-bundle deliveries (the bulk, the delta frame);
- ``delivered_log``: confirmations of Microsoft 365's chunks, appended as each chunk is answered
  and folded into ``delivered`` in key order at the end of the step (and before anything reads
  or writes ``delivered`` directly, so a crash's leftovers are folded by the next run). A
  chunk's 20 people land on 20 random pages of ``delivered``'s (target, umi) index, each page
  written to the WAL at every commit: at prefecture scale that cost 14x Tsukuba's for 10x the
  people; appending is one page, and the fold walks the index once.

Why this makes a ``kill -9`` safe: a target's confirmation is written only after the target
answered, in one transaction with the item's status. A crash before the write means the step
is sent again, and every step is idempotent (bulk keyed by sourcedId; passwords replaced; Graph
looked up by userPrincipalName before any create; delta rows with the same dateLastModified are
unchanged). A crash after the write means nothing is sent twice.
"""

from __future__ import annotations

import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pipeline.model import Plan
from pipeline.state import plan_from_json, plan_to_json

#: What a target was confirmed to hold for one person: (umi, state, digest, record, remote id).
Confirmation = tuple[str, str, str, dict[str, Any], str | None]

SCHEMA = """
CREATE TABLE IF NOT EXISTS apply_plans (
    plan_id TEXT PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    status TEXT NOT NULL, plan BLOB);
CREATE TABLE IF NOT EXISTS apply_steps (
    plan_id TEXT NOT NULL, target TEXT NOT NULL, step TEXT NOT NULL, status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL,
    PRIMARY KEY (plan_id, target, step));
CREATE TABLE IF NOT EXISTS apply_items (
    plan_id TEXT NOT NULL, target TEXT NOT NULL, item TEXT NOT NULL, op TEXT NOT NULL,
    status TEXT NOT NULL, remote_id TEXT, detail TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL, PRIMARY KEY (plan_id, target, item));
CREATE TABLE IF NOT EXISTS delivered (
    target TEXT NOT NULL, umi TEXT NOT NULL, state TEXT NOT NULL, digest TEXT NOT NULL,
    record TEXT NOT NULL, remote_id TEXT, since TEXT NOT NULL,
    PRIMARY KEY (target, umi));
CREATE TABLE IF NOT EXISTS delivered_meta (
    target TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (target, key));
CREATE TABLE IF NOT EXISTS delivered_log (
    target TEXT NOT NULL, umi TEXT NOT NULL, state TEXT NOT NULL, digest TEXT NOT NULL,
    record TEXT NOT NULL, remote_id TEXT, since TEXT NOT NULL);
"""
#: a confirmation into ``delivered`` from ``{source}`` (rows of its seven columns): a person
#: already there keeps ``since`` while the state holds, and a remote id unless a new one came
_UPSERT = ("INSERT INTO delivered {source} ON CONFLICT (target, umi) "
           "DO UPDATE SET state = excluded.state, digest = excluded.digest, "
           "record = excluded.record, remote_id = coalesce(excluded.remote_id, remote_id), "
           "since = CASE WHEN delivered.state = excluded.state THEN delivered.since "
           "ELSE excluded.since END")


def connection_of(state: Any) -> sqlite3.Connection:
    """The sqlite3 connection of the pipeline's state (a connection, or an object holding one)."""
    if isinstance(state, sqlite3.Connection):
        return state
    for name in ("conn", "db", "connection", "_conn"):
        conn = getattr(state, name, None)
        if callable(conn) and not isinstance(conn, sqlite3.Connection):
            conn = conn()
        if isinstance(conn, sqlite3.Connection):
            return conn
    raise TypeError(f"no sqlite3 connection on {type(state).__name__}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Delivered:
    """What one target was last confirmed to hold for one person.

    :param state: ``active``; ``left`` (drill: disabled at once); ``disabled`` (grace policy);
        ``deleted`` (drill: tobedeleted sent).
    """

    umi: str
    state: str
    digest: str
    record: dict[str, Any]
    remote_id: str | None
    since: str


@dataclass(frozen=True)
class Unfinished:
    """A plan whose delivery did not finish: the plan and the targets still to do."""

    plan_id: str
    started_at: str
    targets: tuple[str, ...]
    plan: Plan | None


def plan_to_blob(plan: Plan) -> bytes:
    return zlib.compress(json.dumps(plan_to_json(plan), ensure_ascii=False).encode("utf-8"), 6)


def plan_from_blob(blob: bytes) -> Plan:
    return plan_from_json(json.loads(zlib.decompress(blob)))


class Journal:
    """The journal's tables on one connection; every write is its own transaction."""

    def __init__(self, state: Any) -> None:
        self.conn = connection_of(state)
        self._state = state
        # the state's own transaction (it serialises the shared connection with a lock)
        self._state_tx = getattr(state, "transaction", None)
        with self.tx() as db:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction: the state's, or BEGIN IMMEDIATE … COMMIT on a bare connection."""
        if self._state_tx is not None:
            with self._state_tx() as db:
                yield db
            return
        conn = self.conn
        if conn.in_transaction:
            conn.commit()  # never mix our writes into someone's open transaction
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    # --- plans and steps -----------------------------------------------------------------
    def begin(self, plan: Plan, targets: Iterable[str], steps: dict[str, tuple[str, ...]]
              ) -> None:
        """Record that ``plan`` is being delivered (idempotent: a resumed plan keeps its rows)."""
        now = _now()
        # the pipeline's state keeps every plan (save_plan/load_plan); a bare connection
        # (tests, tools) gets its own copy so an interrupted plan can always be reloaded
        keeps_plans = callable(getattr(self._state, "load_plan", None))
        blob = None if keeps_plans else plan_to_blob(plan)
        with self.tx() as db:
            db.execute("INSERT OR IGNORE INTO apply_plans (plan_id, started_at, status, plan) "
                       "VALUES (?, ?, 'running', ?)", (plan.id, now, blob))
            db.execute("UPDATE apply_plans SET status = 'running' WHERE plan_id = ?",
                       (plan.id,))
            for target in targets:
                for step in steps[target]:
                    db.execute("INSERT OR IGNORE INTO apply_steps VALUES (?, ?, ?, 'pending', "
                               "'', ?)", (plan.id, target, step, now))

    def step_status(self, plan_id: str, target: str, step: str) -> str | None:
        row = self.conn.execute("SELECT status FROM apply_steps WHERE plan_id = ? AND "
                                "target = ? AND step = ?", (plan_id, target, step)).fetchone()
        return row[0] if row else None

    def set_step(self, plan_id: str, target: str, step: str, status: str,
                 detail: str = "") -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO apply_steps VALUES (?, ?, ?, ?, ?, ?)",
                       (plan_id, target, step, status, detail, _now()))

    def finish(self, plan_id: str, status: str) -> None:
        """Close a plan: ``done`` drops the stored copy (F keeps plans); others keep it."""
        with self.tx() as db:
            if status == "done":
                db.execute("UPDATE apply_plans SET status = 'done', finished_at = ?, plan = NULL "
                           "WHERE plan_id = ?", (_now(), plan_id))
            else:
                db.execute("UPDATE apply_plans SET status = ? WHERE plan_id = ?",
                           (status, plan_id))

    def unfinished(self, *, load: bool = True) -> list[Unfinished]:
        rows = self.conn.execute(
            "SELECT plan_id, started_at, plan FROM apply_plans WHERE status != 'done' "
            "ORDER BY started_at, rowid").fetchall()
        out = []
        for plan_id, started, blob in rows:
            targets = tuple(t for (t,) in self.conn.execute(
                "SELECT DISTINCT target FROM apply_steps WHERE plan_id = ? AND status != 'done' "
                "ORDER BY target", (plan_id,)))
            plan = None
            if load and blob:
                plan = plan_from_blob(blob)
            elif load and callable(getattr(self._state, "load_plan", None)):
                plan = self._state.load_plan(plan_id)
            out.append(Unfinished(plan_id, started, targets, plan))
        return out

    def abandon(self, plan_id: str) -> None:
        """Mark a plan done without delivering the rest (an operator's decision)."""
        self.finish(plan_id, "done")

    def recent(self, limit: int = 10) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT plan_id, started_at, finished_at, status FROM apply_plans "
            "ORDER BY started_at DESC, rowid DESC LIMIT ?", (limit,)).fetchall()
        return [dict(zip(("plan_id", "started_at", "finished_at", "status"), r, strict=True))
                for r in rows]

    # --- items (Microsoft 365) -----------------------------------------------------------
    def add_items(self, plan_id: str, target: str, items: Iterable[tuple[str, str]]) -> None:
        """Register ``(item, op)`` pairs as pending; items already journaled keep their status."""
        now = _now()
        with self.tx() as db:
            db.executemany("INSERT OR IGNORE INTO apply_items (plan_id, target, item, op, status, "
                           "updated_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                           [(plan_id, target, item, op, now) for item, op in items])

    def pending_items(self, plan_id: str, target: str) -> list[tuple[str, str]]:
        # a plan's items are added together, so their rows are one stretch of the table: read
        # it in order (found through the key, each row was a random page: 17x the time for
        # 10x the items); the stretch is bounded through the key, which holds the rowids
        low, high = self.conn.execute(
            "SELECT min(rowid), max(rowid) FROM apply_items WHERE plan_id = ? AND target = ?",
            (plan_id, target)).fetchone()
        if low is None:
            return []
        return [(r[0], r[1]) for r in self.conn.execute(
            "SELECT item, op FROM apply_items WHERE rowid BETWEEN ? AND ? AND +plan_id = ? "
            "AND +target = ? AND status IN ('pending', 'failed') ORDER BY rowid",
            (low, high, plan_id, target))]

    def item_counts(self, plan_id: str, target: str) -> dict[str, int]:
        return {status: n for status, n in self.conn.execute(
            "SELECT status, count(*) FROM apply_items WHERE plan_id = ? AND target = ? "
            "GROUP BY status", (plan_id, target))}

    def item_rows(self, plan_id: str, target: str) -> list[dict[str, str]]:
        return [{"item": r[0], "op": r[1], "status": r[2], "detail": r[3]}
                for r in self.conn.execute(
                    "SELECT item, op, status, detail FROM apply_items WHERE plan_id = ? AND "
                    "target = ? ORDER BY rowid", (plan_id, target))]

    # --- delivered state -----------------------------------------------------------------
    def delivered(self, target: str) -> dict[str, Delivered]:
        self.fold()  # (nothing when the log is empty)
        return {r[0]: Delivered(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5])
                for r in self.conn.execute(
                    "SELECT umi, state, digest, record, remote_id, since FROM delivered "
                    "WHERE target = ?", (target,))}

    def confirm(self, target: str, rows: Iterable[Confirmation], *, plan_id: str | None = None,
                items: Iterable[tuple[str, str, str]] = (), deferred: bool = False) -> None:
        """In one transaction: record ``(umi, state, digest, record, remote_id)`` as held by
        ``target`` and set ``(item, status, detail)`` of this plan's items.

        :param deferred: append the rows to ``delivered_log`` (as durable, folded by
            :meth:`fold` or the next read); for many small confirmations in a row.
        """
        now = _now()
        values = [(target, umi, st, digest, json.dumps(rec, ensure_ascii=False), rid, now)
                  for umi, st, digest, rec, rid in rows]
        with self.tx() as db:
            if deferred:
                db.executemany("INSERT INTO delivered_log VALUES (?, ?, ?, ?, ?, ?, ?)", values)
            else:
                self._fold(db)  # what was logged before these rows comes first
                # in key order: a target's whole bulk (a city's pupils at once) then walks the
                # (target, umi) index once, page after page, instead of landing on a random
                # page of it per row (random order costs 20x the rows' time for 10x the rows,
                # at prefecture scale; key order 10-12x); the sort is stable, so a repeated
                # umi's last row still wins
                values.sort(key=lambda row: row[1])
                db.executemany(_UPSERT.format(source="VALUES (?, ?, ?, ?, ?, ?, ?)"), values)
            if plan_id is not None:
                db.executemany("UPDATE apply_items SET status = ?, detail = ?, updated_at = ? "
                               "WHERE plan_id = ? AND target = ? AND item = ?",
                               [(st, detail, now, plan_id, target, item)
                                for item, st, detail in items])

    def fold(self) -> None:
        """Fold ``delivered_log`` into ``delivered`` (one transaction; nothing when empty)."""
        if self._logged():
            with self.tx() as db:
                self._fold(db)

    def _logged(self) -> bool:
        return self.conn.execute("SELECT 1 FROM delivered_log LIMIT 1").fetchone() is not None

    @staticmethod
    def _fold(db: sqlite3.Connection) -> None:
        # in key order, a person's rows in the order they were logged (the last one wins,
        # each applied on top of the one before, as separate confirmations would be)
        db.execute(_UPSERT.format(source="SELECT target, umi, state, digest, record, remote_id, "
                                         "since FROM delivered_log WHERE true "
                                         "ORDER BY target, umi, rowid"))
        db.execute("DELETE FROM delivered_log")

    def meta(self, target: str, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM delivered_meta WHERE target = ? AND key = ?",
                                (target, key)).fetchone()
        return row[0] if row else None

    def set_meta(self, target: str, key: str, value: str) -> None:
        with self.tx() as db:
            db.execute("INSERT OR REPLACE INTO delivered_meta VALUES (?, ?, ?)",
                       (target, key, value))


def unfinished(state: Any) -> list[Unfinished]:
    """Plans whose delivery was interrupted, oldest first, each with its targets still to do."""
    return Journal(state).unfinished()
