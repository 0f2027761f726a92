"""mocks.base: the app factory, SQLite state, admin API, pages and the fault middleware."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
import requests
from flask import Blueprint, Flask, jsonify

from harness.transport import WsgiAdapter, mount_wsgi
from mocks.base import MockSpec, create_mock_app, db_transaction, get_db

SCHEMA = "CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"

bp = Blueprint("items", __name__)


@bp.get("/items")
def list_items() -> Any:
    return jsonify([dict(r) for r in get_db().execute("SELECT * FROM items ORDER BY id")])


@bp.get("/relay")
def relay() -> Any:
    from mocks.base import http_session

    return jsonify(http_session().get("http://peer.test/anything?token=x", timeout=1).json())


@bp.post("/items/<name>")
def add_item(name: str) -> Any:
    with db_transaction() as conn:
        conn.execute("INSERT INTO items (name) VALUES (?)", (name,))
        if name == "boom":
            raise RuntimeError("the mock failed on purpose")
    return jsonify({"added": name}), 201


def _state() -> dict[str, Any]:
    return {"items": [dict(r) for r in get_db().execute("SELECT * FROM items")]}


def _seed(payload: dict[str, Any]) -> dict[str, Any]:
    with db_transaction() as conn:
        conn.executemany("INSERT INTO items (name) VALUES (?)",
                         [(n,) for n in payload.get("names", [])])
    return {"seeded": len(payload.get("names", []))}


SPEC = MockSpec(name="sample", title_ja="見本システム", title_en="Sample system",
                import_name=__name__, schema_sql=SCHEMA, blueprints=(bp,), state=_state,
                seed=_seed, openapi=lambda: {"openapi": "3.1.0", "info": {
                    "title": "sample", "version": "1"}, "paths": {"/items": {}}})


def make(**config: Any) -> Flask:
    config.setdefault("DATABASE", ":memory:")
    return create_mock_app(SPEC, config)


def test_memory_database_is_shared_by_the_apps_threads_but_not_between_apps() -> None:
    app, other = make(), make()
    app.test_client().post("/items/a")
    seen: list[Any] = []
    thread = threading.Thread(target=lambda: seen.append(app.test_client().get("/items").json))
    thread.start()
    thread.join()
    assert seen == [[{"id": 1, "name": "a"}]]
    assert other.test_client().get("/items").json == []


def test_file_database_keeps_state_across_app_restarts(tmp_path: Any) -> None:
    db = tmp_path / "state" / "sample.sqlite"
    make(DATABASE=str(db)).test_client().post("/items/kept")
    assert make(DATABASE=str(db)).test_client().get("/items").json == [{"id": 1, "name": "kept"}]
    with make(DATABASE=str(db)).app_context():
        assert get_db().execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        # NORMAL (1): no fsync per commit; WAL still keeps a commit through a process crash
        assert get_db().execute("PRAGMA synchronous").fetchone()[0] == 1


def test_the_connection_is_the_app_contexts_and_given_back_at_its_end() -> None:
    app, other = make(), make()
    with pytest.raises(RuntimeError, match="application context"):
        get_db()
    with app.app_context():
        conn = get_db()
        assert get_db() is conn
        with other.app_context():  # the inner context's own app and connection
            assert get_db() is not conn
            assert get_db().execute("SELECT count(*) FROM items").fetchone()[0] == 0
        assert get_db() is conn
        conn.execute("BEGIN")
    assert not conn.in_transaction  # rolled back at teardown
    with app.app_context():
        assert get_db() is conn  # the thread's kept connection again


@pytest.mark.parametrize("where", ["memory", "file"])
def test_concurrent_writers_never_see_a_locked_database(where: str, tmp_path: Any) -> None:
    app = make(DATABASE=":memory:" if where == "memory" else str(tmp_path / "db.sqlite"))
    statuses: list[int] = []

    def writer(k: int) -> None:
        client = app.test_client()
        statuses.extend(client.post(f"/items/w{k}-{n}").status_code for n in range(15))

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 120
    assert len(app.test_client().get("/items").json) == 120


def test_default_database_lives_under_the_instance_path(tmp_path: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(tmp_path / "inst"))
    app = create_mock_app(SPEC, {"DATABASE": None})
    assert app.config["DATABASE"].startswith(app.instance_path)
    assert app.config["DATABASE"] == str(tmp_path / "inst" / "sample.sqlite")


def test_a_failing_view_rolls_back_and_answers_json_500_without_internals() -> None:
    client = make().test_client()
    resp = client.post("/items/boom")
    assert resp.status_code == 500
    assert resp.json["error"]["code"] == "internalServerError"
    assert "on purpose" not in resp.get_data(as_text=True)
    assert client.get("/items").json == []


def test_a_failed_outbound_call_is_a_502_naming_the_peer_without_its_query() -> None:
    session = requests.Session()
    app = make(HTTP_SESSION=session)
    session.mount("http://", WsgiAdapter({}))  # nothing serves peer.test; no network used
    resp = app.test_client().get("/relay")
    assert resp.status_code == 502 and resp.json["error"]["code"] == "badGateway"
    assert "http://peer.test/anything" in resp.json["error"]["message"]
    assert "token=x" not in resp.json["error"]["message"]


def test_unknown_path_and_wrong_method_are_json_errors() -> None:
    client = make().test_client()
    assert client.get("/nope").status_code == 404
    assert client.get("/nope").json["error"]["code"] == "notFound"
    resp = client.delete("/items")
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]


def test_index_names_the_system_in_both_languages_and_lists_endpoints() -> None:
    html = make().test_client().get("/").get_data(as_text=True)
    assert "見本システム" in html and "Sample system" in html
    for rule in ("/items", "/items/&lt;name&gt;", "/_admin/faults", "/openapi.json"):
        assert rule in html


def test_openapi_is_served_from_the_spec() -> None:
    assert make().test_client().get("/openapi.json").json["paths"] == {"/items": {}}


def test_admin_state_seed_and_reset() -> None:
    client = make().test_client()
    assert client.post("/_admin/seed", json={"names": ["x", "y"]}).json == {"seeded": 2}
    assert [i["name"] for i in client.get("/_admin/state").json["items"]] == ["x", "y"]
    client.get("/items")
    client.post("/_admin/faults", json={"kind": "latency", "ms": 1})
    assert client.post("/_admin/reset").json == {"reset": True}
    assert client.get("/_admin/state").json == {"items": []}
    assert client.get("/_admin/faults").json["faults"] == []
    assert client.get("/_admin/requests").json["requests"] == []


@pytest.mark.parametrize(("body", "message"), [
    (b"", "expected a JSON body"),
    (b"{not json", "not valid JSON"),
    (b'{"kind": "explode"}', "fault kind must be one of"),
    (b'{"kind": "status", "status": 999}', "'status' must be between 100 and 599"),
    (b'{"kind": "latency", "ms": 500, "ms_max": 10}', "below 'ms'"),
    (b'{"kind": "drop", "route": "("}', "not a valid regular expression"),
    (b'{"kind": "drop", "probability": "often"}', "must be a number"),
    (b'{"kind": "drop", "count": 1.5}', "whole number"),
    (b'{"kind": "drop", "colour": "red"}', "unknown fault field(s) colour"),
    (b'{"kind": "drop", "at": "never"}', "'at' must be one of"),
    (b'[{"kind": "drop"}, {"kind": "nope"}]', "fault kind must be one of"),
])
def test_bad_fault_settings_are_a_clear_400_and_add_nothing(body: bytes, message: str) -> None:
    client = make().test_client()
    resp = client.post("/_admin/faults", data=body, content_type="application/json")
    assert resp.status_code == 400
    assert message in resp.json["error"]["message"]
    assert client.get("/_admin/faults").json["faults"] == []


def test_seed_of_a_mock_without_seed_is_a_400() -> None:
    spec = MockSpec(name="bare", title_ja="素", title_en="Bare", import_name=__name__)
    resp = create_mock_app(spec, {"DATABASE": ":memory:"}).test_client().post(
        "/_admin/seed", json={})
    assert resp.status_code == 400 and resp.json["error"]["code"] == "noSeed"


# --- faults -----------------------------------------------------------------------------------

def test_status_fault_with_retry_after_for_the_next_n_calls_only() -> None:
    client = make().test_client()
    client.post("/_admin/faults", json={"kind": "status", "status": 503, "retry_after": 2,
                                         "count": 2})
    first, second, third = (client.get("/items") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [503, 503, 200]
    assert first.headers["Retry-After"] == "2"
    assert first.json["error"]["code"] == "injectedFault"
    fault = client.get("/_admin/faults").json["faults"][0]
    assert fault["fired"] == 2 and fault["count"] == 0


def test_faults_match_route_and_method_and_never_touch_admin() -> None:
    client = make().test_client()
    client.post("/_admin/faults", json={"kind": "status", "status": 500, "route": "^/items/",
                                         "method": "post"})
    assert client.get("/items").status_code == 200
    assert client.post("/items/a").status_code == 500
    assert client.get("/_admin/state").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/items").json == []  # the faulted POST never reached the app


def test_probability_zero_never_fires_and_a_half_fires_about_half_the_time() -> None:
    client = make(FAULT_SEED=7).test_client()
    client.post("/_admin/faults", json={"kind": "status", "probability": 0})
    assert all(client.get("/items").status_code == 200 for _ in range(50))
    client.delete("/_admin/faults")
    client.post("/_admin/faults", json={"kind": "status", "status": 502, "probability": 0.5})
    statuses = [client.get("/items").status_code for _ in range(200)]
    assert 60 < statuses.count(502) < 140


def test_latency_fault_delays_fixed_and_random() -> None:
    client = make().test_client()
    client.post("/_admin/faults", json={"kind": "latency", "ms": 150, "count": 1})
    start = time.perf_counter()
    assert client.get("/items").status_code == 200
    assert time.perf_counter() - start >= 0.14
    client.post("/_admin/faults", json={"kind": "latency", "ms": 20, "ms_max": 60, "count": 1})
    start = time.perf_counter()
    client.get("/items")
    assert 0.019 <= time.perf_counter() - start < 1


def test_drop_fault_is_a_connection_error_in_process_after_the_request_ran() -> None:
    app = make()
    session = mount_wsgi(requests.Session(), {"http://sample.test": app})
    session.post("http://sample.test/_admin/faults", json={"kind": "drop", "count": 2})
    with pytest.raises(requests.ConnectionError):
        session.post("http://sample.test/items/a")
    assert session.get("http://sample.test/_admin/state").status_code == 200
    with pytest.raises(requests.ConnectionError):
        session.get("http://sample.test/items")
    # the dropped POST was applied, as when a server dies while answering
    assert session.get("http://sample.test/items").json() == [{"id": 1, "name": "a"}]


def test_malformed_fault_garbles_the_body_but_keeps_status_and_type() -> None:
    client = make().test_client()
    client.post("/items/a")
    client.post("/_admin/faults", json={"kind": "malformed", "count": 1})
    resp = client.get("/items")
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    with pytest.raises(ValueError):
        json.loads(resp.data)
    assert resp.headers["Content-Length"] == str(len(resp.data))


def test_trickle_fault_sends_the_whole_body_slowly() -> None:
    client = make().test_client()
    for name in "abcdefghij":
        client.post(f"/items/{name}")
    expected = client.get("/items").data
    rate = len(expected) * 4
    client.post("/_admin/faults", json={"kind": "trickle", "bytes_per_s": rate})
    start = time.perf_counter()
    resp = client.get("/items")
    assert resp.data == expected
    # slices of a tenth of the rate, each sent when the ones before it have taken their time:
    # the last goes out after (slices - 1) * step / rate. Here that is 2 steps, a hair under
    # 0.2 s (step is rounded down), so the bound of 0.2 s it had failed by 0.3 us once in CI
    step = rate // 10
    slices = -(-len(expected) // step)
    assert slices >= 3 and time.perf_counter() - start >= (slices - 1) * step / rate


def test_faults_from_config_apply_from_the_start() -> None:
    client = make(FAULTS=[{"kind": "status", "status": 429, "route": "^/items$"}]).test_client()
    assert client.get("/items").status_code == 429


def test_bad_fault_in_config_fails_the_factory() -> None:
    from mocks.base import FaultError

    with pytest.raises(FaultError, match="fault kind"):
        make(FAULTS=[{"kind": "nope"}])


def test_one_fault_rule_is_removed_by_id() -> None:
    client = make().test_client()
    ids = [f["id"] for f in client.post("/_admin/faults", json=[
        {"kind": "status", "status": 500}, {"kind": "latency", "ms": 1}]).json["added"]]
    assert client.delete(f"/_admin/faults/{ids[0]}").json == {"removed": ids[0]}
    assert client.delete(f"/_admin/faults/{ids[0]}").status_code == 404
    assert [f["kind"] for f in client.get("/_admin/faults").json["faults"]] == ["latency"]
    assert client.get("/items").status_code == 200


def test_request_log_records_method_path_status_ms_and_injected_faults() -> None:
    client = make().test_client()
    client.post("/items/a")
    client.post("/_admin/faults", json={"kind": "status", "status": 503, "count": 1})
    client.get("/items?x=1")
    log = client.get("/_admin/requests").json["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/items/a", 201), ("GET", "/items", 503)]
    assert log[1]["query"] == "x=1" and log[1]["fault"]["kind"] == "status"
    assert all(isinstance(e["ms"], float) for e in log)
    assert len(client.get("/_admin/requests?faulted=1").json["requests"]) == 1
    assert len(client.get("/_admin/requests?method=post").json["requests"]) == 1
    assert len(client.get("/_admin/requests?path=^/items$&limit=5").json["requests"]) == 1
    assert client.get("/_admin/requests?path=(").status_code == 400
    assert client.get("/_admin/requests?limit=x").status_code == 400
    client.delete("/_admin/requests")
    assert client.get("/_admin/requests").json["requests"] == []


def test_request_log_never_keeps_secret_query_values() -> None:
    client = make().test_client()
    client.get("/items?access_token=abc123&user=u1&client_secret=s3")
    query = client.get("/_admin/requests").json["requests"][0]["query"]
    assert "abc123" not in query and "s3" not in query and "user=u1" in query


def test_request_log_is_bounded() -> None:
    client = make(REQUEST_LOG_SIZE=5).test_client()
    for _ in range(12):
        client.get("/items")
    log = client.get("/_admin/requests").json["requests"]
    assert len(log) == 5 and log[-1]["seq"] == 12


@pytest.mark.parametrize(("query", "logged"), [
    ("", ""),
    ("response_type=id_token&scope=openid", "response_type=id_token&scope=openid"),
    ("user=u1&access_token=abc&tool=t", "user=u1&access_token=%2A%2A%2A&tool=t"),
    ("client%5Fsecret=abc", "client_secret=%2A%2A%2A"),
    ("pass+word=x&Code=y", "pass+word=x&Code=%2A%2A%2A"),
    ("api%4Bey=z", "apiKey=%2A%2A%2A"),  # an escaped name is read as it decodes
])
def test_the_request_log_redacts_secret_looking_parameters_by_name(query: str,
                                                                   logged: str) -> None:
    from mocks.base.middleware import redact_query

    assert redact_query(query) == logged


def test_the_redaction_reads_every_parameter_name_as_it_decodes() -> None:
    """redact_query's one-pattern scan of the names answers as unquoting every name and
    searching it (random queries of secret-ish and plain names, values, escapes, ``+``)."""
    import random
    from urllib.parse import unquote_plus

    from mocks.base.middleware import _SECRET_PARAM, _names_a_secret, redact_query

    def reference(query: str) -> bool:
        return any(_SECRET_PARAM.search(unquote_plus(part.partition("=")[0]))
                   for part in query.split("&"))

    rng = random.Random(18)
    words = ["id_token", "user", "code", "KEY", "k%65y", "to+ken", "a%2Bb", "state", "tok",
             "en", "%", "=", "&", "", "response_type", "secret", "pass%77d", "x=token",
             "\u017fecret", "\u212aey", "pa%C5%BFsword", "caf\u00e9", "PASSWD"]
    for _ in range(3000):
        query = "".join(rng.choice(words + ["&", "="]) for _ in range(rng.randrange(0, 8)))
        assert _names_a_secret(query) == reference(query), query
        if not reference(query):
            assert redact_query(query) == query


def test_sessions_survive_requests_and_a_new_secret_key_drops_them() -> None:
    from flask import session

    app = make()

    def remember() -> Any:
        session["who"] = "u1"
        return "ok"

    app.add_url_rule("/remember", view_func=remember)
    app.add_url_rule("/who", view_func=lambda: jsonify(session.get("who")))
    client = app.test_client()
    client.get("/remember")
    assert client.get("/who").json == "u1"
    assert client.get("/who").json == "u1"
    app.secret_key = "rotated"
    assert client.get("/who").json is None
