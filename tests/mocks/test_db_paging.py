"""mocks.base.db.page_rows: a page walk answers exactly what LIMIT/OFFSET and count(*) answer,
also when the table changes between pages (through this connection or another one), in rowid
order and in a unique column's (the drill app's users by sourcedId)."""

from __future__ import annotations

import random
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from mocks.base.db import page_rows


@pytest.fixture(params=["rowid", "sourced_id"])
def order(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _naive(conn: sqlite3.Connection, limit: int, offset: int, order: str = "rowid"
           ) -> tuple[list[str], int]:
    total = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    rows = conn.execute(f"SELECT name FROM items ORDER BY {order} LIMIT ? OFFSET ?",
                        (limit, offset)).fetchall()
    return [r[0] for r in rows], total


def _paged(conn: sqlite3.Connection, positions: dict[str, Any], limit: int,
           offset: int, order: str = "rowid") -> tuple[list[str], int]:
    rows, total = page_rows(conn, "items", limit=limit, offset=offset, positions=positions,
                            order=order)
    return [r["name"] for r in rows], total


@pytest.fixture(params=["file", "memory"])
def two_connections(request: pytest.FixtureRequest, tmp_path: Path):
    """Two connections to one database: a WAL file, or a shared-cache memory database."""
    if request.param == "file":
        target, uri = str(tmp_path / "paging.sqlite"), False
    else:
        target, uri = f"file:paging-{uuid.uuid4().hex}?mode=memory&cache=shared", True
    conns = [sqlite3.connect(target, uri=uri, isolation_level=None) for _ in range(2)]
    for conn in conns:
        conn.row_factory = sqlite3.Row
    if not uri:
        conns[0].execute("PRAGMA journal_mode = WAL")
    conns[0].execute("CREATE TABLE items (sourced_id TEXT PRIMARY KEY, name TEXT)")
    yield conns
    for conn in conns:
        conn.close()


def _insert(conn: sqlite3.Connection, names: list[str]) -> None:
    with conn:  # one transaction, not a commit per row
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO items VALUES (?, ?)", [(n, n) for n in names])


def test_a_walk_gives_every_row_once_in_order(two_connections, order: str) -> None:
    reader, _ = two_connections
    names = [f"u{i:04d}" for i in range(1, 2501)]
    random.Random(7).shuffle(names)  # the key's order is not the rowids'
    _insert(reader, names)
    reader.execute("DELETE FROM items WHERE sourced_id LIKE '%7'")  # gaps in the rowids
    positions: dict[str, Any] = {}
    seen: list[str] = []
    for offset in range(0, 2500, 100):
        page = _paged(reader, positions, 100, offset, order)
        assert page == _naive(reader, 100, offset, order)
        seen += page[0]
    assert seen == _naive(reader, 10**6, 0, order)[0]
    assert len(seen) == 2250 and (seen == sorted(seen)) == (order == "sourced_id")


@pytest.mark.parametrize("who", ["this connection", "another connection"])
def test_a_change_between_pages_is_seen(two_connections, who: str, order: str) -> None:
    reader, other = two_connections
    writer = reader if who == "this connection" else other
    _insert(reader, [f"u{i:04d}" for i in range(1, 301)])
    positions: dict[str, Any] = {}
    assert _paged(reader, positions, 100, 0, order) == _naive(reader, 100, 0, order)
    # a row before the next page's start goes, and one is added at the end: the next page
    # shifts by one and the count stays the same, which a stale position would miss
    writer.execute("DELETE FROM items WHERE sourced_id = 'u0050'")
    _insert(writer, ["u9999"])
    assert _paged(reader, positions, 100, 100, order) == _naive(reader, 100, 100, order)
    assert _paged(reader, positions, 100, 200, order) == _naive(reader, 100, 200, order)
    writer.execute("UPDATE items SET name = 'renamed' WHERE sourced_id = 'u0250'")
    assert _paged(reader, positions, 100, 200, order) == _naive(reader, 100, 200, order)


def test_random_reads_and_writes_agree_with_offset_paging(two_connections, order: str
                                                          ) -> None:
    reader, other = two_connections
    rng = random.Random(18)
    positions: dict[str, Any] = {}
    next_id = 0
    for _step in range(400):
        action = rng.random()
        if action < 0.15:
            conn = rng.choice(two_connections)
            _insert(conn, [f"n{rng.randrange(10**6):06d}-{next_id + i}"
                           for i in range(rng.randint(1, 30))])
            next_id += 30
        elif action < 0.25:
            rng.choice(two_connections).execute(
                "DELETE FROM items WHERE rowid IN (SELECT rowid FROM items ORDER BY random() "
                "LIMIT ?)", (rng.randint(1, 10),))
        elif action < 0.3:
            # a rolled-back write leaves the rows as they were
            other.execute("BEGIN")
            other.execute("INSERT INTO items VALUES ('rolled-back', '')")
            other.execute("ROLLBACK")
        else:
            limit = rng.choice([1, 7, 50])
            offset = rng.choice([0, limit, 2 * limit, rng.randint(0, 400)])
            assert (_paged(reader, positions, limit, offset, order)
                    == _naive(reader, limit, offset, order))
