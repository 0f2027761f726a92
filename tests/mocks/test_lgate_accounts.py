"""lgate's initial-password intake, the OneRoster read API, the admin seed and the pages."""

from __future__ import annotations

import datetime
import io
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from fixtures import build_bundle, generate_city, load_profile
from harness.accounts.passwords import PasswordEntry, render_password_file
from harness.oneroster.writer import write_bundle
from mocks.lgate import create_app
from mocks.lgate.passwords import verify_initial_password

READ = "/ims/oneroster/rostering/v1p2"


@pytest.fixture(scope="module")
def bundle_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    city = generate_city(load_profile("small"), seed=11, as_of=datetime.date(2025, 5, 1))
    out = tmp_path_factory.mktemp("lgate-accounts") / "RO_20250501_089901.zip"
    return write_bundle(build_bundle(city), out).read_bytes()


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> str:
    """One platform key directory for the module: an RSA key is made once, then loaded."""
    return str(tmp_path_factory.mktemp("lgate-keys"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "lgate.sqlite"


@pytest.fixture
def client(bundle_bytes: bytes, db_path: Path, keys: str) -> FlaskClient:
    app = create_app({"DATABASE": str(db_path), "PASSWORD_HASH_ITERATIONS": 50,
                      "LTI_KEY_DIR": keys})
    c = app.test_client()
    assert c.post("/oneroster/bulk", data=bundle_bytes,
                  content_type="application/zip").status_code == 200
    return c


@pytest.fixture(scope="module")
def reader(bundle_bytes: bytes, keys: str) -> FlaskClient:
    """One loaded lgate shared by the tests that only read."""
    c = create_app({"DATABASE": ":memory:", "LTI_KEY_DIR": keys}).test_client()
    assert c.post("/oneroster/bulk", data=bundle_bytes,
                  content_type="application/zip").status_code == 200
    return c


def users(client: FlaskClient) -> list[dict[str, Any]]:
    return client.get("/_admin/state").get_json()["users"]


def entries(client: FlaskClient, n: int, *, prefix: str = "Init!Pass") -> list[PasswordEntry]:
    return [PasswordEntry(u["userMasterIdentifier"], u["username"], f"{prefix}{i:04d}x")
            for i, u in enumerate(users(client)[:n])]


def send(client: FlaskClient, data: bytes, **kw: Any) -> Any:
    return client.post("/accounts/initial-passwords", data=data, content_type="text/csv", **kw)


# -- initial passwords --------------------------------------------------------------------------
def test_good_file_is_accepted_and_a_second_one_replaces(client: FlaskClient) -> None:
    rows = entries(client, 5)
    body = send(client, render_password_file(rows)).get_json()
    assert body == {"accepted": 5, "replaced": 0, "pending": 0, "rejected": []}
    again = send(client, render_password_file(entries(client, 7, prefix="Next#Pass"))).get_json()
    assert again["accepted"] == 7 and again["replaced"] == 5
    flags = {u["userMasterIdentifier"]: u["has_initial_password"] for u in users(client)}
    assert sum(flags.values()) == 7


def test_multipart_upload_is_accepted(client: FlaskClient) -> None:
    data = render_password_file(entries(client, 2))
    resp = client.post("/accounts/initial-passwords",
                       data={"file": (io.BytesIO(data), "ID_PW_20250501.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 200 and resp.get_json()["accepted"] == 2


def test_bad_rows_are_rejected_with_their_lines(client: FlaskClient) -> None:
    good = entries(client, 3)
    text = ("userMasterIdentifier,userPrincipalName,initialPassword\r\n"
            f"{good[0].user_master_identifier},{good[0].user_principal_name},Good!Pass01\r\n"
            f"{good[1].user_master_identifier},not-an-upn,Good!Pass02\r\n"
            f"{good[2].user_master_identifier},{good[2].user_principal_name},short\r\n"
            f"{good[0].user_master_identifier},dup@sakura.example.ed.jp,Good!Pass03\r\n")
    body = send(client, text.encode()).get_json()
    # lines 2 and 5 give one pupil two GIGA ids: a conflict, both rows set aside
    assert body["accepted"] == 0
    assert [(r["line"], r["column"]) for r in body["rejected"]] == [
        (2, "userPrincipalName"), (3, "userPrincipalName"), (4, "initialPassword"),
        (5, "userPrincipalName")]
    assert all(r["message_en"] and r["message_ja"] for r in body["rejected"])
    assert "short" not in str(body) and "Good!Pass" not in str(body)


def test_password_for_another_account_id_is_rejected(client: FlaskClient) -> None:
    u = users(client)[0]
    text = ("userMasterIdentifier,userPrincipalName,initialPassword\n"
            f"{u['userMasterIdentifier']},someone.else@sakura.example.ed.jp,Wrong!Acct1\n")
    body = send(client, text.encode()).get_json()
    assert body["accepted"] == 0
    assert body["rejected"][0]["line"] == 2 and body["rejected"][0]["column"] == \
        "userPrincipalName"


def test_rows_for_accounts_not_yet_imported_are_pending(client: FlaskClient) -> None:
    text = ("userMasterIdentifier,userPrincipalName,initialPassword\n"
            "future-pupil-1,future1@sakura.example.ed.jp,Later!Pass1\n")
    body = send(client, text.encode()).get_json()
    assert body["accepted"] == 1 and body["pending"] == 1


@pytest.mark.parametrize(("data", "needle"), [
    (b"", "no file"),
    (b"\xff\xfe\x00garbage", "UTF-8"),
    (b"id,password\nx,y\n", "header lacks"),
    (b"userMasterIdentifier,userPrincipalName,initialPassword\n\x00\n", "NUL"),
])
def test_unreadable_file_is_a_400(client: FlaskClient, data: bytes, needle: str) -> None:
    resp = send(client, data)
    assert resp.status_code == 400
    err = resp.get_json()["error"]
    assert err["code"] == "unreadableFile" and needle in err["message"]


def test_passwords_are_never_shown_and_stored_only_hashed(client: FlaskClient,
                                                          db_path: Path) -> None:
    rows = entries(client, 4)
    # two accounts with the same password must still get different salts and hashes
    same = [rows[0], rows[1]]
    rows[1] = PasswordEntry(rows[1].user_master_identifier, rows[1].user_principal_name,
                            rows[0].initial_password)
    resp = send(client, render_password_file(rows))
    for e in rows:
        assert e.initial_password not in resp.get_data(as_text=True)
        state_text = client.get("/_admin/state").get_data(as_text=True)
        assert e.initial_password not in state_text
    requests_log = client.get("/_admin/requests").get_data(as_text=True)
    assert rows[0].initial_password not in requests_log
    conn = sqlite3.connect(db_path)
    stored = conn.execute("SELECT user_master_identifier, algorithm, salt, hash "
                          "FROM initial_passwords ORDER BY rowid").fetchall()
    assert len(stored) == 4
    for _, algo, salt, digest in stored:
        assert algo.startswith("pbkdf2_sha256$")
        for e in rows:
            assert e.initial_password.encode() not in bytes(digest)
            assert e.initial_password.encode() not in bytes(salt)
    by_umi = {r[0]: r for r in stored}
    a, b = (by_umi[e.user_master_identifier] for e in same)
    assert a[2] != b[2] and a[3] != b[3]
    assert verify_initial_password(conn, rows[2].user_master_identifier,
                                   rows[2].initial_password)
    assert not verify_initial_password(conn, rows[2].user_master_identifier, "wrong-password")
    dump = "\n".join(conn.iterdump())
    assert all(e.initial_password not in dump for e in rows)


def test_every_row_of_a_shuffled_file_gets_its_own_password(client: FlaskClient,
                                                            db_path: Path) -> None:
    # more rows than the hashing's runs (16 per worker), in an order unlike the key's: each
    # stored hash still belongs to its own row, whatever order they are hashed and stored in
    rows = entries(client, 70)
    assert len(rows) == 70
    random.Random(7).shuffle(rows)
    body = send(client, render_password_file(rows)).get_json()
    assert body == {"accepted": 70, "replaced": 0, "pending": 0, "rejected": []}
    conn = sqlite3.connect(db_path)
    for e, other in zip(rows, rows[1:] + rows[:1], strict=True):
        assert verify_initial_password(conn, e.user_master_identifier, e.initial_password)
        assert not verify_initial_password(conn, e.user_master_identifier,
                                           other.initial_password)


def test_password_file_needs_the_token_when_one_is_set(keys: str) -> None:
    c = create_app({"DATABASE": ":memory:", "API_TOKEN": "tok", "LTI_KEY_DIR": keys}).test_client()
    assert send(c, b"userMasterIdentifier,userPrincipalName,initialPassword\n").status_code \
        == 401


# -- the OneRoster read API -----------------------------------------------------------------
def test_read_api_pages_with_total_count(reader: FlaskClient) -> None:
    total = len(users(reader))
    first = reader.get(f"{READ}/users?limit=10")
    assert first.status_code == 200
    assert first.headers["X-Total-Count"] == str(total)
    assert 'rel="next"' in first.headers["Link"]
    seen: list[str] = []
    offset = 0
    while offset < total:
        page = reader.get(f"{READ}/users", query_string={"limit": 100, "offset": offset})
        seen += [u["sourcedId"] for u in page.get_json()["users"]]
        offset += 100
    assert len(seen) == len(set(seen)) == total
    last = reader.get(f"{READ}/users?limit=10&offset={total - 3}").get_json()["users"]
    assert len(last) == 3
    assert reader.get(f"{READ}/users?offset={total}").get_json()["users"] == []


def test_read_api_default_and_maximum_page_size(reader: FlaskClient) -> None:
    assert len(reader.get(f"{READ}/users").get_json()["users"]) == 100
    total = len(users(reader))
    assert len(reader.get(f"{READ}/users?limit=5000").get_json()["users"]) == min(total, 1000)


def test_read_api_user_shape(reader: FlaskClient) -> None:
    u = reader.get(f"{READ}/users?limit=1").get_json()["users"][0]
    assert u["status"] == "active" and u["enabledUser"] is True
    assert u["userMasterIdentifier"] and u["username"]
    assert u["userIds"] == [{"type": "Office365", "identifier": u["username"]}]
    assert u["roles"][0]["role"] == "student" and u["roles"][0]["org"]["type"] == "org"
    assert u["grades"] and u["metadata"]["jp.homeClass"]
    one = reader.get(f"{READ}/users/{u['sourcedId']}").get_json()["user"]
    assert one == u


@pytest.mark.parametrize("collection", ["orgs", "classes", "enrollments"])
def test_read_api_other_collections(reader: FlaskClient, collection: str) -> None:
    resp = reader.get(f"{READ}/{collection}?limit=2")
    items = resp.get_json()[collection]
    assert resp.status_code == 200 and len(items) == 2
    assert int(resp.headers["X-Total-Count"]) >= 2
    assert all(i["sourcedId"] for i in items)


@pytest.mark.parametrize("query", ["limit=0", "limit=abc", "offset=-1", "limit=-5"])
def test_read_api_bad_paging_is_a_400(reader: FlaskClient, query: str) -> None:
    resp = reader.get(f"{READ}/users?{query}")
    assert resp.status_code == 400
    assert resp.get_json()["imsx_codeMajor"] == "failure"


def test_read_api_unknown_object_is_a_404(reader: FlaskClient) -> None:
    resp = reader.get(f"{READ}/users/no-such-user")
    assert resp.status_code == 404 and resp.get_json()["imsx_codeMajor"] == "failure"


def test_read_api_token(keys: str) -> None:
    c = create_app({"DATABASE": ":memory:", "API_TOKEN": "tok-1", "LTI_KEY_DIR": keys}
                   ).test_client()
    assert c.get(f"{READ}/users").status_code == 401
    ok = c.get(f"{READ}/users", headers={"Authorization": "Bearer tok-1"})
    assert ok.status_code == 200 and ok.headers["X-Total-Count"] == "0"


# -- seed, reset, pages -----------------------------------------------------------------------
@pytest.mark.parametrize(("payload", "needle"), [
    ({}, "users"),
    ({"users": ["x"]}, "not an object"),
    ({"users": [{"userMasterIdentifier": "t"}]}, "username"),
    ({"users": [{"userMasterIdentifier": "t", "username": "t@x.jp", "givenName": "a",
                 "familyName": "b", "role": "wizard"}]}, "role"),
    ({"users": [{"userMasterIdentifier": "t", "username": "t@x.jp", "givenName": "a",
                 "familyName": "b", "classSourcedIds": "c1"}]}, "classSourcedIds"),
])
def test_bad_seed_is_a_400_naming_the_field(client: FlaskClient, payload: Any,
                                            needle: str) -> None:
    resp = client.post("/_admin/seed", json=payload)
    assert resp.status_code == 400 and needle in resp.get_json()["error"]["message"]


def test_reset_empties_the_store(client: FlaskClient) -> None:
    send(client, render_password_file(entries(client, 2)))
    assert client.post("/_admin/reset").status_code == 200
    st = client.get("/_admin/state").get_json()
    assert st["users"] == [] and st["initial_passwords"] == 0 and st["imports"] == []


def test_index_page_names_the_system(reader: FlaskClient) -> None:
    page = reader.get("/").get_data(as_text=True)
    assert "学習eポータル L-Gate" in page and "L-Gate" in page
    assert "/oneroster/bulk" in page and "/launch" in page


def test_openapi_describes_served_routes(reader: FlaskClient) -> None:
    doc = reader.get("/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    rules = {r.rule.replace("<", "{").replace(">", "}")
             for r in reader.application.url_map.iter_rules()}
    for path in doc["paths"]:
        concrete = path.replace("{sourcedId}", "{sourced_id}")
        generic = concrete.replace("/users", "/{any(users, orgs, classes, enrollments):"
                                   "collection}")
        for coll in ("orgs", "classes", "enrollments"):
            generic = generic.replace(f"/{coll}", "/{any(users, orgs, classes, enrollments):"
                                      "collection}")
        assert concrete in rules or generic in rules, path


@pytest.mark.parametrize("query", ["offset=18637623036536384265388032",
                                   "limit=99999999999999999999"])
def test_read_api_huge_numbers_are_served_not_crashed(reader: FlaskClient, query: str) -> None:
    resp = reader.get(f"{READ}/users?{query}")
    assert resp.status_code == 200


def test_read_api_non_ascii_digits_are_a_400(reader: FlaskClient) -> None:
    assert reader.get(f"{READ}/users?limit=²").status_code == 400
