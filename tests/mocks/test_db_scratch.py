"""DATABASE_SCRATCH (a launch worker's private copy, thrown away after its slice): the journal
stays in memory and nothing is synced, so a commit writes its pages once, into the file.
Transactions still roll back; what was committed is in the file for the next reader."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import mocks
from mocks.base.db import close_app_db, db_transaction, get_db
from scenarios.launches import private_config
from scenarios.vendors import NAMES


def _app(path: Path, scratch: bool):
    return mocks.create_app("lgate", {"DATABASE": str(path), "DATABASE_SCRATCH": scratch})


@pytest.mark.parametrize("scratch", [False, True])
def test_a_scratch_database_keeps_its_journal_in_memory(tmp_path: Path, scratch: bool) -> None:
    path = tmp_path / "lgate.sqlite3"
    app = _app(path, scratch)
    try:
        with app.app_context():
            conn = get_db()
            mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
            synchronous = conn.execute("PRAGMA synchronous").fetchone()[0]
            with db_transaction() as tx:
                tx.execute("CREATE TABLE probe (x)")
                tx.execute("INSERT INTO probe VALUES (1)")
        assert (mode, synchronous) == (("memory", 0) if scratch else ("wal", 1))
        # no write-ahead log beside a scratch file: the commit went into the file itself
        assert Path(f"{path}-wal").exists() is not scratch
    finally:
        close_app_db(app)
    reader = sqlite3.connect(path)
    try:
        assert reader.execute("SELECT x FROM probe").fetchall() == [(1,)]
    finally:
        reader.close()


def test_a_scratch_database_still_rolls_back(tmp_path: Path) -> None:
    app = _app(tmp_path / "lgate.sqlite3", True)
    try:
        with app.app_context():
            with db_transaction() as tx:
                tx.execute("CREATE TABLE probe (x)")
            with pytest.raises(RuntimeError), db_transaction() as tx:
                tx.execute("INSERT INTO probe VALUES (2)")
                raise RuntimeError("the request failed half way")
            assert get_db().execute("SELECT count(*) FROM probe").fetchone()[0] == 0
    finally:
        close_app_db(app)


def test_a_copy_of_a_wal_file_opens_as_scratch(tmp_path: Path) -> None:
    """A worker's file is a copy of the parent's (a WAL database): scratch switches it."""
    path = tmp_path / "lgate.sqlite3"
    first = _app(path, False)
    with first.app_context(), db_transaction() as tx:
        tx.execute("CREATE TABLE probe (x)")
        tx.execute("INSERT INTO probe VALUES (3)")
    close_app_db(first)
    again = _app(path, True)
    try:
        with again.app_context():
            conn = get_db()
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "memory"
            assert [tuple(r) for r in conn.execute("SELECT x FROM probe")] == [(3,)]
    finally:
        close_app_db(again)


def test_a_launch_worker_world_is_private_and_scratch() -> None:
    spec = {"config": {"tsubasa_book": {"REJECT_LAUNCHES": "licence server down"}}}
    config = private_config(spec)
    assert set(config) == set(NAMES)
    for name in NAMES:
        assert config[name]["DATABASE_EXCLUSIVE"] is True
        assert config[name]["DATABASE_SCRATCH"] is True
    assert config["tsubasa_book"]["REJECT_LAUNCHES"] == "licence server down"
