"""The scripted browser's in-process transport: environ, cookies, charset, dropped connections."""

from __future__ import annotations

from urllib.parse import unquote_to_bytes, urlsplit

import pytest
from flask import Flask, make_response, request
from hypothesis import given
from hypothesis import strategies as st

from harness.lti.browser import CookieJar, WsgiTransport
from harness.lti.http import HttpError
from harness.transport import ConnectionDropped, split_url, wsgi_environ


def _app() -> Flask:
    app = Flask(__name__)

    @app.route("/echo", methods=["GET", "POST"])
    def echo():  # noqa: ANN202
        return {"method": request.method, "path": request.path, "args": request.args,
                "form": request.form, "cookies": request.cookies, "host": request.host,
                "query": request.query_string.decode("ascii")}

    @app.get("/set")
    def set_cookie():  # noqa: ANN202
        resp = make_response("ok")
        resp.set_cookie("site", "1")
        resp.set_cookie("scoped", "2", path="/lti")
        return resp

    @app.get("/forget")
    def forget():  # noqa: ANN202
        resp = make_response("bye")
        resp.delete_cookie("site")
        return resp

    @app.get("/sjis")
    def sjis():  # noqa: ANN202
        resp = make_response("学校".encode("shift_jis"))
        resp.headers["Content-Type"] = "text/plain; charset=shift_jis"
        return resp

    return app


def _dropping_app(environ: dict, start_response: object) -> list[bytes]:
    """A raw WSGI app that drops the connection, as the fault middleware does outside Flask."""
    raise ConnectionDropped


@pytest.fixture
def transport() -> WsgiTransport:
    return WsgiTransport({"http://tool.test:8080": _app(), "http://down.test": _dropping_app})


def test_request_reaches_the_app_as_sent(transport: WsgiTransport) -> None:
    page = transport.send("POST", "http://tool.test:8080/echo?a=%E5%AD%A6&b=2",
                          {"id_token": "x.y.z", "state": "s"})
    body = page.json()
    assert page.status == 200
    assert body["method"] == "POST" and body["path"] == "/echo"
    assert body["args"] == {"a": "学", "b": "2"}
    assert body["form"] == {"id_token": "x.y.z", "state": "s"}
    assert body["host"] == "tool.test:8080"
    assert body["query"] == "a=%E5%AD%A6&b=2"  # passed on byte for byte


def test_cookies_follow_path_and_deletion(transport: WsgiTransport) -> None:
    transport.send("GET", "http://tool.test:8080/set", None)
    assert transport.send("GET", "http://tool.test:8080/echo", None).json()["cookies"] == {
        "site": "1"}  # the /lti cookie stays off other paths
    transport.send("GET", "http://tool.test:8080/forget", None)
    assert transport.send("GET", "http://tool.test:8080/echo", None).json()["cookies"] == {}


def test_cookie_jar_rules() -> None:
    jar = CookieJar()
    jar.store("a=1; Path=/lti; HttpOnly")
    jar.store("b=2")
    jar.store("c=3; Max-Age=0")
    jar.store("d=4; Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    jar.store("e=5; Expires=Fri, 01 Jan 2100 00:00:00 GMT")
    jar.store("no-equals-sign")
    assert jar.header("/lti/launch") == "a=1; b=2; e=5"
    assert jar.header("/ltix") == "b=2; e=5"
    jar.store("b=; Max-Age=-1")
    assert jar.header("/") == "e=5"


def test_charset_from_content_type(transport: WsgiTransport) -> None:
    assert transport.send("GET", "http://tool.test:8080/sjis", None).text == "学校"


def test_dropped_connection_and_unknown_host(transport: WsgiTransport) -> None:
    with pytest.raises(HttpError, match="connection dropped"):
        transport.send("GET", "http://down.test/anything", None)
    with pytest.raises(HttpError, match="no in-process app"):
        transport.send("GET", "http://other.test/echo", None)


def test_a_body_sent_through_the_legacy_write_callable_comes_first() -> None:
    from harness.transport import call_wsgi

    def app(environ: dict, start_response: object) -> list[bytes]:
        write = start_response("200 OK", [("Content-Type", "text/plain")])  # type: ignore
        write(b"written ")
        return [b"returned"]

    assert call_wsgi(app, {}) == ("200 OK", [("Content-Type", "text/plain")], b"written returned")


_URL_PART = st.text(alphabet="aZ09-._~:/?#[]@!$&'()*+,;=% \t\nあ\x00\x7f", max_size=12)


@given(st.sampled_from(["http://", "https://", "HTTP://", "ftp://", "", " http://"]),
       _URL_PART, _URL_PART, _URL_PART)
def test_split_url_is_urlsplit(scheme: str, host: str, path: str, query: str) -> None:
    for url in (f"{scheme}{host}{path}?{query}", f"{scheme}{host}/{path}",
                f"{scheme}{host}"):
        try:
            want = urlsplit(url)
        except ValueError:  # an unbalanced IPv6 bracket: urlsplit's to refuse
            with pytest.raises(ValueError):
                split_url(url)
            continue
        assert split_url(url) == want


@pytest.mark.parametrize("path", ["", "/", "/lti/launch", "/a%20b", "/ログイン", "/%E3%81%82",
                                  "/a%zz"])
def test_path_info_is_the_paths_bytes_as_latin1(path: str) -> None:
    env = wsgi_environ("GET", urlsplit(f"http://t.test{path}"), b"", {})
    assert env["PATH_INFO"] == unquote_to_bytes(path or "/").decode("latin-1")


@given(st.text(alphabet="aZ09-.:@[]%٣ \x00", max_size=14))
def test_the_environs_host_and_port_are_urlsplits(netloc: str) -> None:
    """SERVER_NAME and SERVER_PORT come from the netloc as urlsplit's hostname and port
    read it (read directly for a plain host[:port]); a port it refuses is refused too."""
    from urllib.parse import SplitResult

    from harness.transport import _host_port

    parts = SplitResult("http", netloc, "/x", "", "")
    try:
        want: object = (parts.hostname, parts.port)
    except ValueError:
        want = ValueError
    try:
        got: object = _host_port(parts)
    except ValueError:
        got = ValueError
    assert got == want


def test_a_fresh_transport_has_the_apps_and_its_own_cookies(transport: WsgiTransport) -> None:
    transport.send("GET", "http://tool.test:8080/set", None)
    fresh = transport.fresh()
    assert fresh.apps is transport.apps and fresh.jars == {}
    assert fresh.send("GET", "http://tool.test:8080/echo", None).json()["cookies"] == {}
    assert transport.send("GET", "http://tool.test:8080/echo", None).json()["cookies"] == {
        "site": "1"}
    with pytest.raises(HttpError):
        fresh.send("GET", "http://down.test/", None)
