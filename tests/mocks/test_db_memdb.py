"""DATABASE_MEMDB (the m365 mock's default): a memory database in SQLite's memdb VFS. The state
is one database for every thread's connection and for the keeper, each app has its own, a
savepoint undoes only its own writes, and no journal file is left on disk."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

import pytest

import mocks
from mocks.base.db import close_app_db, database, db_transaction, get_db, savepoint


def test_m365_keeps_a_memory_database_in_memdb() -> None:
    app = mocks.create_app("m365", {"DATABASE": ":memory:"})
    other = mocks.create_app("lgate", {"DATABASE": ":memory:"})
    try:
        assert database(app).memdb and "vfs=memdb" in database(app).target
        assert not database(other).memdb and "cache=shared" in database(other).target
    finally:
        close_app_db(app)
        close_app_db(other)


@pytest.mark.parametrize("memdb", [False, True])
def test_one_database_for_every_thread_and_none_shared_between_apps(memdb: bool) -> None:
    first = mocks.create_app("m365", {"DATABASE": ":memory:", "DATABASE_MEMDB": memdb})
    second = mocks.create_app("m365", {"DATABASE": ":memory:", "DATABASE_MEMDB": memdb})
    try:
        with first.app_context(), db_transaction() as conn:
            conn.execute("CREATE TABLE probe (x)")
            conn.execute("INSERT INTO probe VALUES (1)")
        seen: list[object] = []

        def read() -> None:  # another thread: its own kept connection
            with first.app_context():
                seen.append(get_db().execute("SELECT x FROM probe").fetchall()[0][0])

        thread = threading.Thread(target=read)
        thread.start()
        thread.join()
        assert seen == [1]
        keeper = database(first).keeper
        assert keeper is not None
        assert [tuple(r) for r in keeper.execute("SELECT x FROM probe")] == [(1,)]
        with second.app_context(), pytest.raises(sqlite3.OperationalError, match="no such"):
            get_db().execute("SELECT x FROM probe")
    finally:
        close_app_db(first)
        close_app_db(second)


def test_a_savepoint_undoes_its_own_writes_and_no_journal_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a journal beside a relative or root path would show here
    app = mocks.create_app("m365", {"DATABASE": ":memory:"})
    try:
        with app.app_context():
            with db_transaction() as conn:
                conn.execute("CREATE TABLE probe (x)")
                conn.execute("INSERT INTO probe VALUES (1)")
                with savepoint() as mark:
                    conn.execute("INSERT INTO probe VALUES (2)")
                    mark.undo()
                with savepoint():
                    conn.execute("INSERT INTO probe VALUES (3)")
            assert [r[0] for r in get_db().execute("SELECT x FROM probe ORDER BY x")] == [1, 3]
            assert get_db().execute("PRAGMA journal_mode").fetchone()[0] == "memory"
        name = database(app).target.split("?")[0].removeprefix("file:")
        assert not os.path.exists(name + "-journal")
        assert list(tmp_path.iterdir()) == []
    finally:
        close_app_db(app)
