"""The pipeline's state in one SQLite database (WAL): what it knows between nights.

Tables: ``meta`` (schema version, the installation salt), ``keymap`` (stable key → the sourcedId
the targets see, per target when an initial link adopted a different one), ``snapshots`` (the
roster as last applied; the last five that differ), ``plans`` (every plan's decisions: what
each run decided), ``uncommitted`` (a plan's rosters and what the state becomes once it is
applied, kept only while it is being delivered: finishing it after a crash reads them),
``runs`` (the run log), ``holds`` (open holds), ``absent`` (people missing from the export,
since when), ``received`` (every export kept).
Delivery keeps its journal in the same database (:meth:`State.transaction` and
:attr:`State.conn` are the API it uses).

Every write happens inside a transaction; a crash (even ``kill -9``) leaves the database as it
was before the transaction or after it. Nothing here ever stores a password.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import secrets
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.model import Decision, Plan, Roster, people_hook, record_json
from pipeline.packed import Array, Object, Pieces, inflated, pack, text_sha256, unpack

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keymap (
    kind TEXT NOT NULL, key TEXT NOT NULL, target TEXT NOT NULL DEFAULT '',
    sourced_id TEXT NOT NULL, first_seen TEXT NOT NULL, origin TEXT NOT NULL DEFAULT 'derived',
    PRIMARY KEY (kind, key, target));
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT, plan_id TEXT NOT NULL, created_at TEXT NOT NULL,
    roster BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS plans (
    id TEXT PRIMARY KEY, created_at TEXT NOT NULL, export_sha256 TEXT NOT NULL,
    status TEXT NOT NULL, refused INTEGER NOT NULL DEFAULT 0, summary TEXT NOT NULL,
    body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS uncommitted (
    plan_id TEXT PRIMARY KEY REFERENCES plans (id) ON DELETE CASCADE, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, finished_at TEXT,
    plan_id TEXT, export_sha256 TEXT, dry_run INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL, exit_code INTEGER, summary TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS holds (
    umi TEXT PRIMARY KEY, since TEXT NOT NULL, last_seen TEXT NOT NULL, rules TEXT NOT NULL,
    detail TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS absent (
    umi TEXT PRIMARY KEY, since TEXT NOT NULL, record TEXT NOT NULL,
    disabled_at TEXT, reason TEXT NOT NULL DEFAULT 'missing');
CREATE TABLE IF NOT EXISTS received (
    sha256 TEXT PRIMARY KEY, filename TEXT NOT NULL, path TEXT NOT NULL, size INTEGER NOT NULL,
    received_at TEXT NOT NULL, origin TEXT NOT NULL, quarantined INTEGER NOT NULL DEFAULT 0,
    note TEXT NOT NULL DEFAULT '');
"""
#: How many applied rosters to keep (the newest is the previous state of the next run).
KEEP_SNAPSHOTS = 5
#: The statuses of a plan still to be delivered: its rosters are kept (``uncommitted``).
UNCOMMITTED = ("applying", "interrupted")


class StateError(Exception):
    """The state database cannot be opened or is from an incompatible version."""


def _same_records(a: Roster, b: Roster) -> bool:
    """The same records in the same order (what makes the same JSON text)."""
    return a.school_year == b.school_year and all(
        len(x) == len(y) and all(map(operator.eq, x.items(), y.items()))
        for x, y in ((a.schools, b.schools), (a.classes, b.classes), (a.people, b.people),
                     (a.absent, b.absent)))


def _roster_parts(roster: Roster) -> Object:
    """:meth:`Roster.to_json` as parts for :func:`pack`."""
    return Object({
        "school_year": roster.school_year,
        "schools": Array(roster.schools.values(), record_json),
        "classes": Array(roster.classes.values(), record_json),
        "people": Array(roster.people.values(), record_json),
        "absent": Array(roster.absent.values(), record_json),
    })


def _decision_json(d: Decision) -> dict[str, Any]:
    return {"rule": d.rule, "action": d.action, "subject": d.subject, "target": d.target,
            "fields": dict(d.fields)}


def _plan_parts(plan: Plan) -> Object:
    """What ``plans`` keeps of a plan (:func:`plan_to_json` less its rosters), as parts for
    :func:`pack`."""
    return Object({
        "id": plan.id, "export_sha256": plan.export_sha256, "created_at": plan.created_at,
        "refused": plan.refused, "decisions": Array(plan.decisions, _decision_json),
        "target_ids": getattr(plan, "target_ids", {}),
    })


def _uncommitted_parts(plan: Plan, commit: dict[str, Any]) -> Object:
    """What ``uncommitted`` keeps of a plan being delivered (its rosters, and the ``commit``),
    as parts for :func:`pack`."""
    return Object({
        "roster": _roster_parts(plan.roster),
        "previous": _roster_parts(plan.previous) if plan.previous else None,
        "commit": commit,
    })


#: compressed bytes of a snapshot inflated at a time when its text is only hashed (nothing
#: is parsed: larger pieces than :data:`pipeline.packed.READ_SIZE`, fewer calls)
HASH_READ_SIZE = 1 << 18


def _roster_from(pieces: Iterator[str]) -> Roster:
    """The roster of a stored snapshot's JSON text (:func:`_roster_parts`), read as it comes,
    its people made records as they are parsed (:func:`pipeline.model.people_hook`)."""
    reader = Pieces(pieces, json.JSONDecoder(object_hook=people_hook()))
    data: dict[str, Any] = {}
    for key in reader.members():
        data[key] = list(reader.array()) if reader.peek() == "[" else reader.value()
    reader.end()
    return Roster.from_json(data)


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """A plan as JSON-able data (decisions, roster, previous roster; never a password)."""
    return {
        "id": plan.id, "export_sha256": plan.export_sha256, "created_at": plan.created_at,
        "refused": plan.refused, "roster": plan.roster.to_json(),
        "previous": plan.previous.to_json() if plan.previous else None,
        "decisions": [_decision_json(d) for d in plan.decisions],
        "target_ids": getattr(plan, "target_ids", {}),
    }


def plan_from_json(data: dict[str, Any]) -> Plan:
    plan = Plan(
        id=data["id"], export_sha256=data["export_sha256"], created_at=data["created_at"],
        roster=Roster.from_json(data["roster"]),
        previous=Roster.from_json(data["previous"]) if data.get("previous") else None,
        decisions=[Decision(**d) for d in data["decisions"]], refused=bool(data["refused"]))
    plan.target_ids = data.get("target_ids") or {}
    return plan


class State:
    """The state database at ``path`` (created with its folders on first use).

    Use as a context manager or call :meth:`close`. One connection, serialized by a lock, so
    the orchestration and delivery may share it from one process.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Names and ids of every pupil live here: owner-only, like the kept exports.
            # SQLite gives its -wal and -shm files the database file's mode.
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
            self.conn = sqlite3.connect(self.path, timeout=30, isolation_level=None,
                                        check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.executescript(SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise StateError(f"cannot open the state database {self.path}: {exc}") from None
        self.lock = threading.RLock()
        self._depth = 0
        version = self.meta("schema_version")
        if version is None:
            with self.transaction():
                self.set_meta("schema_version", str(SCHEMA_VERSION))
        elif version != str(SCHEMA_VERSION):
            raise StateError(f"{self.path}: state schema {version}, this renkei reads "
                             f"{SCHEMA_VERSION}")

    def __repr__(self) -> str:
        return f"State({str(self.path)!r})"

    def __enter__(self) -> State:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (or ``ROLLBACK`` on any exception); nests."""
        with self.lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self.conn
                finally:
                    self._depth -= 1
                return
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                self._depth = 0

    # --- meta and the installation salt ---------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self.transaction() as c:
            c.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE "
                      "SET value = excluded.value", (key, value))

    def installation_salt(self, configured: str | None = None) -> str:
        """The salt stable ids derive from: made once per installation (so two municipalities
        never share ids), or the configured one when an installation is moved."""
        with self.transaction():
            salt = self.meta("installation_salt")
            if salt is None:
                salt = configured or secrets.token_hex(16)
                self.set_meta("installation_salt", salt)
            return salt

    # --- key map ----------------------------------------------------------------------------
    def keymap(self, kind: str, target: str = "") -> dict[str, str]:
        """Stable key → sourcedId for ``kind`` (``person``, ``school``, ``class``)."""
        # NOT INDEXED: one pass over the table in row order. Through the primary key's index
        # each row is a lookup of its own in key order, at random in the table (a city's
        # 230k people: 0.64 s against 0.16 s for the pass, 25x Tsukuba's time for 10x rows).
        rows = self.conn.execute("SELECT key, sourced_id FROM keymap NOT INDEXED WHERE "
                                 "kind = ? AND target = ?", (kind, target))
        return dict(rows.fetchall())

    def keymap_targets(self, kind: str) -> dict[str, dict[str, str]]:
        """Per-target ids that differ from the main one: target → key → sourcedId."""
        out: dict[str, dict[str, str]] = {}
        for key, target, sid in self.conn.execute(
                "SELECT key, target, sourced_id FROM keymap WHERE kind = ? AND target != ''",
                (kind,)):
            out.setdefault(target, {})[key] = sid
        return out

    def keymap_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM keymap LIMIT 1").fetchone() is None

    def put_keys(self, rows: Iterable[Sequence[str]], when: str) -> None:
        """Insert (kind, key, target, sourced_id, origin) rows (tuples, or lists as a stored
        commit gives them back); existing keys keep their id."""
        with self.transaction() as c:
            # a generator, not a list: a city's rows are not copied once more to be inserted
            c.executemany(
                "INSERT OR IGNORE INTO keymap (kind, key, target, sourced_id, first_seen, origin)"
                " VALUES (?, ?, ?, ?, ?, ?)", ((k, key, t, s, when, o) for k, key, t, s, o in rows))

    # --- snapshots and plans ----------------------------------------------------------------
    def previous_roster(self) -> Roster | None:
        """The roster last applied (None before the first), read from its blob a piece at a
        time: a city's is 20 MB packed, 80 MB of JSON, and never held whole."""
        row = self.conn.execute("SELECT id FROM snapshots ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return None
        with self.conn.blobopen("snapshots", "roster", row[0], readonly=True) as blob:
            return _roster_from(inflated(blob.read))

    def save_snapshot(self, plan_id: str, roster: Roster, when: str, *,
                      previous: Roster | None = None) -> bool:
        """Store ``roster`` as the newest snapshot; False when the newest already holds it.

        :param previous: the roster the plan was made against. When ``roster`` has its
            records in the same order (a no-change night), its JSON text is hashed (not
            compressed) and compared with the newest snapshot's: the same text stores
            nothing, so the five snapshots kept are five that differ, not five copies of a
            quiet week's roster.
        """
        with self.transaction() as c:
            if (previous is not None and _same_records(previous, roster)
                    and self._newest_snapshot_is(text_sha256(_roster_parts(roster)))):
                return False
            c.execute("INSERT INTO snapshots (plan_id, created_at, roster) VALUES (?, ?, ?)",
                      (plan_id, when, pack(_roster_parts(roster))))
            c.execute("DELETE FROM snapshots WHERE id NOT IN (SELECT id FROM snapshots "
                      "ORDER BY id DESC LIMIT ?)", (KEEP_SNAPSHOTS,))
            return True

    def _newest_snapshot_is(self, text_sha256: str) -> bool:
        """Whether the newest snapshot's JSON text has this SHA-256 (inflated and hashed a
        piece at a time: cheaper than encoding and compressing a roster)."""
        row = self.conn.execute("SELECT id FROM snapshots ORDER BY id DESC LIMIT 1").fetchone()
        if row is None:
            return False
        sha, inflate = hashlib.sha256(), zlib.decompressobj()
        with self.conn.blobopen("snapshots", "roster", row[0], readonly=True) as blob:
            while piece := blob.read(HASH_READ_SIZE):
                sha.update(inflate.decompress(piece))
        sha.update(inflate.flush())
        return inflate.eof and sha.hexdigest() == text_sha256

    def save_plan(self, plan: Plan, status: str, summary: dict[str, Any],
                  commit: dict[str, Any] | None = None) -> None:
        """Store ``plan``'s decisions; while it is to be delivered (:data:`UNCOMMITTED`: the
        status ``applying``), also its rosters and ``commit`` (what the state becomes once it
        is applied), which finishing it after a crash reads.

        A plan saved in any other status (refused, a dry run, a no-change night) is never
        delivered from here: its rosters are not stored. A no-change night at 230,000 pupils
        stores 64 KB (its reports), where its roster and the previous one were 42 MB a
        night (15 GB a year).
        """
        with self.transaction() as c:
            # the body is written once: saved again, a plan only changes its status
            c.execute(
                "INSERT INTO plans (id, created_at, export_sha256, status, refused, summary, body)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET status = "
                "excluded.status, summary = excluded.summary",
                (plan.id, plan.created_at, plan.export_sha256, status, int(plan.refused),
                 json.dumps(summary, ensure_ascii=False), pack(_plan_parts(plan))))
            if status in UNCOMMITTED:
                c.execute("INSERT OR IGNORE INTO uncommitted (plan_id, body) VALUES (?, ?)",
                          (plan.id, pack(_uncommitted_parts(plan, commit or {}))))
            else:
                c.execute("DELETE FROM uncommitted WHERE plan_id = ?", (plan.id,))

    def set_plan_status(self, plan_id: str, status: str) -> None:
        """Move a plan to ``status``; out of :data:`UNCOMMITTED`, its rosters are dropped."""
        # a row already in that status is left alone: an UPDATE rewrites the whole row
        with self.transaction() as c:
            c.execute("UPDATE plans SET status = ? WHERE id = ? AND status != ?",
                      (status, plan_id, status))
            if status not in UNCOMMITTED:
                c.execute("DELETE FROM uncommitted WHERE plan_id = ?", (plan_id,))

    def load_plan(self, plan_id: str) -> Plan | None:
        """The plan with its rosters; None if there is none, or if it is finished (its
        rosters were not kept: only a plan still to be delivered is loaded)."""
        data = self._plan_data(plan_id)
        return plan_from_json(data) if data is not None else None

    def load_commit(self, plan_id: str) -> dict[str, Any]:
        """What the state becomes once the plan is applied ({} as for :meth:`load_plan`)."""
        data = self._plan_data(plan_id)
        return dict(data.get("commit") or {}) if data is not None else {}

    def _plan_data(self, plan_id: str) -> dict[str, Any] | None:
        row = self.conn.execute("SELECT body FROM plans WHERE id = ?", (plan_id,)).fetchone()
        if row is None:
            return None
        data: dict[str, Any] = unpack(row[0])
        if "roster" not in data:  # kept apart (an earlier renkei kept them in the body)
            kept = self.conn.execute("SELECT body FROM uncommitted WHERE plan_id = ?",
                                     (plan_id,)).fetchone()
            if kept is None:
                return None
            data.update(unpack(kept[0]))
        return data

    def plan_rows(self, limit: int = 20) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT id, created_at, export_sha256, status, refused, summary "
                                 "FROM plans ORDER BY created_at DESC, rowid DESC LIMIT ?",
                                 (limit,)).fetchall()
        return [{"id": i, "created_at": c, "export_sha256": e, "status": s,
                 "refused": bool(r), "summary": json.loads(m)} for i, c, e, s, r, m in rows]

    def plans_with_status(self, *statuses: str) -> list[str]:
        marks = ",".join("?" * len(statuses))
        rows = self.conn.execute(f"SELECT id FROM plans WHERE status IN ({marks}) "
                                 "ORDER BY created_at, rowid", statuses)
        return [r[0] for r in rows]

    def storage(self) -> dict[str, Any]:
        """What the state holds, in bytes: the database (its free pages, which SQLite reuses,
        apart), snapshots, plans (and those an earlier renkei stored whole, rosters inside),
        plans being delivered, and the received exports kept on disk."""
        def total(sql: str) -> dict[str, int]:
            count, size = self.conn.execute(sql).fetchone()
            return {"count": int(count), "bytes": int(size or 0)}

        whole = self.plans_stored_whole()
        received = [Path(r["path"]) for r in self.received()]
        page = self.conn.execute("PRAGMA page_size").fetchone()[0]
        return {
            "path": str(self.path),
            "file_bytes": sum(f.stat().st_size for f in (self.path, Path(f"{self.path}-wal"))
                              if f.exists()),
            "free_bytes": page * self.conn.execute("PRAGMA freelist_count").fetchone()[0],
            "snapshots": total("SELECT count(*), sum(length(roster)) FROM snapshots"),
            "plans": total("SELECT count(*), sum(length(body)) FROM plans"),
            "plans_stored_whole": {"count": len(whole),
                                   "bytes": sum(size for _, _, _, size in whole)},
            "uncommitted": total("SELECT count(*), sum(length(body)) FROM uncommitted"),
            "received": {"count": len(received),
                         "bytes": sum(f.stat().st_size for f in received if f.exists())},
        }

    def plans_stored_whole(self) -> list[tuple[int, str, str, int]]:
        """(rowid, id, status, bytes) of the plans an earlier renkei stored with their
        rosters in the body (:mod:`pipeline.compact`); only each body's first keys are read."""
        whole = []
        for rowid, plan_id, status, size in self.conn.execute(
                "SELECT rowid, id, status, length(body) FROM plans ORDER BY rowid").fetchall():
            with self.conn.blobopen("plans", "body", rowid, readonly=True) as blob:
                head = zlib.decompressobj().decompress(blob.read(1024), 2048)
            if b'"refused":false,"roster":' in head or b'"refused":true,"roster":' in head:
                whole.append((int(rowid), str(plan_id), str(status), int(size)))
        return whole

    # --- run log ----------------------------------------------------------------------------
    def start_run(self, when: str, *, dry_run: bool) -> int:
        with self.transaction() as c:
            cur = c.execute("INSERT INTO runs (started_at, dry_run, status) VALUES (?, ?, ?)",
                            (when, int(dry_run), "running"))
            return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, when: str, *, status: str, exit_code: int,
                   plan_id: str | None, export_sha256: str | None,
                   summary: dict[str, Any]) -> None:
        with self.transaction() as c:
            c.execute("UPDATE runs SET finished_at = ?, status = ?, exit_code = ?, plan_id = ?, "
                      "export_sha256 = ?, summary = ? WHERE id = ?",
                      (when, status, exit_code, plan_id, export_sha256,
                       json.dumps(summary, ensure_ascii=False), run_id))

    def runs(self, limit: int = 10) -> list[dict[str, Any]]:
        rows = self.conn.execute(
            "SELECT id, started_at, finished_at, plan_id, export_sha256, dry_run, status, "
            "exit_code, summary FROM runs ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        keys = ("id", "started_at", "finished_at", "plan_id", "export_sha256", "dry_run",
                "status", "exit_code", "summary")
        out = [dict(zip(keys, r, strict=True)) for r in rows]
        for r in out:
            r["summary"] = json.loads(r["summary"] or "{}")
            r["dry_run"] = bool(r["dry_run"])
        return out

    # --- holds and absent people -----------------------------------------------------------
    def holds(self) -> dict[str, dict[str, Any]]:
        rows = self.conn.execute("SELECT umi, since, last_seen, rules, detail FROM holds")
        return {u: {"since": s, "last_seen": last, "rules": json.loads(r),
                    "detail": json.loads(d)} for u, s, last, r, d in rows}

    def replace_holds(self, holds: dict[str, tuple[list[str], list[dict[str, str]]]],
                      when: str) -> None:
        """Set the open holds to exactly ``holds`` (umi → (rule ids, decision fields))."""
        with self.transaction() as c:
            old = {u: s for u, s in c.execute("SELECT umi, since FROM holds")}
            c.execute("DELETE FROM holds")
            c.executemany("INSERT INTO holds (umi, since, last_seen, rules, detail) VALUES "
                          "(?, ?, ?, ?, ?)",
                          [(u, old.get(u, when), when, json.dumps(rules),
                            json.dumps(detail, ensure_ascii=False))
                           for u, (rules, detail) in holds.items()])

    def absent(self) -> dict[str, dict[str, Any]]:
        rows = self.conn.execute("SELECT umi, since, record, disabled_at, reason FROM absent")
        return {u: {"since": s, "record": json.loads(r), "disabled_at": d, "reason": why}
                for u, s, r, d, why in rows}

    def replace_absent(self, absent: dict[str, dict[str, Any]]) -> None:
        with self.transaction() as c:
            c.execute("DELETE FROM absent")
            c.executemany(
                "INSERT INTO absent (umi, since, record, disabled_at, reason) VALUES "
                "(?, ?, ?, ?, ?)",
                [(u, a["since"], json.dumps(a["record"], ensure_ascii=False),
                  a.get("disabled_at"), a.get("reason", "missing")) for u, a in absent.items()])

    # --- received files -----------------------------------------------------------------------
    def add_received(self, sha256: str, filename: str, path: str, size: int, when: str,
                     origin: str) -> bool:
        """Record a kept export; False when the same bytes were received before."""
        with self.transaction() as c:
            cur = c.execute("INSERT OR IGNORE INTO received (sha256, filename, path, size, "
                            "received_at, origin) VALUES (?, ?, ?, ?, ?, ?)",
                            (sha256, filename, path, size, when, origin))
            return cur.rowcount == 1

    def mark_quarantined(self, sha256: str, note: str) -> None:
        with self.transaction() as c:
            c.execute("UPDATE received SET quarantined = 1, note = ? WHERE sha256 = ?",
                      (note, sha256))

    def received(self) -> list[dict[str, Any]]:
        rows = self.conn.execute("SELECT sha256, filename, path, size, received_at, origin, "
                                 "quarantined, note FROM received ORDER BY received_at, rowid")
        keys = ("sha256", "filename", "path", "size", "received_at", "origin", "quarantined",
                "note")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def forget_received(self, sha256s: list[str]) -> None:
        with self.transaction() as c:
            c.executemany("DELETE FROM received WHERE sha256 = ?", [(s,) for s in sha256s])
