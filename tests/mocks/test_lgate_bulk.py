"""lgate's OneRoster bulk import: e-portal bulk semantics, the 422 for ERROR bundles, and bad
uploads that must get a 4xx, never a 500."""

from __future__ import annotations

import copy
import datetime
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from fixtures import build_bundle, generate_city, load_profile
from harness.oneroster.model import Bundle
from harness.oneroster.writer import write_bundle
from mocks.lgate import bulk, create_app
from mocks.lgate.schema import SCHEMA_SQL

NAME = "RO_20250501_089901.zip"


@pytest.fixture(scope="module")
def city() -> Any:
    return generate_city(load_profile("small"), seed=3, as_of=datetime.date(2025, 5, 1))


@pytest.fixture(scope="module")
def base_bundle(city: Any) -> Bundle:
    return build_bundle(city, quirks=frozenset())


@pytest.fixture
def make_zip(tmp_path: Path):  # noqa: ANN201 - a factory fixture
    count = [0]

    def make(bundle: Bundle) -> bytes:
        count[0] += 1
        return write_bundle(bundle, tmp_path / str(count[0]) / NAME).read_bytes()

    return make


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One platform key directory for the module: an RSA key is made once, then loaded."""
    return str(tmp_path_factory.mktemp("lgate-keys"))


@pytest.fixture
def client(keys: str) -> FlaskClient:
    return create_app({"DATABASE": ":memory:", "LTI_KEY_DIR": keys}).test_client()


def post(client: FlaskClient, data: bytes, **kw: Any) -> Any:
    return client.post("/oneroster/bulk", data=data, content_type="application/zip", **kw)


def state(client: FlaskClient) -> dict[str, Any]:
    return client.get("/_admin/state").get_json()


def without_users(bundle: Bundle, drop: set[str]) -> Bundle:
    """A copy of ``bundle`` without the users ``drop`` (and everything that refers to them)."""
    out = copy.deepcopy(bundle)
    out.tables["users"] = [u for u in out.tables["users"] if u["sourcedId"] not in drop]
    for name in ("roles", "enrollments"):
        out.tables[name] = [r for r in out.tables[name] if r["userSourcedId"] not in drop]
    out.tables["demographics"] = [d for d in out.tables.get("demographics", [])
                                  if d["sourcedId"] not in drop]
    return out


def test_good_bulk_creates_every_record(client: FlaskClient, base_bundle: Bundle,
                                        make_zip: Any) -> None:
    resp = post(client, make_zip(base_bundle))
    assert resp.status_code == 200
    body = resp.get_json()
    n = {t: len(base_bundle.tables[t]) for t in ("orgs", "classes", "users", "enrollments")}
    assert body["created"] == n
    assert body["updated"] == body["unchanged"] == dict.fromkeys(n, 0)
    assert body["missing"] == {"users": []}
    st = state(client)
    assert {t: len(st[t]) for t in n} == n
    assert st["imports"][-1]["kind"] == "bulk"


def test_second_identical_bulk_changes_nothing(client: FlaskClient, base_bundle: Bundle,
                                               make_zip: Any) -> None:
    data = make_zip(base_bundle)
    post(client, data)
    before = state(client)
    body = post(client, data).get_json()
    assert sum(body["created"].values()) == sum(body["updated"].values()) == 0
    assert body["unchanged"]["users"] == len(base_bundle.tables["users"])
    assert body["removed"] == {"classes": 0, "enrollments": 0}
    after = state(client)
    for table in ("users", "orgs", "classes", "enrollments"):
        assert after[table] == before[table]  # not even updated_at moved


def test_changed_user_is_updated_and_counted(client: FlaskClient, base_bundle: Bundle,
                                             make_zip: Any) -> None:
    post(client, make_zip(base_bundle))
    changed = copy.deepcopy(base_bundle)
    changed.tables["users"][0]["familyName"] = "改姓"
    body = post(client, make_zip(changed)).get_json()
    assert body["updated"]["users"] == 1
    assert body["unchanged"]["users"] == len(base_bundle.tables["users"]) - 1
    sid = changed.tables["users"][0]["sourcedId"]
    user = next(u for u in state(client)["users"] if u["sourcedId"] == sid)
    assert user["familyName"] == "改姓"


def test_users_missing_from_the_bulk_are_listed_and_kept(
        client: FlaskClient, base_bundle: Bundle, make_zip: Any) -> None:
    post(client, make_zip(base_bundle))
    gone = {u["sourcedId"] for u in base_bundle.tables["users"][:3]}
    body = post(client, make_zip(without_users(base_bundle, gone))).get_json()
    assert {m["sourcedId"] for m in body["missing"]["users"]} == gone
    assert all(m["userMasterIdentifier"] and m["username"] for m in body["missing"]["users"])
    kept = [u for u in state(client)["users"] if u["sourcedId"] in gone]
    assert len(kept) == 3
    assert all(u["enabledUser"] and u["status"] == "active" for u in kept)
    # their enrollments went with the bulk that no longer carries them
    assert body["removed"]["enrollments"] == 3


def test_a_moved_pupil_loses_the_old_enrollment(client: FlaskClient, base_bundle: Bundle,
                                                make_zip: Any) -> None:
    post(client, make_zip(base_bundle))
    moved = copy.deepcopy(base_bundle)
    enr = moved.tables["enrollments"][0]
    other = next(c for c in moved.tables["classes"] if c["sourcedId"] != enr["classSourcedId"]
                 and c["schoolSourcedId"] == enr["schoolSourcedId"])
    old_id = enr["sourcedId"]
    enr["sourcedId"] = "0c9d3f1e-7b2a-4c51-9e8f-3a6b5d4c2e10"
    enr["classSourcedId"] = other["sourcedId"]
    user = next(u for u in moved.tables["users"] if u["sourcedId"] == enr["userSourcedId"])
    user["metadata.jp.homeClass"] = other["sourcedId"]
    user["grades"] = other["grades"]
    body = post(client, make_zip(moved)).get_json()
    assert body["created"]["enrollments"] == 1 and body["removed"]["enrollments"] == 1
    assert body["updated"]["users"] == 1
    ids = {e["sourcedId"] for e in state(client)["enrollments"]}
    assert old_id not in ids and enr["sourcedId"] in ids


def test_manual_users_are_kept_and_never_listed(client: FlaskClient, base_bundle: Bundle,
                                                make_zip: Any) -> None:
    resp = client.post("/_admin/seed", json={"users": [{
        "userMasterIdentifier": "t-001", "username": "t001@sakura.example.ed.jp",
        "givenName": "花子", "familyName": "鈴木", "role": "teacher"}]})
    assert resp.status_code == 200
    post(client, make_zip(base_bundle))
    body = post(client, make_zip(without_users(base_bundle, set()))).get_json()
    assert body["missing"]["users"] == []
    teacher = [u for u in state(client)["users"] if u["userMasterIdentifier"] == "t-001"]
    assert teacher and teacher[0]["manual"] and teacher[0]["role"] == "teacher"


def test_regenerated_ids_create_duplicates(city: Any, make_zip: Any,
                                           client: FlaskClient) -> None:
    # keyed by sourcedId, as the e-portal is: an export with new ids is a new set of users
    city = copy.deepcopy(city)
    quirks = frozenset({"regenerate-ids"})
    first = build_bundle(city, quirks=quirks)
    city.export_serial += 1
    second = build_bundle(city, quirks=quirks)
    post(client, make_zip(first))
    body = post(client, make_zip(second)).get_json()
    n = len(first.tables["users"])
    assert body["created"]["users"] == n and len(body["missing"]["users"]) == n
    umis = [u["userMasterIdentifier"] for u in state(client)["users"]]
    assert len(umis) == 2 * n and len(set(umis)) == n


def test_bundle_with_errors_is_a_422_with_findings_and_changes_nothing(
        city: Any, client: FlaskClient, base_bundle: Bundle, make_zip: Any) -> None:
    post(client, make_zip(base_bundle))
    before = state(client)
    bad = build_bundle(city, quirks=frozenset({"gaiji"}))
    resp = post(client, make_zip(bad))
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "invalidBundle"
    assert err["findings"] and {f["rule"] for f in err["findings"]} == {"OR528"}
    f = err["findings"][0]
    assert f["severity"] == "ERROR" and f["file"] == "users.csv" and f["line"] > 1
    assert f["message_ja"] and f["message_en"]
    after = state(client)
    for table in ("users", "orgs", "classes", "enrollments"):
        assert after[table] == before[table]
    assert len(after["imports"]) == len(before["imports"])


def test_delta_bundle_is_refused(client: FlaskClient, base_bundle: Bundle,
                                 make_zip: Any) -> None:
    delta = Bundle(profile=base_bundle.profile)
    row = dict(base_bundle.tables["orgs"][0], status="active",
               dateLastModified="2025-05-01T00:00:00.000Z")
    delta.add("orgs", [row], mode="delta")
    resp = post(client, make_zip(delta))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "notBulk"
    assert state(client)["orgs"] == []


def test_absent_file_leaves_its_records_alone(client: FlaskClient, base_bundle: Bundle,
                                              make_zip: Any) -> None:
    post(client, make_zip(base_bundle))
    orgs_only = Bundle(profile=base_bundle.profile)
    orgs_only.add("orgs", copy.deepcopy(base_bundle.tables["orgs"]))
    body = post(client, make_zip(orgs_only)).get_json()
    assert body["missing"]["users"] == [] and body["removed"] == {}
    assert len(state(client)["users"]) == len(base_bundle.tables["users"])


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.mark.parametrize(("mangle", "status", "code"), [
    (lambda d: b"", 400, "emptyBody"),
    (lambda d: b"this is not a zip file at all", 422, "invalidBundle"),
    (_truncated, 422, "invalidBundle"),
    (lambda d: b"PK\x03\x04" + b"\x00" * 64, 422, "invalidBundle"),
])
def test_bad_uploads_get_a_4xx_never_a_500(client: FlaskClient, base_bundle: Bundle,
                                           make_zip: Any, mangle: Any, status: int,
                                           code: str) -> None:
    resp = post(client, mangle(make_zip(base_bundle)))
    assert resp.status_code == status
    assert resp.get_json()["error"]["code"] == code
    assert state(client)["users"] == []


def test_multipart_upload_without_a_file_is_a_400(client: FlaskClient) -> None:
    resp = client.post("/oneroster/bulk", data={"other": "x"},
                       content_type="multipart/form-data")
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "emptyBody"


def test_multipart_upload_reports_the_file_name_rule(client: FlaskClient, base_bundle: Bundle,
                                                     make_zip: Any) -> None:
    data = make_zip(base_bundle)
    resp = client.post("/oneroster/bulk", data={"file": (io.BytesIO(data), "export.zip")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200
    assert sorted(f["rule"] for f in resp.get_json()["findings"]) == ["OR125", "OR710"]
    good = client.post("/oneroster/bulk", data={"file": (io.BytesIO(data), NAME)},
                       content_type="multipart/form-data")
    assert good.status_code == 200 and good.get_json()["findings"] == []


def test_api_token_guards_the_bulk_endpoint(base_bundle: Bundle, make_zip: Any,
                                            keys: str) -> None:
    client = create_app({"DATABASE": ":memory:", "API_TOKEN": "s3cret-token",
                         "LTI_KEY_DIR": keys}).test_client()
    data = make_zip(base_bundle)
    refused = post(client, data)
    assert refused.status_code == 401 and "s3cret" not in refused.get_data(as_text=True)
    assert post(client, data, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert post(client, data, headers={"Authorization": "Bearer s3cret-token"}).status_code \
        == 200


def test_injected_failure_leaves_the_store_unchanged(client: FlaskClient, base_bundle: Bundle,
                                                     make_zip: Any) -> None:
    rule = {"kind": "status", "status": 503, "route": "^/oneroster/bulk$", "count": 1}
    assert client.post("/_admin/faults", json=rule).status_code == 201
    data = make_zip(base_bundle)
    assert post(client, data).status_code == 503
    assert state(client)["users"] == []
    assert post(client, data).status_code == 200  # the fault was for one call only


@pytest.mark.scale
def test_tsukuba_scale_bulk_applies_and_is_idempotent(tmp_path: Path) -> None:
    city = generate_city(load_profile("tsukuba"), seed=1, as_of=datetime.date(2025, 5, 1))
    bundle = build_bundle(city, quirks=frozenset())
    data = write_bundle(bundle, tmp_path / NAME).read_bytes()
    client = create_app({"DATABASE": str(tmp_path / "lgate.sqlite")}).test_client()
    first = post(client, data).get_json()
    n = len(bundle.tables["users"])
    assert first["created"]["users"] == n > 20000
    assert first["created"]["enrollments"] == len(bundle.tables["enrollments"])
    second = post(client, data).get_json()
    assert second["unchanged"]["users"] == n and sum(second["updated"].values()) == 0
    total = client.get("/ims/oneroster/rostering/v1p2/users?limit=1").headers["X-Total-Count"]
    assert int(total) == n


def _users_table(rows: list[dict[str, Any]], now: str, conn: sqlite3.Connection | None = None
                 ) -> tuple[sqlite3.Connection, tuple[Any, ...]]:
    conn = conn or sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA_SQL)
    users = next(e for e in bulk.ENTITIES if e.table == "users")
    conn.execute("BEGIN")
    counts = bulk._apply_table(conn, users, rows, now)
    conn.execute("COMMIT")
    return conn, counts


def test_the_staged_rows_keep_their_order_and_a_repeat_keeps_its_first_place_and_last_row(
) -> None:
    def row(sid: str, name: str) -> dict[str, Any]:
        return {"sourcedId": sid, "userMasterIdentifier": f"umi-{sid}", "username": name,
                "givenName": name, "familyName": "山田", "role": "student"}
    rows = [row("u3", "a"), row("u1", "b"), row("u2", "c"), row("u9", "d")]
    conn, counts = _users_table(rows, "2025-05-01T00:00:00Z")
    assert counts[:3] == (4, 0, 0)
    assert conn.execute("SELECT sourced_id FROM users ORDER BY rowid").fetchall() == [
        ("u3",), ("u1",), ("u2",), ("u9",)]  # the bulk's order, not the key's
    repeated = [row("u5", "first"), row("u4", "x"), row("u5", "last"), row("u6", "y")]
    conn, counts = _users_table(repeated, "2025-05-01T00:00:00Z")
    assert counts[:3] == (3, 0, 0)
    assert conn.execute("SELECT sourced_id, username FROM users ORDER BY rowid").fetchall() == [
        ("u5", "last"), ("u4", "x"), ("u6", "y")]
    # and again on top: the repeat compares as its last row, so nothing changed
    _, again = _users_table(repeated, "2025-05-02T00:00:00Z", conn)
    assert again[:3] == (0, 0, 3)
