"""DATABASE_EXCLUSIVE (a launch worker's private copy): SQLite keeps the file's lock for the
connection's life, so no other connection gets in; without it, others read alongside."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import mocks
from mocks.base.db import close_app_db, db_transaction, get_db


@pytest.mark.parametrize("exclusive", [False, True])
def test_an_exclusive_database_keeps_its_lock(tmp_path: Path, exclusive: bool) -> None:
    path = tmp_path / "lgate.sqlite3"
    app = mocks.create_app("lgate", {"DATABASE": str(path), "DATABASE_EXCLUSIVE": exclusive})
    with app.app_context():
        with db_transaction() as conn:
            conn.execute("CREATE TABLE probe (x)")
            conn.execute("INSERT INTO probe VALUES (1)")
        assert get_db().execute("SELECT x FROM probe").fetchall()[0][0] == 1
    other = sqlite3.connect(path, timeout=0)
    try:
        if exclusive:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("SELECT x FROM probe").fetchall()
        else:
            assert other.execute("SELECT x FROM probe").fetchall() == [(1,)]
    finally:
        other.close()
        close_app_db(app)
