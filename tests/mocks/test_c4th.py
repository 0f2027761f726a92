"""c4th: the city it holds, its exports with the pilot's quirks, events and the password file."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from harness.accounts.passwords import read_password_file
from harness.core import Severity
from harness.oneroster import check_bundle, read_bundle
from tests.mocks.conftest import MakeMock

SEED = {"profile": "small", "seed": 1, "as_of": "2025-05-01"}


@pytest.fixture
def client(make_mock: MakeMock) -> FlaskClient:
    client = make_mock("c4th").test_client()
    assert client.post("/_admin/seed", json=SEED).status_code == 200
    return client


def export(client: FlaskClient, tmp_path: Path, name: str = "ro.zip", **kw: Any) -> Path:
    resp = client.get("/oneroster/export", **kw)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    target = tmp_path / name
    target.write_bytes(resp.data)
    return target


def users_of(path: Path) -> list[dict[str, str]]:
    return read_bundle(path).rows("users")


def test_export_is_a_named_zip_of_students_only(client: FlaskClient, tmp_path: Path) -> None:
    resp = client.get("/oneroster/export")
    assert resp.mimetype == "application/zip"
    assert resp.headers["Content-Disposition"] == 'attachment; filename="RO_20250501_089901.zip"'
    names = zipfile.ZipFile(io.BytesIO(resp.data)).namelist()
    assert "manifest.csv" in names and "users.csv" in names
    path = tmp_path / "ro.zip"
    path.write_bytes(resp.data)
    roles = {r["role"] for r in read_bundle(path).rows("roles")}
    assert roles == {"student"}


def test_export_with_quirks_regenerates_sourced_ids_each_time(client: FlaskClient,
                                                              tmp_path: Path) -> None:
    first = users_of(export(client, tmp_path, "1.zip"))
    second = users_of(export(client, tmp_path, "2.zip"))
    assert {u["userMasterIdentifier"] for u in first} == {u["userMasterIdentifier"]
                                                          for u in second}
    assert not {u["sourcedId"] for u in first} & {u["sourcedId"] for u in second}
    serials = [e["serial"] for e in client.get("/_admin/state").json["exports"]]
    assert serials == [1, 2]


def test_export_carries_the_pilots_quirks(client: FlaskClient, tmp_path: Path) -> None:
    bundle = read_bundle(export(client, tmp_path))
    giga = [u["userIds"] for u in bundle.rows("users")]
    assert len(giga) > len(set(giga)), "stale duplicates: one GIGA account appears twice"
    school_codes = [o.get("identifier") for o in bundle.rows("orgs") if o["type"] == "school"]
    assert len(school_codes) > len(set(school_codes)), "a 義務教育学校 is split in two orgs"
    titles = " ".join(c["title"] for c in bundle.rows("classes"))
    assert "障害" in titles, "special-needs class titles name the disability"
    names = "".join(u["givenName"] + u["familyName"] for u in bundle.rows("users"))
    assert any(0xE000 <= ord(ch) <= 0xF8FF for ch in names), "gaiji in display names"


def test_export_without_quirks_passes_the_checker(make_mock: MakeMock, tmp_path: Path) -> None:
    client = make_mock("c4th").test_client()
    client.post("/_admin/seed", json={**SEED, "quirks": "none"})
    result = check_bundle(export(client, tmp_path))
    assert not [f for f in result.findings if f.severity is Severity.ERROR]


def test_export_before_any_seed_is_409(make_mock: MakeMock) -> None:
    resp = make_mock("c4th").test_client().get("/oneroster/export")
    assert resp.status_code == 409 and "/_admin/seed" in resp.json["error"]["message"]


def test_export_needs_the_bearer_token_when_one_is_set(make_mock: MakeMock) -> None:
    client = make_mock("c4th", API_TOKEN="s3cret-token").test_client()
    client.post("/_admin/seed", json=SEED)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        resp = client.get("/oneroster/export", headers=headers)
        assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Bearer")
        assert "s3cret" not in resp.get_data(as_text=True)
    ok = client.get("/oneroster/export", headers={"Authorization": "Bearer s3cret-token"})
    assert ok.status_code == 200


def test_export_is_also_written_to_the_drop_folder(make_mock: MakeMock, tmp_path: Path) -> None:
    client = make_mock("c4th", DROP_DIR=str(tmp_path / "drop")).test_client()
    client.post("/_admin/seed", json=SEED)
    data = client.get("/oneroster/export").data
    dropped = tmp_path / "drop" / "RO_20250501_089901.zip"
    assert dropped.read_bytes() == data
    assert client.get("/_admin/state").json["exports"][0]["drop_path"] == str(dropped)
    assert not list((tmp_path / "drop").glob("*.part"))


def test_truncate_fault_exports_a_valid_bundle_with_a_share_of_pupils(
        make_mock: MakeMock, tmp_path: Path) -> None:
    client = make_mock("c4th").test_client()
    client.post("/_admin/seed", json={**SEED, "quirks": "none"})
    full = users_of(export(client, tmp_path, "full.zip"))
    client.post("/_admin/faults", json={"kind": "truncate", "keep": 0.3, "count": 1})
    cut_path = export(client, tmp_path, "cut.zip")
    cut = read_bundle(cut_path)
    assert len(cut.rows("users")) == int(len(full) * 0.3)
    kept = {u["sourcedId"] for u in cut.rows("users")}
    assert {e["userSourcedId"] for e in cut.rows("enrollments")} <= kept
    assert not [f for f in check_bundle(cut_path).findings if f.severity is Severity.ERROR]
    exports = client.get("/_admin/state").json["exports"]
    assert [e["truncated"] for e in exports] == [False, True]
    assert len(users_of(export(client, tmp_path, "again.zip"))) == len(full)
    log = client.get("/_admin/requests?faulted=1").json["requests"]
    assert [e["fault"]["kind"] for e in log] == ["truncate"]


def test_truncate_fault_is_not_spent_on_requests_that_cannot_apply_it(
        client: FlaskClient) -> None:
    client.post("/_admin/faults", json={"kind": "truncate", "keep": 0.1, "count": 1})
    client.get("/")
    client.get("/openapi.json")
    full = client.get("/_admin/state").json["city"]["students"]
    client.get("/oneroster/export")
    exported = client.get("/_admin/state").json["exports"][-1]
    assert exported["truncated"] is True and exported["users"] < full / 5


@pytest.mark.parametrize(("payload", "message"), [
    ({"profile": "/etc/passwd.toml"}, "profile must be one of"),
    ({"seed": "one"}, "seed must be a whole number"),
    ({"seed": True}, "seed must be a whole number"),
    ({"as_of": "May 1st"}, "as_of must be a date"),
    ({"quirks": "gaiji,unicorns"}, "unknown quirk 'unicorns'"),
    ({"quirks": 3}, "quirks must be a string"),
    ({"colour": "red"}, "unknown seed field(s) colour"),
    ({"city": {"format": 0}}, "is not a saved city"),
])
def test_bad_seeds_are_400_and_keep_the_city(client: FlaskClient, payload: dict[str, Any],
                                              message: str) -> None:
    before = client.get("/_admin/state").json["city"]
    resp = client.post("/_admin/seed", json=payload)
    assert resp.status_code == 400 and message in resp.json["error"]["message"]
    assert client.get("/_admin/state").json["city"] == before


def test_seed_from_a_saved_city_round_trips(client: FlaskClient, make_mock: MakeMock) -> None:
    saved = client.get("/_admin/city").json
    other = make_mock("c4th").test_client()
    assert other.post("/_admin/seed", json={"city": saved}).status_code == 200
    assert other.get("/_admin/city").json == saved


@pytest.mark.parametrize("event", ["enrol", "transfer_in", "transfer", "transfer_out",
                                   "graduate", "advance_year"])
def test_every_life_event_applies_and_is_saved(client: FlaskClient, event: str) -> None:
    before = client.get("/_admin/state").json["city"]
    resp = client.post("/_admin/events", json={"event": event})
    assert resp.status_code == 200, resp.json
    after = client.get("/_admin/state").json["city"]
    assert after["events"] == before["events"] + 1
    assert resp.json["city"] == after
    if event in ("enrol", "transfer_in"):
        assert after["students"] == before["students"] + 1
        assert resp.json["result"]["umi"]
    if event == "advance_year":
        assert after["school_year"] == before["school_year"] + 1


def test_transfer_of_a_named_pupil_keeps_their_accounts(client: FlaskClient) -> None:
    city = client.get("/_admin/city").json
    pupil = city["students"][0]
    moved = client.post("/_admin/events", json={"event": "transfer",
                                                 "args": {"student": pupil["umi"]}}).json
    assert moved["result"]["umi"] == pupil["umi"] and moved["result"]["upn"] == pupil["upn"]
    assert moved["result"]["school"] != pupil["school"]


@pytest.mark.parametrize(("payload", "message"), [
    ({"event": "explode"}, "event must be one of"),
    ({"event": "transfer", "args": {"student": "nobody"}}, "no current student"),
    ({"event": "transfer", "args": {"colour": "red"}}, "unknown argument(s) colour"),
    ({"event": "enrol", "args": {"school": 3}}, "must be strings"),
    ({"event": "enrol", "args": ["x"]}, "args must be a JSON object"),
    ({"event": "enrol", "args": {"school": "no-such-school"}}, "no school"),
    ({"event": "enrol", "as_of": "2020-01-01"}, "before the city's date"),
    (["enrol"], "expected a JSON object"),
])
def test_bad_events_are_400_and_change_nothing(client: FlaskClient, payload: Any,
                                               message: str) -> None:
    before = client.get("/_admin/city").json
    resp = client.post("/_admin/events", json=payload)
    assert resp.status_code == 400 and message in resp.json["error"]["message"]
    assert client.get("/_admin/city").json == before


def test_event_count_applies_it_n_times_and_school_names_the_target(
        client: FlaskClient) -> None:
    before = client.get("/_admin/state").json["city"]
    resp = client.post("/_admin/events", json={"event": "transfer_out", "count": 3})
    assert len(resp.json["result"]) == 3
    assert resp.json["city"]["students"] == before["students"] - 3
    city = client.get("/_admin/city").json
    elementary = {s["key"] for s in city["schools"] if s["kind"] == "elementary"}
    pupil = next(s for s in city["students"] if s["school"] in elementary)
    target = next(s for s in city["schools"] if s["kind"] == "compulsory")
    moved = client.post("/_admin/events", json={"event": "transfer", "args": {
        "student": pupil["umi"], "school": target["school_code"]}})
    assert moved.status_code == 200, moved.json
    assert moved.json["result"]["school"] == target["key"]
    assert client.post("/_admin/events", json={"event": "enrol", "count": 0}
                       ).status_code == 400


def test_event_as_of_moves_the_city_date(client: FlaskClient) -> None:
    resp = client.post("/_admin/events", json={"event": "enrol", "as_of": "2025-06-10"})
    assert resp.json["city"]["as_of"] == "2025-06-10"


def test_events_before_any_seed_are_409(make_mock: MakeMock) -> None:
    resp = make_mock("c4th").test_client().post("/_admin/events", json={"event": "enrol"})
    assert resp.status_code == 409


def test_password_file_for_everyone_then_only_new_pupils(client: FlaskClient) -> None:
    resp = client.get("/_admin/password-file")
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"].endswith('ID_PW_20250501_089901.csv"')
    first = read_password_file(resp.data)
    assert not first.problems and len(first.entries) > 400
    city = client.get("/_admin/city").json
    assert set(first.entries) <= {s["umi"] for s in city["students"]}
    assert client.get("/_admin/password-file?only=new").data.count(b"\n") == 1  # header only
    new = client.post("/_admin/events", json={"event": "transfer_in"}).json["result"]
    later = read_password_file(client.get("/_admin/password-file?only=new").data)
    assert list(later.entries) == [new["umi"]]
    entry = later.entries[new["umi"]]
    assert entry.user_principal_name == new["upn"] and len(entry.initial_password) >= 12
    assert entry.initial_password not in repr(entry)
    again = read_password_file(client.get("/_admin/password-file").data)
    assert again.entries[new["umi"]].initial_password == entry.initial_password
    state = client.get("/_admin/state").get_data(as_text=True)
    assert entry.initial_password not in state


def test_password_file_bad_option_is_400(client: FlaskClient) -> None:
    assert client.get("/_admin/password-file?only=some").status_code == 400


def test_city_and_exports_survive_a_restart_with_a_file_database(make_mock: MakeMock,
                                                                  tmp_path: Path) -> None:
    db = str(tmp_path / "c4th.sqlite")
    first = make_mock("c4th", DATABASE=db).test_client()
    first.post("/_admin/seed", json=SEED)
    first.post("/_admin/events", json={"event": "enrol"})
    first.get("/oneroster/export")
    city = first.get("/_admin/city").json
    second = make_mock("c4th", DATABASE=db).test_client()
    assert second.get("/_admin/city").json == city
    state = second.get("/_admin/state").json
    assert state["city"]["export_serial"] == 1 and len(state["exports"]) == 1
    second.get("/oneroster/export")
    assert second.get("/_admin/state").json["city"]["export_serial"] == 2


def test_reset_forgets_the_city(client: FlaskClient) -> None:
    client.post("/_admin/reset")
    assert client.get("/_admin/state").json["city"] is None
    assert client.get("/oneroster/export").status_code == 409


def test_the_city_as_json_lines_is_the_city_pupil_by_pupil(client: FlaskClient) -> None:
    whole = client.get("/_admin/city").json
    resp = client.get("/_admin/city?format=ndjson")
    assert resp.mimetype == "application/x-ndjson"
    head, *pupils = (json.loads(line) for line in resp.data.splitlines())
    assert head["students"] == [] and {**head, "students": pupils} == whole
    assert len(pupils) == len(whole["students"]) > 100


def test_a_current_cache_reads_only_the_citys_version(make_mock: MakeMock) -> None:
    # every request loads the city: the stored JSON (300 MB at prefecture scale) is read again
    # only when another worker has saved a newer version, never to find the cache current
    from mocks.base.db import get_db
    from mocks.c4th.store import load_city

    app = make_mock("c4th")
    assert app.test_client().post("/_admin/seed", json=SEED).status_code == 200
    with app.app_context():
        conn = get_db()
        statements: list[str] = []
        conn.set_trace_callback(statements.append)
        try:
            city = load_city()
            assert load_city() is city
            assert not any("data" in s for s in statements)
            conn.execute("UPDATE city SET version = version + 1 WHERE id = 1")
            fresh = load_city()
            assert fresh is not city and fresh is not None
            assert fresh.to_json() == city.to_json()
            assert sum("SELECT data FROM city" in s for s in statements) == 1
        finally:
            conn.set_trace_callback(None)
