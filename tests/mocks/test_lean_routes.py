"""The launch hops served lean (mocks.base.lean) answer as the same routes through Flask.

lgate's ``/launch`` and ``/lti/auth`` and a tool's ``/lti/login`` and ``/lti/launch`` are
served below Flask's request machinery; the Flask routes at the same paths run the same views.
Every exchange of a script of good and bad requests (whole launches that are accepted or
refused, missing and unknown parameters, no lgate session, a platform error, a forged token,
a wrong method, JSON clients, an injected fault, a view that fails) is made with the lean
routes on and off, in-process and over real HTTP (waitress), and compared: status, the
headers that matter, the body, and what the request log recorded. Random values (state,
nonce, tokens, cookie values and dates) are masked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, request, request_started

from fixtures import build_bundle, generate_city, load_profile
from harness.lti.browser import Browser, RequestsTransport, WsgiTransport
from harness.oneroster import write_bundle
from harness.oneroster.model import Bundle
from mocks.base import lean_routes
from mocks.lgate import store as lgate_store
from mocks.serve import MockServers
from mocks.testing import make_mocks
from tests.mocks.servekit import served_with_bulk

NAMES = ["lgate", "interactive_study", "tsubasa_book", "mirai_school"]
WHEN = "2025-05-01T00:00:00.000Z"
#: the headers whose values are compared (others, such as Date or Server, are the server's)
HEADERS = ("Content-Type", "Location", "Set-Cookie", "Vary", "Cache-Control", "Allow")

_JWT = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*")
_RANDOM = re.compile(r"(state|nonce|lti_message_hint|session|renkei_lti_state)"
                     r"(=|&#34;:&#34;|\":\"|\" value=\")[^&;\"]+")
_EXPIRES = re.compile(r"Expires=[^;]+")
_HOST = re.compile(r"http://(127\.0\.0\.1:\d+|[a-z-]+\.test)")
_SEQ = re.compile(r"\"launch_id\": ?\d+|fault #\d+")  # numbered per server, not per run


def mask(text: str, hosts: dict[str, str]) -> str:
    for name, url in hosts.items():
        text = text.replace(url, f"<{name}>")
    text = _JWT.sub("<jwt>", text)
    text = _RANDOM.sub(lambda m: f"{m.group(1)}{m.group(2)}<random>", text)
    text = _EXPIRES.sub("Expires=<date>", text)
    return _SEQ.sub("<n>", text)


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    city = generate_city(load_profile("small"), seed=3, as_of=dt.date(2025, 5, 1))
    return build_bundle(city, quirks=frozenset())


class Client:
    """One way of reaching the mocks (in-process or over HTTP) and recording the answers."""

    def __init__(self, urls: dict[str, str], apps: dict[str, Flask], browser: Callable[[], Browser],
                 fetch: Callable[..., tuple[int, dict[str, str], str]]) -> None:
        self.urls, self.apps, self.browser, self.fetch = urls, apps, browser, fetch
        self.trace: list[Any] = []

    def launch(self, umi: str, tool: str) -> None:
        b = self.browser()
        b.go("GET", f"{self.urls['lgate']}/launch?user={umi}&tool={tool}")
        for page in b.history:
            self.record(page.method, page.url, page.status, page.headers, page.text)

    def call(self, method: str, system: str, path: str, data: dict[str, str] | None = None,
             accept: str | None = None) -> None:
        url = self.urls[system] + path
        status, headers, text = self.fetch(method, url, data, accept)
        self.record(method, url, status, headers, text)

    def record(self, method: str, url: str, status: int, headers: dict[str, str],
               text: str) -> None:
        kept = {k: mask(v, self.urls) for k, v in headers.items() if k in HEADERS}
        self.trace.append((method, mask(url, self.urls), status, kept, mask(text, self.urls)))

    def log(self) -> list[tuple[str, str, int | None, Any]]:
        """What every mock's request log recorded (method, path, status, fault kind); not
        the tools' JWKS fetches (cached: a second run on the same servers makes none)."""
        out = []
        for name in NAMES:
            entries = self.apps[name].extensions["renkei"].requests.entries()
            out += [(name, e["method"], e["path"], e["status"],
                     (e["fault"] or {}).get("kind")) for e in entries
                    if not e["path"].endswith("/jwks")]
        return out


def script(client: Client, bundle: Bundle, monkeypatch: pytest.MonkeyPatch) -> None:
    """Good and bad requests through the four hops (and around them)."""
    users = bundle.tables["users"]
    elementary = next(u for u in users if u["grades"][0].startswith("P"))
    junior = next(u for u in users if u["grades"][0].startswith("J"))
    p, j = elementary["userMasterIdentifier"], junior["userMasterIdentifier"]
    # accepted, refused by the tool's own rule (grade), refused before the delta (drill app)
    for umi, tool in ((p, "tsubasa_book"), (j, "mirai_school"), (j, "tsubasa_book"),
                      (p, "interactive_study")):
        client.launch(umi, tool)
    client.call("GET", "lgate", "/launch")
    client.call("GET", "lgate", f"/launch?user={p}&tool=nope")
    client.call("GET", "lgate", f"/launch?user={p}&tool=nope", accept="application/json")
    client.call("GET", "lgate", "/launch?user=nobody&tool=tsubasa_book")
    client.call("GET", "lgate", f"/lti/auth?login_hint={p}&client_id=x")
    client.call("POST", "lgate", "/lti/auth", {"login_hint": p})
    client.call("GET", "tsubasa_book", "/lti/login")
    client.call("GET", "tsubasa_book", "/lti/login", accept="application/json")
    client.call("POST", "tsubasa_book", "/lti/login", {"iss": "https://nowhere.example"})
    client.call("POST", "tsubasa_book", "/lti/launch", {"error": "access_denied",
                                                        "error_description": "no"})
    client.call("POST", "tsubasa_book", "/lti/launch", {"id_token": "a.b.c", "state": "s"})
    client.call("POST", "mirai_school", "/lti/launch", {"state": "s"},
                accept="application/json")
    client.call("GET", "tsubasa_book", "/lti/launch")
    client.call("HEAD", "lgate", f"/launch?user={p}&tool=tsubasa_book")
    # a reject_launch fault at the tool's login, then a launch into the tool it does not hit
    faults = client.apps["tsubasa_book"].extensions["renkei"].faults
    faults.add([{"kind": "reject_launch", "route": "^/lti/login", "count": 1}])
    client.launch(p, "tsubasa_book")
    client.launch(p, "tsubasa_book")
    # a status fault (the middleware's own) on lgate's auth
    client.apps["lgate"].extensions["renkei"].faults.add(
        [{"kind": "status", "status": 503, "route": "^/lti/auth", "count": 1}])
    client.launch(j, "mirai_school")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug")
    with monkeypatch.context() as m:  # a view that fails: the app's error handler answers
        m.setattr(lgate_store, "launch_target", broken)
        client.call("GET", "lgate", f"/launch?user={p}&tool=tsubasa_book")
    client.trace.append(("log", client.log()))


def in_process(bundle: Bundle, tmp: Path, lean: bool) -> Client:
    apps = make_mocks(NAMES)
    bulk = write_bundle(bundle, tmp / "RO_20250501_089901.zip").read_bytes()
    assert apps["lgate"].test_client().post("/oneroster/bulk", data=bulk,
                                            content_type="application/zip").status_code == 200
    for app in apps.values():
        lean_routes(app).enabled = lean
    urls = {name: app.config["BASE_URL"] for name, app in apps.items()}

    def fetch(method: str, url: str, data: dict[str, str] | None, accept: str | None
              ) -> tuple[int, dict[str, str], str]:
        name = next(n for n, u in urls.items() if url.startswith(u))
        resp = apps[name].test_client().open(url[len(urls[name]):], method=method, data=data,
                                            headers={"Accept": accept} if accept else {})
        return resp.status_code, dict(resp.headers), resp.get_data(as_text=True)

    return Client(urls, apps, lambda: Browser(WsgiTransport(
        {app.config["BASE_URL"]: app for app in apps.values()})), fetch)


def test_lean_and_flask_answer_alike_in_process(bundle: Bundle, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    traces = []
    for lean in (True, False):
        client = in_process(bundle, tmp_path / str(lean), lean)
        script(client, bundle, monkeypatch)
        traces.append(client.trace)
    lean_trace, flask_trace = traces
    assert len(lean_trace) == len(flask_trace)
    for got, want in zip(lean_trace, flask_trace, strict=True):
        assert got == want
    statuses = {entry[2] for entry in lean_trace[:-1]}
    assert {200, 302, 400, 401, 403, 404, 405, 500, 503} <= statuses


def test_lean_routes_take_the_launch_hops_only(bundle: Bundle, tmp_path: Path) -> None:
    apps = make_mocks(NAMES)
    lgate = lean_routes(apps["lgate"])
    tool = lean_routes(apps["tsubasa_book"])
    client = apps["lgate"].test_client()
    client.get("/launch")  # the table is built at the first request
    table = apps["lgate"].wsgi_app.app.table()  # type: ignore[attr-defined]
    assert set(table) == {("GET", "/launch"), ("GET", "/lti/auth"), ("POST", "/lti/auth")}
    apps["tsubasa_book"].test_client().get("/lti/login")
    tool_table = apps["tsubasa_book"].wsgi_app.app.table()  # type: ignore[attr-defined]
    assert set(tool_table) == {("GET", "/lti/login"), ("POST", "/lti/login"),
                               ("POST", "/lti/launch")}
    assert lgate.enabled and tool.enabled


def test_a_hook_a_lean_route_does_not_cover_fails_loudly() -> None:
    app = make_mocks(["tsubasa_book"])["tsubasa_book"]
    app.before_request(lambda: None)
    with pytest.raises(RuntimeError, match="skips the app hooks"):
        app.test_client().get("/lti/login")


@pytest.fixture()
def served(bundle: Bundle, tmp_path: Path) -> Iterator[MockServers]:
    with served_with_bulk(NAMES, bundle, tmp_path) as servers:
        yield servers


def test_lean_and_flask_answer_alike_live(served: MockServers, bundle: Bundle, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    urls = served.urls
    apps = {name: served.served[name].app for name in NAMES}

    def fetch(method: str, url: str, data: dict[str, str] | None, accept: str | None
              ) -> tuple[int, dict[str, str], str]:
        r = requests.request(method, url, data=data, timeout=30, allow_redirects=False,
                             headers={"Accept": accept} if accept else {})
        return r.status_code, dict(r.headers), r.text

    traces, through_flask = [], []
    for lean in (True, False):
        for app in apps.values():
            lean_routes(app).enabled = lean
            app.extensions["renkei"].requests.clear()
        client = Client(urls, apps, lambda: Browser(RequestsTransport()), fetch)
        seen: list[str] = []

        def started(sender: Flask, seen: list[str] = seen, **extra: Any) -> None:
            seen.append(request.path)
        with request_started.connected_to(started):
            script(client, bundle, monkeypatch)
        traces.append(client.trace)
        through_flask.append(seen)
    # the lean run's launch hops never entered Flask's request handling; the other's did
    hops = {"/launch", "/lti/auth", "/lti/login", "/lti/launch"}
    # only the HEAD /launch and the GET /lti/launch (a 405): Flask answers those itself
    assert sorted(p for p in through_flask[0] if p in hops) == ["/launch", "/lti/launch"]
    assert len([p for p in through_flask[1] if p in hops]) > 30
    lean_trace, flask_trace = traces
    assert len(lean_trace) == len(flask_trace)
    for got, want in zip(lean_trace, flask_trace, strict=True):
        assert got == want
    # the drill app got no delta: its launch is refused by its own rule, in both
    assert any(t[2] == 403 and "interactive" in t[1] for t in lean_trace[:-1])


def test_a_lean_hop_tears_its_app_context_down_as_flask_does() -> None:
    """A lean hop runs the app's teardown functions (with the view's error) and resets the
    context; the app-context signals reach whoever listens, once each, in Flask's order."""
    from flask import appcontext_popped, appcontext_pushed, appcontext_tearing_down

    app = make_mocks(["tsubasa_book"])["tsubasa_book"]
    seen: list[Any] = []
    app.teardown_appcontext(lambda exc: seen.append(("teardown", type(exc).__name__)))
    client = app.test_client()
    # the lean table rejects hooks, not teardowns: a login without parameters is a 400 page
    assert client.get("/lti/login").status_code == 400
    assert seen == [("teardown", "NoneType")]

    def note(name: str) -> Callable[..., None]:
        return lambda sender, **extra: seen.append((name, sender is app))
    seen.clear()
    with appcontext_pushed.connected_to(note("pushed")), \
            appcontext_tearing_down.connected_to(note("tearing_down")), \
            appcontext_popped.connected_to(note("popped")):
        assert client.get("/lti/login").status_code == 400
    assert seen == [("pushed", True), ("teardown", "NoneType"),
                    ("tearing_down", True), ("popped", True)]
    seen.clear()
    with pytest.MonkeyPatch.context() as m:
        m.setattr("mocks.lti_tool.views.context", _fail)
        assert client.get("/lti/login?iss=a&login_hint=b&target_link_uri=c").status_code \
            == 500
    assert seen == [("teardown", "NoneType")]  # the app's error handler answered it
    from flask.globals import _cv_app
    assert _cv_app.get(None) is None


def _fail(*args: Any) -> Any:
    raise RuntimeError("broken view")


def test_a_lean_hop_leaves_its_request_to_reference_counting() -> None:
    """As at the end of a Flask request, the request leaves its environ (werkzeug put itself
    there): no request <-> environ cycle, so nothing of a hop waits for the cyclic
    collector (the launches' hops were ~59 objects of cyclic garbage a launch)."""
    import gc

    from harness.transport import call_wsgi, split_url, wsgi_environ

    app = make_mocks(["tsubasa_book"])["tsubasa_book"]
    url = split_url("http://tsubasa-book.test/lti/login?iss=a&login_hint=b")
    assert call_wsgi(app, wsgi_environ("GET", url, b"", {}))[0].startswith("400")  # warm
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        environ = wsgi_environ("GET", url, b"", {})
        assert call_wsgi(app, environ)[0].startswith("400")  # a lean route's page
        assert environ["werkzeug.request"] is None
        del environ
        gc.collect()
        left = [type(o).__name__ for o in gc.garbage if "Request" in type(o).__name__]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert left == []
