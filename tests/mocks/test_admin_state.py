"""mocks.base: ``GET /_admin/state/export`` and ``POST /_admin/state/import`` (the whole
database as one SQLite file, in and out)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask import Blueprint, Flask, jsonify

from mocks.base import MockSpec, create_mock_app, db_transaction, get_db
from mocks.base.admin import SQLITE_TYPE

SCHEMA = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"
OTHER_SCHEMA = "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body BLOB);"

bp = Blueprint("notes", __name__)


@bp.get("/notes")
def list_notes() -> Any:
    return jsonify([r["text"] for r in get_db().execute("SELECT text FROM notes ORDER BY id")])


@bp.post("/notes/<text>")
def add_note(text: str) -> Any:
    with db_transaction() as conn:
        conn.execute("INSERT INTO notes (text) VALUES (?)", (text,))
    return jsonify({"added": text}), 201


def _spec(schema: str = SCHEMA) -> MockSpec:
    return MockSpec(name="notes", title_ja="メモ", title_en="Notes", import_name=__name__,
                    schema_sql=schema, blueprints=(bp,))


def make(where: str | Path = ":memory:", schema: str = SCHEMA) -> Flask:
    return create_mock_app(_spec(schema), {"DATABASE": str(where)})


def with_notes(*texts: str, where: str | Path = ":memory:") -> Flask:
    app = make(where)
    client = app.test_client()
    for text in texts:
        assert client.post(f"/notes/{text}").status_code == 201
    return app


def export(app: Flask) -> bytes:
    resp = app.test_client().get("/_admin/state/export")
    assert resp.status_code == 200
    assert resp.mimetype == SQLITE_TYPE
    return resp.data


@pytest.mark.parametrize(("source", "target"), [("memory", "file"), ("file", "memory"),
                                                ("file", "file")])
def test_a_snapshot_imported_into_another_instance_gives_it_the_same_state(
        source: str, target: str, tmp_path: Path) -> None:
    a = with_notes("一", "二", where=":memory:" if source == "memory" else tmp_path / "a.db")
    b = with_notes("stale", where=":memory:" if target == "memory" else tmp_path / "b.db")
    resp = b.test_client().post("/_admin/state/import", data=export(a),
                                content_type=SQLITE_TYPE)
    assert resp.status_code == 200, resp.json
    assert resp.json["imported"] == "notes"
    assert b.test_client().get("/notes").json == ["一", "二"], "replaced, not merged"
    assert b.test_client().post("/notes/三").status_code == 201, "the instance writes on"
    assert a.test_client().get("/notes").json == ["一", "二"], "the source is untouched"


def test_a_file_target_keeps_its_own_journal_mode(tmp_path: Path) -> None:
    b = make(tmp_path / "b.db")
    b.test_client().post("/_admin/state/import", data=export(with_notes("x")))
    with sqlite3.connect(tmp_path / "b.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_snapshot_is_a_plain_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "copy.sqlite3"
    path.write_bytes(export(with_notes("一", where=tmp_path / "wal.db")))
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT text FROM notes").fetchall() == [("一",)]


def test_a_database_file_copied_from_disk_imports_too(tmp_path: Path) -> None:
    source = tmp_path / "wal.db"
    with_notes("一", where=source).extensions["renkei_db"].close()
    b = make()
    assert b.test_client().post("/_admin/state/import", data=source.read_bytes()).status_code \
        == 200
    assert b.test_client().get("/notes").json == ["一"]


def _bad_bodies() -> dict[str, tuple[bytes, str]]:
    good = export(with_notes("a", "b", "c"))
    other = create_mock_app(_spec(OTHER_SCHEMA), {"DATABASE": ":memory:"})
    damaged = bytearray(good)
    damaged[len(good) - 4096:] = b"\xff" * 4096  # the last page, the notes table's rows
    return {
        "empty": (b"", "got an empty body"),
        "json": (b'{"notes": []}', "expected a SQLite database file"),
        "truncated": (good[: len(good) // 2], "cannot be read"),
        "damaged": (bytes(damaged), "SQLite file"),
        "another schema": (export(other), "not the notes mock's database: tables notes differ"),
    }


@pytest.mark.parametrize("case", ["empty", "json", "truncated", "damaged", "another schema"])
def test_a_bad_snapshot_is_a_clear_400_and_changes_nothing(case: str, tmp_path: Path) -> None:
    body, message = _bad_bodies()[case]
    app = with_notes("kept", where=tmp_path / "t.db")
    resp = app.test_client().post("/_admin/state/import", data=body)
    assert resp.status_code == 400
    assert resp.json["error"]["code"] == "invalidSnapshot"
    assert message in resp.json["error"]["message"]
    assert app.test_client().get("/notes").json == ["kept"]
    with sqlite3.connect(tmp_path / "t.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_snapshot_beyond_the_size_limit_is_refused_unread() -> None:
    app = create_mock_app(_spec(), {"DATABASE": ":memory:", "MAX_CONTENT_LENGTH": 1024})
    resp = app.test_client().post("/_admin/state/import", data=export(with_notes("a")))
    assert resp.status_code == 413
    assert resp.json["error"]["code"] == "requestEntityTooLarge"


def test_a_real_mock_round_trips_and_refuses_another_mocks_snapshot(make_mock: Any) -> None:
    lgate = make_mock("lgate")
    users = [{"userMasterIdentifier": f"umi-{n}", "username": f"p{n}@school.example.jp",
              "givenName": "花子", "familyName": "山田", "grades": ["P3"], "role": "student"}
             for n in range(3)]
    assert lgate.test_client().post("/_admin/seed", json={"users": users}).status_code == 200
    snapshot = export(lgate)
    copy = make_mock("lgate")
    assert copy.test_client().post("/_admin/state/import", data=snapshot).status_code == 200
    assert copy.test_client().get("/_admin/state").json["users"] == \
        lgate.test_client().get("/_admin/state").json["users"]
    drill = make_mock("interactive_study")
    resp = drill.test_client().post("/_admin/state/import", data=snapshot)
    assert resp.status_code == 400
    assert "not the interactive_study mock's database" in resp.json["error"]["message"]


def test_a_page_walk_after_an_import_reads_the_imported_state(make_mock: Any) -> None:
    """The import writes through the importing thread's own connection, which sees neither a
    commit by another connection nor changes of its own: its read API must not keep paging
    from where the state before the import left off."""
    def seeded(count: int, prefix: str) -> Any:
        app = make_mock("lgate")
        users = [{"userMasterIdentifier": f"{prefix}-{n}", "username": f"{prefix}{n}@x.jp",
                  "givenName": "花子", "familyName": "山田", "grades": ["P3"],
                  "role": "student"} for n in range(count)]
        assert app.test_client().post("/_admin/seed", json={"users": users}).status_code == 200
        return app

    def umis(app: Any, offset: int) -> tuple[list[str], str]:
        resp = app.test_client().get(
            f"/ims/oneroster/rostering/v1p2/users?limit=2&offset={offset}")
        return ([u["userMasterIdentifier"] for u in resp.json["users"]],
                resp.headers["X-Total-Count"])

    app, other = seeded(6, "before"), seeded(3, "after")
    assert umis(app, 0) == (["before-0", "before-1"], "6")
    assert app.test_client().post("/_admin/state/import",
                                  data=export(other)).status_code == 200
    assert umis(app, 2) == (["after-2"], "3")
