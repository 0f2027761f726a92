"""SQLite state of a mock: a file (WAL) or a shared ``:memory:``, one kept connection per thread.

Each thread that serves requests keeps its connection between requests (a fresh connection
would re-read the schema and start with a cold page cache: about half the cost of a small
request). A request that ends inside a transaction has it rolled back at teardown, so the next
request on that thread starts clean. A forked child never uses its parent's connections: it opens
its own on first use.

``:memory:`` would give every connection its own empty database, so a memory database is a
unique shared-cache URI (``file:renkei-<name>-<uuid>?mode=memory&cache=shared``) kept alive by
a keeper connection that lives as long as the app. Shared-cache connections lock whole tables
and do not wait for each other, so requests on a memory database take the app's lock for as
long as they hold a connection: the mock's requests run one at a time, which is what a
single-writer SQLite does anyway.

With ``DATABASE_MEMDB`` set (the m365 mock's default), a memory database lives in SQLite's
memdb VFS instead (``file:/renkei-<name>-<uuid>?vfs=memdb``): each connection keeps its own
small page cache over one shared buffer, and the app's lock still runs requests one at a time.
Why: a shared-cache memory database keeps every page in one cache, and SQLite 3.40's B-tree
balancing re-keys pages through page number 262,145, so a COMMIT after a page split walks that
whole cache: O(pages) a commit. A mock that commits once per small request (Graph's ``$batch``:
one commit per 20 users) paid that walk tens of thousands of times. memdb stops a database at
1 GiB (SQLite's default, not settable from Python), so it is for mocks whose state stays small
(m365 at 228,810 users: 105 MB), not for the bulk importers' (470-550 MB at that size).

With ``DATABASE_SCRATCH`` set (a launch worker's private copy of a file, thrown away after its
slice), the file keeps its rollback journal in memory and is never synced: a commit writes its
pages once, into the file, where a WAL writes them twice (the log, then the checkpoint).
Transactions still roll back; only a crash would lose the copy.

One consequence for views: on a memory database served over loopback, a view that holds a
connection must not make an outbound call that comes back to the same mock (the call back
would wait for the lock the view holds). Call peers before the first :func:`get_db`, or after
the work is committed. In-process the call back runs on the same thread and re-enters the lock.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app

from harness.lti.flaskctx import app_context

MEMORY = ":memory:"
#: connections a forked child inherited from its parent (see Database.thread_connection)
_INHERITED: list[sqlite3.Connection] = []


@dataclass
class Database:
    """Where an app's state lives and how to connect to it."""

    target: str
    uri: bool
    memory: bool
    lock: threading.RLock = field(default_factory=threading.RLock)
    keeper: sqlite3.Connection | None = None
    #: the file is one process's and one connection's at a time (``DATABASE_EXCLUSIVE``)
    exclusive: bool = False
    #: a memory database in the memdb VFS, not the shared cache (``DATABASE_MEMDB``)
    memdb: bool = False
    #: the file is a working copy nobody keeps (``DATABASE_SCRATCH``): journal in memory,
    #: nothing synced
    scratch: bool = False
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _kept: list[sqlite3.Connection] = field(default_factory=list, repr=False)
    _kept_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def thread_connection(self) -> sqlite3.Connection:
        """This thread's kept connection, opened on first use (and again in a forked child)."""
        local: Any = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is not None and local.pid == os.getpid():
            return conn
        if conn is not None:
            # inherited through fork: never used nor closed here (SQLite forbids carrying a
            # connection across fork), only kept from the garbage collector's close
            _INHERITED.append(conn)
        conn = local.conn = self.connect()
        local.pid = os.getpid()
        local.positions = {}
        with self._kept_lock:
            self._kept.append(conn)
        return conn

    def positions(self) -> dict[str, Any]:
        """This thread's :func:`page_rows` positions (kept with its connection)."""
        self.thread_connection()
        positions: dict[str, Any] = self._local.positions
        return positions

    def close(self) -> None:
        """Close every kept connection this process opened (the app is done with its state)."""
        with self._kept_lock:
            kept, self._kept = self._kept, []
            self._local = threading.local()
        for conn in kept:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def connect(self) -> sqlite3.Connection:
        """A new connection (rows as ``sqlite3.Row``, autocommit; transactions explicit)."""
        conn = sqlite3.connect(self.target, uri=self.uri, check_same_thread=False,
                               isolation_level=None, timeout=30)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        if self.memdb:
            # memdb holds only the main database: a rollback journal would be a real file
            conn.execute("PRAGMA journal_mode = MEMORY")
        if not self.memory:
            conn.execute("PRAGMA busy_timeout = 30000")
            if self.exclusive:
                # set before the first access: no shared-memory WAL index, and the lock is
                # taken once and kept (a launch makes ~18 fcntl calls without it)
                conn.execute("PRAGMA locking_mode = EXCLUSIVE")
            if self.scratch:
                # a copy thrown away after use (see the module doc): the journal in memory,
                # so a commit writes its pages once, into the file; never synced
                conn.execute("PRAGMA journal_mode = MEMORY")
                conn.execute("PRAGMA synchronous = OFF")
            else:
                # WAL + NORMAL: a commit survives the process dying (kill -9 included) but is
                # not fsynced one by one; a mock's state need not outlive a power cut, and a
                # city's provisioning is tens of thousands of commits
                conn.execute("PRAGMA synchronous = NORMAL")
        return conn


def init_app(app: Flask, name: str, schema_sql: str) -> Database:
    """Open the app's database (creating its tables) and close connections at teardown."""
    setting = app.config.get("DATABASE")
    if setting in (None, ""):
        os.makedirs(app.instance_path, exist_ok=True)
        setting = os.path.join(app.instance_path, f"{name}.sqlite")
        app.config["DATABASE"] = setting
    setting = os.fspath(setting)
    if setting == MEMORY:
        memdb = bool(app.config.get("DATABASE_MEMDB"))
        # memdb shares a database between connections when its name starts with "/"
        target = (f"file:/renkei-{name}-{uuid.uuid4().hex}?vfs=memdb" if memdb else
                  f"file:renkei-{name}-{uuid.uuid4().hex}?mode=memory&cache=shared")
        db = Database(target=target, uri=True, memory=True, memdb=memdb)
        db.keeper = db.connect()
    else:
        parent = os.path.dirname(os.path.abspath(setting))
        os.makedirs(parent, exist_ok=True)
        db = Database(target=setting, uri=False, memory=False,
                      exclusive=bool(app.config.get("DATABASE_EXCLUSIVE")),
                      scratch=bool(app.config.get("DATABASE_SCRATCH")))
    conn = db.connect()
    try:
        if not db.memory and not db.scratch:
            # WAL lets waitress's threads read while one of them writes
            conn.execute("PRAGMA journal_mode = WAL")
        if schema_sql:
            conn.executescript(schema_sql)
    finally:
        conn.close()
    app.extensions["renkei_db"] = db
    app.teardown_appcontext(_close_db)
    return db


def database(app: Flask | None = None) -> Database:
    """The :class:`Database` of ``app`` (default: the current app)."""
    db: Database = (app or current_app).extensions["renkei_db"]
    return db


def get_db() -> sqlite3.Connection:
    """The current request's connection to the app's state (the thread's kept connection)."""
    ctx = app_context()
    conn: sqlite3.Connection | None = ctx.g.get("_renkei_db")
    if conn is None:
        db = database(ctx.app)
        if db.memory:
            db.lock.acquire()
            ctx.g._renkei_db_locked = db.lock
        conn = ctx.g._renkei_db = db.thread_connection()
    return conn


@contextlib.contextmanager
def db_transaction() -> Iterator[sqlite3.Connection]:
    """Run the block as one transaction: committed when it ends, rolled back if it raises.

    Nested use joins the outer transaction: use :func:`savepoint` inside it for a part that
    must be undone on its own.
    """
    conn = get_db()
    if conn.in_transaction:
        yield conn
        return
    # IMMEDIATE takes the write lock up front: two writers never deadlock upgrading a read lock
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextlib.contextmanager
def savepoint(name: str = "item") -> Iterator[Savepoint]:
    """A SAVEPOINT inside the current transaction (:func:`db_transaction`): rolled back to
    when the block raises, or when it calls :meth:`Savepoint.undo` (a failed batch item that
    answered an error instead of raising), released otherwise. Only what the block wrote is
    undone; the transaction goes on."""
    conn = get_db()
    if not conn.in_transaction:
        raise RuntimeError("savepoint() needs an open db_transaction()")
    mark = Savepoint(conn, name)
    conn.execute(f'SAVEPOINT "{name}"')
    try:
        yield mark
    except BaseException:
        mark.undo()
        raise
    finally:
        conn.execute(f'RELEASE "{name}"')


class Savepoint:
    """An open savepoint of :func:`savepoint`."""

    def __init__(self, conn: sqlite3.Connection, name: str) -> None:
        self.conn, self.name, self.undone = conn, name, False

    def undo(self) -> None:
        """Roll back everything written since the savepoint (once; the savepoint stays)."""
        if not self.undone:
            self.conn.execute(f'ROLLBACK TO "{self.name}"')
            self.undone = True


def _close_db(exc: BaseException | None = None) -> None:
    app_g = app_context().g
    conn = app_g.pop("_renkei_db", None)
    if conn is not None and conn.in_transaction:
        conn.execute("ROLLBACK")
    lock = app_g.pop("_renkei_db_locked", None)
    if lock is not None:
        lock.release()


def close_app_db(app: Flask) -> None:
    """Close the connections ``app``'s threads kept (call when done with the app)."""
    db = app.extensions.get("renkei_db")
    if db is not None:
        db.close()


def page_rows(conn: sqlite3.Connection, table: str, *, limit: int, offset: int,
              positions: dict[str, Any], order: str = "rowid") -> tuple[list[sqlite3.Row], int]:
    """One page of ``table`` in ``order`` (rowid, or a unique column such as the drill app's
    ``sourcedId``: ``LIMIT limit OFFSET offset``) and its row count.

    A reader walking a collection page by page asks for offset 0, limit, 2*limit, ...: with
    ``OFFSET`` and ``count(*)`` each page costs a scan of everything before it, so a whole walk
    is quadratic (230,000 users: 230 pages, each stepping over up to 229,000 rows). While the
    database is unchanged since the last page (no commit by another connection:
    ``PRAGMA data_version``; no change by this one: ``total_changes``) the count is reused and
    the page where the last one ended starts from its key. Same rows, same order, same count.
    ``positions`` is the caller's memo, kept per connection (:meth:`Database.positions`); a
    write neither sees (an online backup into this connection: the state import) must clear it.
    """
    version = (conn.execute("PRAGMA data_version").fetchone()[0], conn.total_changes)
    name = table if order == "rowid" else f"{table}/{order}"
    memo = positions.get(name)
    if memo is None or memo[0] != version:
        total = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        memo = positions[name] = (version, total, {})
    # rowid is not a column of "*": selected too, under its own name
    key, select = ("rowid", "*, rowid") if order == "rowid" else (f'"{order}"', "*")
    ends: dict[int, Any] = memo[2]
    after = ends.get(offset) if offset else None
    if after is not None:
        rows = conn.execute(f'SELECT {select} FROM "{table}" WHERE {key} > ? '
                            f"ORDER BY {key} LIMIT ?", (after, limit)).fetchall()
    else:
        rows = conn.execute(f'SELECT {select} FROM "{table}" ORDER BY {key} '
                            "LIMIT ? OFFSET ?", (limit, offset)).fetchall()
    if rows:
        if len(ends) >= 16:  # a few readers at once, not a city's worth of positions
            ends.clear()
        ends[offset + len(rows)] = rows[-1][order]
    return rows, memo[1]


def table_names(conn: sqlite3.Connection) -> list[str]:
    """Every user table of the database, in creation order."""
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY rowid").fetchall()
    return [r[0] for r in rows]


def delete_all_rows() -> None:
    """Empty every table (the default ``reset``), children first to satisfy foreign keys."""
    with db_transaction() as conn:
        conn.execute("PRAGMA defer_foreign_keys = ON")
        for name in reversed(table_names(conn)):
            conn.execute(f'DELETE FROM "{name}"')
