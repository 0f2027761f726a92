"""The drill app (インタラクティブスタディ): OneRoster delta intake, read API, seed, persistence."""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import sqlite3
import time
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from fixtures import build_bundle, generate_city, load_profile
from harness.oneroster import write_bundle
from harness.oneroster.model import Bundle
from mocks.interactive_study import create_app
from mocks.interactive_study.delta import apply_table, ordered_latest
from mocks.interactive_study.store import SCHEMA_SQL

T1, T2, T3 = ("2025-05-01T00:00:00.000Z", "2025-05-02T00:00:00.000Z",
              "2025-05-03T00:00:00.000Z")
DELTA_FILES = ("orgs", "classes", "users", "enrollments")


@pytest.fixture(scope="module")
def city_bundle() -> Bundle:
    city = generate_city(load_profile("small"), seed=7, as_of=dt.date(2025, 5, 1))
    return build_bundle(city, quirks=frozenset())


def delta_rows(bundle: Bundle, name: str, *, status: str = "active", when: str = T1,
               limit: int | None = None) -> list[dict[str, Any]]:
    rows = copy.deepcopy(bundle.tables[name][:limit])
    for row in rows:
        row["status"], row["dateLastModified"] = status, when
    return rows


def zip_bytes(tmp_path: Path, tables: Mapping[str, Iterable[dict[str, Any]]], *,
              mode: str = "delta") -> bytes:
    bundle = Bundle(profile="jp-eportal-v4")
    for name, rows in tables.items():
        bundle.add(name, list(rows), mode=mode)
    path = write_bundle(bundle, tmp_path / f"RO_20250501_{time.monotonic_ns() % 10**6:06d}.zip")
    return path.read_bytes()


def first_delta(bundle: Bundle, tmp_path: Path) -> bytes:
    return zip_bytes(tmp_path, {n: delta_rows(bundle, n) for n in DELTA_FILES})


@pytest.fixture(scope="module")
def key_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    # one tool key for the module: RSA generation is most of the cost of building an app
    return str(tmp_path_factory.mktemp("drill-keys"))


@pytest.fixture()
def app(key_dir: str) -> Any:
    return create_app({"DATABASE": ":memory:", "KEY_DIR": key_dir})


@pytest.fixture()
def client(app: Any) -> Any:
    return app.test_client()


def post_delta(client: Any, data: bytes, **kw: Any) -> Any:
    return client.post("/oneroster/delta", data=data, content_type="application/zip", **kw)


def users(client: Any) -> dict[str, dict[str, Any]]:
    return {u["sourcedId"]: u for u in client.get("/_admin/state").json["users"]}


# -- applying deltas ---------------------------------------------------------------------------
def test_first_delta_creates_every_account(client: Any, city_bundle: Bundle,
                                           tmp_path: Path) -> None:
    resp = post_delta(client, first_delta(city_bundle, tmp_path))
    assert resp.status_code == 200, resp.json
    n = len(city_bundle.tables["users"])
    assert resp.json["applied"]["users"] == resp.json["created"]["users"] == n
    assert resp.json["applied"]["enrollments"] == n
    state = client.get("/_admin/state").json
    assert state["counts"]["users"] == n
    user = state["users"][0]
    assert set(user) >= {"sourcedId", "userMasterIdentifier", "username", "status",
                         "enabledUser", "dateLastModified", "school", "class"}
    src = {r["sourcedId"]: r for r in city_bundle.tables["users"]}[user["sourcedId"]]
    assert user["userMasterIdentifier"] == src["userMasterIdentifier"]
    assert user["school"]["school_code"].startswith(("B1", "C1", "C2"))
    assert user["class"]["sourcedId"] == src["metadata.jp.homeClass"]
    assert user["enabledUser"] is True and user["status"] == "active"


def test_second_identical_delta_changes_nothing(client: Any, city_bundle: Bundle,
                                                tmp_path: Path) -> None:
    data = first_delta(city_bundle, tmp_path)
    assert post_delta(client, data).status_code == 200
    before = client.get("/_admin/state").json["users"]
    again = post_delta(client, data)
    assert again.status_code == 200
    assert set(again.json["applied"].values()) == {0}
    assert set(again.json["deleted"].values()) == {0}
    assert again.json["unchanged"]["users"] == len(city_bundle.tables["users"])
    assert client.get("/_admin/state").json["users"] == before


def test_newer_row_updates_the_account(client: Any, city_bundle: Bundle, tmp_path: Path) -> None:
    post_delta(client, first_delta(city_bundle, tmp_path))
    row = delta_rows(city_bundle, "users", when=T2, limit=1)[0]
    row["familyName"] = row["preferredFamilyName"] = "新川"
    resp = post_delta(client, zip_bytes(tmp_path, {"users": [row]}))
    assert resp.json["updated"] == {"users": 1} and resp.json["applied"] == {"users": 1}
    read = client.get(f"/ims/oneroster/rostering/v1p2/users/{row['sourcedId']}").json["user"]
    assert read["familyName"] == "新川" and read["dateLastModified"] == T2


def test_enabled_user_false_keeps_the_account_but_disables_it(
        client: Any, city_bundle: Bundle, tmp_path: Path) -> None:
    post_delta(client, first_delta(city_bundle, tmp_path))
    row = delta_rows(city_bundle, "users", when=T2, limit=1)[0]
    row["enabledUser"] = False
    resp = post_delta(client, zip_bytes(tmp_path, {"users": [row]}))
    assert resp.status_code == 200, resp.json
    assert resp.json["disabled"] == {"users": 1}
    assert [f["rule"] for f in resp.json["waived"]] == ["OR515"]
    user = users(client)[row["sourcedId"]]
    assert user["enabledUser"] is False and user["status"] == "active"


def test_tobedeleted_removes_the_user_and_its_enrollments(
        client: Any, city_bundle: Bundle, tmp_path: Path) -> None:
    post_delta(client, first_delta(city_bundle, tmp_path))
    row = delta_rows(city_bundle, "users", status="tobedeleted", when=T2, limit=1)[0]
    resp = post_delta(client, zip_bytes(tmp_path, {"users": [row]}))
    assert resp.json["deleted"] == {"users": 1, "enrollments": 1}
    assert row["sourcedId"] not in users(client)
    n = len(city_bundle.tables["users"])
    assert client.get("/_admin/state").json["counts"]["enrollments"] == n - 1
    again = post_delta(client, zip_bytes(tmp_path, {"users": [row]}))
    assert again.json["deleted"] == {"users": 0} and again.json["unknown"] == {"users": 1}


def test_manifest_only_delta_changes_nothing(client: Any, tmp_path: Path) -> None:
    resp = post_delta(client, zip_bytes(tmp_path, {}))
    assert resp.status_code == 200 and resp.json["applied"] == {}


# -- order by dateLastModified (unit: the checker rejects a repeated sourcedId, OR401) ---------
def _db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.executescript(SCHEMA_SQL)
    return db


def _org(status: str, when: str, name: str = "A小学校") -> dict[str, str]:
    return {"sourcedId": "org-1", "status": status, "dateLastModified": when, "name": name,
            "type": "school", "identifier": "B108299000100"}


def test_rows_are_taken_in_date_order_whatever_the_file_order() -> None:
    db = _db()
    apply_table(db, "orgs", [_org("tobedeleted", T2), _org("active", T1)])
    assert db.execute("SELECT COUNT(*) FROM orgs").fetchone()[0] == 0
    apply_table(db, "orgs", [_org("active", T3, "B小学校"), _org("active", T2, "C小学校")])
    assert db.execute("SELECT name FROM orgs").fetchone()[0] == "B小学校"


def test_a_row_older_than_the_stored_one_is_stale_and_skipped() -> None:
    db = _db()
    apply_table(db, "orgs", [_org("active", T2, "新しい名前")])
    counts = apply_table(db, "orgs", [_org("active", T1, "古い名前")])
    assert counts["stale"] == 1 and counts["updated"] == 0
    assert db.execute("SELECT name FROM orgs").fetchone()[0] == "新しい名前"
    counts = apply_table(db, "orgs", [_org("tobedeleted", T1)])
    assert counts["stale"] == 1 and counts["deleted"] == 0


def _user(sid: str, status: str, when: str, *, enabled: bool = True, name: str = "太郎"
          ) -> dict[str, Any]:
    return {"sourcedId": sid, "status": status, "dateLastModified": when,
            "enabledUser": "true" if enabled else "false",
            "username": f"{sid}@example.jp", "userMasterIdentifier": f"umi-{sid}",
            "givenName": name, "familyName": "山田", "grades": "P1"}


def test_one_delta_sorts_every_row_into_exactly_one_outcome() -> None:
    db = _db()
    stored = {"stale": T3, "same": T1, "changed": T1, "off": T1, "leaves": T1}
    apply_table(db, "users", [_user(sid, "active", when) for sid, when in stored.items()])
    counts = apply_table(db, "users", [
        _user("stale", "active", T2, name="古い"),   # older than the stored row
        _user("same", "active", T1),                  # the stored row again
        _user("changed", "active", T2, name="花子"),
        _user("off", "active", T2, enabled=False),    # disabled: also an update
        _user("new", "active", T2), _user("new-off", "active", T2, enabled=False),
        _user("leaves", "tobedeleted", T2), _user("never", "tobedeleted", T2)])
    assert counts == {"stale": 1, "created": 2, "unchanged": 1, "updated": 2, "deleted": 1,
                      "unknown": 1, "disabled": 2, "cascaded_enrollments": 0,
                      "cascaded_roles": 0}
    names = dict(db.execute('SELECT "sourcedId", "givenName" FROM users').fetchall())
    assert names == {"stale": "太郎", "same": "太郎", "changed": "花子", "off": "太郎",
                     "new": "太郎", "new-off": "太郎"}


def test_ordered_latest_keeps_the_newest_row_per_id() -> None:
    rows = [{"sourcedId": "a", "dateLastModified": T3, "v": 1},
            {"sourcedId": "b", "dateLastModified": T1, "v": 2},
            {"sourcedId": "a", "dateLastModified": T2, "v": 3}]
    assert [r["v"] for r in ordered_latest(rows)] == [2, 1]


# -- rejected uploads: 4xx, nothing changed ----------------------------------------------------
def test_bulk_bundle_is_rejected_as_not_delta(client: Any, city_bundle: Bundle,
                                              tmp_path: Path) -> None:
    post_delta(client, first_delta(city_bundle, tmp_path))
    before = client.get("/_admin/state").json["counts"]
    bulk = zip_bytes(tmp_path, {n: copy.deepcopy(city_bundle.tables[n])
                                for n in ("academicSessions", "orgs", "courses", "classes",
                                          "users", "roles", "enrollments")}, mode="bulk")
    resp = post_delta(client, bulk)
    assert resp.status_code == 422
    assert resp.json["error"]["code"] == "notDelta"
    assert "users.csv" in resp.json["error"]["message"]
    assert client.get("/_admin/state").json["counts"] == before


def test_manifest_saying_bulk_is_not_delta_even_when_rows_carry_status(
        client: Any, city_bundle: Bundle, tmp_path: Path) -> None:
    data = zip_bytes(tmp_path, {"users": delta_rows(city_bundle, "users", limit=2)})
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            body = src.read(name)
            if name == "manifest.csv":
                body = re.sub(rb'"?file\.users"?,"?delta"?', b"file.users,bulk", body)
                assert b"file.users,bulk" in body
            dst.writestr(name, body)
    resp = post_delta(client, out.getvalue())
    assert resp.status_code == 422 and resp.json["error"]["code"] == "notDelta"
    assert client.get("/_admin/state").json["counts"]["users"] == 0


def test_bundle_with_errors_is_rejected_with_findings(client: Any, city_bundle: Bundle,
                                                      tmp_path: Path) -> None:
    rows = delta_rows(city_bundle, "users", limit=3)
    rows[1]["userMasterIdentifier"] = ""
    resp = post_delta(client, zip_bytes(tmp_path, {"users": rows}))
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "invalidBundle"
    bad = [f for f in err["findings"] if f["rule"] == "OR516"]
    assert bad and bad[0]["file"] == "users.csv" and bad[0]["line"] == 3
    assert bad[0]["message_ja"] and bad[0]["severity"] == "ERROR"
    assert client.get("/_admin/state").json["counts"]["users"] == 0  # not even the good rows


@pytest.mark.parametrize(("body", "content_type", "status", "code"), [
    (b"", "application/zip", 400, "emptyUpload"),
    (b"this is not a zip", "application/zip", 422, "invalidBundle"),
    (b"PK\x03\x04 truncated", "application/octet-stream", 422, "invalidBundle"),
    (b"name,value", "text/csv", 415, "unsupportedMediaType"),
])
def test_malformed_uploads_get_a_clear_4xx(client: Any, body: bytes, content_type: str,
                                           status: int, code: str) -> None:
    resp = client.post("/oneroster/delta", data=body, content_type=content_type)
    assert resp.status_code == status
    assert resp.json["error"]["code"] == code
    assert resp.json["error"]["message"]


def test_cut_off_zip_is_rejected(client: Any, city_bundle: Bundle, tmp_path: Path) -> None:
    data = first_delta(city_bundle, tmp_path)
    resp = post_delta(client, data[: len(data) // 2])
    assert resp.status_code == 422
    assert any(f["rule"] == "OR100" for f in resp.json["error"]["findings"])


def test_multipart_upload_and_missing_file_field(client: Any, city_bundle: Bundle,
                                                 tmp_path: Path) -> None:
    data = first_delta(city_bundle, tmp_path)
    ok = client.post("/oneroster/delta", content_type="multipart/form-data",
                     data={"file": (io.BytesIO(data), "RO_20250501_089901.zip")})
    assert ok.status_code == 200 and ok.json["created"]["users"] > 0
    # the server names a nameless upload itself, so the bundle-name rule is not held against it
    assert not [f for f in post_delta(client, data).json["warnings"] if f["rule"] == "OR125"]
    missing = client.post("/oneroster/delta", content_type="multipart/form-data",
                          data={"other": (io.BytesIO(data), "x.zip")})
    assert missing.status_code == 400 and missing.json["error"]["code"] == "noFile"


# -- read API ----------------------------------------------------------------------------------
def test_read_api_pages_users_with_total_count(client: Any, city_bundle: Bundle,
                                               tmp_path: Path) -> None:
    post_delta(client, first_delta(city_bundle, tmp_path))
    n = len(city_bundle.tables["users"])
    first = client.get("/ims/oneroster/rostering/v1p2/users?limit=5")
    assert first.status_code == 200 and first.headers["X-Total-Count"] == str(n)
    second = client.get("/ims/oneroster/rostering/v1p2/users?limit=5&offset=5").json["users"]
    ids = [u["sourcedId"] for u in first.json["users"]] + [u["sourcedId"] for u in second]
    assert ids == sorted(ids) and len(set(ids)) == 10
    user = first.json["users"][0]
    src = {r["sourcedId"]: r for r in city_bundle.tables["users"]}[user["sourcedId"]]
    upn = src["userIds"][0].strip("{}").split(":", 1)[1]
    assert user["userIds"] == [{"type": "Office365", "identifier": upn}]
    assert user["roles"][0]["role"] == "student" and user["grades"] == src["grades"]
    assert user["primaryOrg"]["sourcedId"] == src["primaryOrgSourcedId"]
    assert user["primaryOrg"]["href"].endswith(f"/orgs/{src['primaryOrgSourcedId']}")
    assert user["preferredFirstName"] == src["preferredGivenName"]
    assert user["metadata"]["jp.homeClass"] == src["metadata.jp.homeClass"]
    assert len(client.get("/ims/oneroster/rostering/v1p2/users").json["users"]) == min(n, 100)


def test_roles_file_feeds_the_read_api_roles(client: Any, city_bundle: Bundle,
                                             tmp_path: Path) -> None:
    users_rows = delta_rows(city_bundle, "users", limit=2)
    ids = {u["sourcedId"] for u in users_rows}
    roles = [r for r in delta_rows(city_bundle, "roles") if r["userSourcedId"] in ids]
    roles[0]["role"] = "teacher"  # so the answer can only have come from roles.csv
    resp = post_delta(client, zip_bytes(tmp_path, {"users": users_rows, "roles": roles}))
    assert resp.status_code == 200 and resp.json["created"] == {"users": 2, "roles": 2}
    user = client.get(f"/ims/oneroster/rostering/v1p2/users/{roles[0]['userSourcedId']}"
                      ).json["user"]
    assert user["roles"] == [{"roleType": "primary", "role": "teacher", "org": {
        "href": f"http://interactive-study.test/ims/oneroster/rostering/v1p2/orgs/"
                f"{roles[0]['orgSourcedId']}",
        "sourcedId": roles[0]["orgSourcedId"], "type": "org"}}]


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=abc", "offset=-1"])
def test_read_api_rejects_bad_paging(client: Any, query: str) -> None:
    resp = client.get(f"/ims/oneroster/rostering/v1p2/users?{query}")
    assert resp.status_code == 400 and resp.json["imsx_codeMajor"] == "failure"


def test_read_api_bearer_token_and_unknown_user() -> None:
    client = create_app({"DATABASE": ":memory:", "API_TOKEN": "s3cret-token"}).test_client()
    url = "/ims/oneroster/rostering/v1p2/users"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get(url, headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200 and ok.json == {"users": []}
    missing = client.get(f"{url}/nope", headers={"Authorization": "Bearer s3cret-token"})
    assert missing.status_code == 404


# -- seed, reset, persistence -----------------------------------------------------------------
def test_seed_preloads_accounts_for_the_initial_link(client: Any) -> None:
    resp = client.post("/_admin/seed", json={"users": [{
        "sourcedId": "drill-0001", "username": "taro@sakura.example.ed.jp",
        "userIds": ["{Office365:taro@sakura.example.ed.jp}"], "enabledUser": True,
        "givenName": "太郎", "familyName": "山田", "grades": ["P3"]}]})
    assert resp.status_code == 200 and resp.json == {"seeded": {"users": 1}}
    user = client.get("/ims/oneroster/rostering/v1p2/users").json["users"][0]
    assert user["userIds"] == [{"type": "Office365", "identifier": "taro@sakura.example.ed.jp"}]
    assert user["userMasterIdentifier"] is None and user["grades"] == ["P3"]
    assert users(client)["drill-0001"]["origin"] == "seed"


@pytest.mark.parametrize("payload", [
    {"users": [{"sourcedId": "x"}]},
    {"users": "not a list"},
    {"pupils": []},
])
def test_bad_seed_is_a_400(client: Any, payload: dict[str, Any]) -> None:
    resp = client.post("/_admin/seed", json=payload)
    assert resp.status_code == 400 and resp.json["error"]["message"]


def test_reset_empties_the_store(client: Any, city_bundle: Bundle, tmp_path: Path) -> None:
    post_delta(client, first_delta(city_bundle, tmp_path))
    assert client.post("/_admin/reset").status_code == 200
    assert set(client.get("/_admin/state").json["counts"].values()) == {0}


def test_accounts_survive_a_restart_with_a_file_database(city_bundle: Bundle,
                                                         tmp_path: Path) -> None:
    config = {"DATABASE": str(tmp_path / "state" / "interactive_study.sqlite")}
    first = create_app(config).test_client()
    assert post_delta(first, first_delta(city_bundle, tmp_path)).status_code == 200
    kids = first.get("/_admin/state").json["kids"]
    again = create_app(config).test_client()
    state = again.get("/_admin/state").json
    assert state["counts"]["users"] == len(city_bundle.tables["users"])
    assert state["kids"] == kids  # the tool's signing key is kept with its state


def test_pages_and_openapi(client: Any) -> None:
    page = client.get("/").get_data(as_text=True)
    assert "インタラクティブスタディ" in page and "/oneroster/delta" in page
    doc = client.get("/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    assert {"/oneroster/delta", "/ims/oneroster/rostering/v1p2/users", "/lti/login",
            "/lti/launch", "/lti/jwks"} <= set(doc["paths"])


@pytest.mark.scale
def test_tsukuba_scale_first_delta(tmp_path: Path) -> None:
    city = generate_city(load_profile("tsukuba"), seed=1, as_of=dt.date(2025, 5, 1))
    bundle = build_bundle(city, quirks=frozenset())
    client = create_app({"DATABASE": str(tmp_path / "drill.sqlite")}).test_client()
    data = first_delta(bundle, tmp_path)
    resp = post_delta(client, data)
    assert resp.status_code == 200
    assert resp.json["created"]["users"] == len(bundle.tables["users"]) > 20000
    again = post_delta(client, data)
    assert set(again.json["applied"].values()) == {0}


def test_the_accounts_read_page_by_page_as_the_state_lists_them(make_mock: Any) -> None:
    client = make_mock("interactive_study").test_client()
    users = [{"sourcedId": f"u-{n}", "username": f"s{n}@x.example.ed.jp",
              "userMasterIdentifier": f"umi-{n}", "givenName": "太郎", "familyName": "山田"}
             for n in range(5)]
    assert client.post("/_admin/seed", json={"users": users}).status_code == 200
    whole = client.get("/_admin/state").json["users"]
    pages, after = [], ""
    while after is not None:
        body = client.get(f"/_admin/users?after={after}&limit=2").json
        pages.append(body["users"])
        after = body["next"]
    assert [u for page in pages for u in page] == whole and len(whole) == 5 and len(pages) == 3
    assert client.get("/_admin/users?limit=0").status_code == 400
