"""harness.lti.reply sends what werkzeug sends for the same answer (status line, every header
in order, body), and Flask turns a Reply returned by a route into that same response."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask, redirect
from flask.sessions import SecureCookieSessionInterface
from werkzeug.test import create_environ

from harness.lti import reply
from harness.lti.reply import Reply
from mocks.base.app import MockFlask

LOCATIONS = [
    "http://tool.test/lti/login?iss=http%3A%2F%2Flgate.test&login_hint=u1&x=a+b",
    "https://tool.example:8443/lti/login",
    "http://127.0.0.1:5001/launch?user=%E3%81%82",
    "http://tool.test/ログイン?名前=値",  # converted by iri_to_uri
    "http://Tool.test/a b?c=<d>&e=\"f\"'",
    "/relative?x=1",
    "http://tool.test/x#frag",
]


def wire(app: Flask, wsgi: Any) -> tuple[str, list[tuple[str, str]], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
        seen["status"], seen["headers"] = status, headers
    body = b"".join(wsgi(create_environ("/x", "http://tool.test/"), start_response))
    return seen["status"], seen["headers"], body


@pytest.fixture(params=[Flask, MockFlask], ids=["Flask", "MockFlask"])
def app(request: pytest.FixtureRequest) -> Flask:
    made: Flask = request.param(__name__)
    made.secret_key = "k" * 32
    return made


@pytest.mark.parametrize("location", LOCATIONS)
def test_a_redirect_is_werkzeugs(app: Flask, location: str) -> None:
    with app.app_context():
        assert wire(app, reply.redirect(location)) == wire(app, redirect(location))
        assert wire(app, reply.redirect(location, 303)) == wire(app, redirect(location, 303))


@pytest.mark.parametrize("status", [200, 401, 403, 404, 418, 599])
def test_a_page_is_what_flask_makes_of_html_and_status(app: Flask, status: int) -> None:
    html = "<!doctype html><p>ようこそ &amp; \"bye\"</p>"
    with app.test_request_context():
        assert wire(app, Reply(html, status)) == wire(app, app.make_response((html, status)))


def test_cookies_and_vary_are_werkzeugs(app: Flask) -> None:
    with app.test_request_context():
        ours, theirs = Reply("<p>x</p>", 302), app.make_response(("<p>x</p>", 302))
        for r in (ours, theirs):
            r.set_cookie("renkei_lti_state", "abc", max_age=600, httponly=True, secure=False,
                         samesite="Lax")
            r.set_cookie("s", "v w;", secure=True, samesite="None", partitioned=True,
                         domain="tool.test", path="/lti")
            r.delete_cookie("gone", path="/x")
            r.vary.add("Cookie")
            r.vary.add("cookie")
            r.vary.add("Accept")
        assert wire(app, ours) == wire(app, theirs)


def test_a_session_is_saved_on_a_reply_as_on_a_response(app: Flask) -> None:
    interface = SecureCookieSessionInterface()
    with app.test_request_context():
        ours, theirs = Reply("<p>x</p>"), app.make_response("<p>x</p>")
        for r in (ours, theirs):
            session = interface.open_session(app, app.request_class(create_environ()))
            assert session is not None
            session["user"] = "u1"
            interface.save_session(app, session, r)  # type: ignore[arg-type]
        mask = re.compile(r"session=[^;]+")
        ours_wire, theirs_wire = wire(app, ours), wire(app, theirs)
        assert [(k, mask.sub("session=<v>", v)) for k, v in ours_wire[1]] == \
            [(k, mask.sub("session=<v>", v)) for k, v in theirs_wire[1]]
        assert any(k == "Vary" for k, _ in ours_wire[1])


def test_a_flask_route_returning_a_reply_answers_with_it(app: Flask) -> None:
    app.add_url_rule("/go", "go", lambda: reply.redirect(LOCATIONS[0]))
    app.add_url_rule("/page", "page", lambda: Reply("<p>no</p>", 403))
    client = app.test_client()
    got = client.get("/go")
    assert (got.status, got.headers["Location"]) == ("302 FOUND", LOCATIONS[0])
    assert got.get_data() == reply.redirect(LOCATIONS[0]).body
    got = client.get("/page")
    assert (got.status, got.get_data(), got.headers["Content-Length"]) == ("403 FORBIDDEN",
                                                                          b"<p>no</p>", "9")


def _cookie_lines(r: Any) -> list[str]:
    lines = r.headers.getlist("Set-Cookie") if hasattr(r.headers, "getlist") else \
        [v for k, v in r.headers if k == "Set-Cookie"]
    return [re.sub(r"Expires=[^;]+", "Expires=<date>", line) for line in lines]


def test_plain_cookies_are_written_as_dump_cookie_writes_them(app: Flask) -> None:
    """Reply.set_cookie writes a plain cookie itself (no quoting, no domain): the same
    Set-Cookie as werkzeug's, over names, values, paths and flags of every kind."""
    import random

    rng = random.Random(18)
    alphabet = "aZ09_.-~!#$%&'()*+/:<=>?@^`{|}[]\\\" ,;é\x7f"
    with app.test_request_context():
        for _ in range(600):
            key = rng.choice(["s", "renkei_lti_state", "a.b-c", "ké", "x y", "n;m"])
            value = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 12)))
            kwargs: dict[str, Any] = {
                "max_age": rng.choice([None, 0, 600, -5, 3600]),
                "path": rng.choice(["/", "/lti", "/a b", None, "/x;y", "", "/ü"]),
                "secure": rng.random() < 0.5, "httponly": rng.random() < 0.5,
                "samesite": rng.choice([None, "Lax", "None", "Strict", "lax"])}
            ours, theirs = Reply("<p>x</p>"), app.make_response("<p>x</p>")
            for r in (ours, theirs):
                r.set_cookie(key, value, **kwargs)
            assert _cookie_lines(ours) == _cookie_lines(theirs), (key, value, kwargs)


def test_a_plain_cookies_expiry_is_http_date_of_now_plus_max_age() -> None:
    import email.utils
    import time

    from werkzeug.http import http_date

    before = int(time.time())
    line = reply.plain_cookie("s", "v", 600, "/", False, True, "Lax")
    after = int(time.time())
    assert line is not None
    expires = re.search(r"Expires=([^;]+)", line)
    assert expires is not None
    assert expires.group(1) in {http_date(t + 600) for t in range(before, after + 1)}
    when = email.utils.parsedate_to_datetime(expires.group(1)).timestamp()
    assert before + 600 <= when <= after + 600
    assert reply.plain_cookie("s", "v", None, "/", False, False, "lax") is None
    assert reply.plain_cookie("s", "a b", None, "/", False, False, None) is None


def test_a_cookie_over_the_size_limit_still_warns(app: Flask) -> None:
    with app.test_request_context():
        app.config["MAX_COOKIE_SIZE"] = 40
        with pytest.warns(UserWarning, match="too large"):
            Reply("<p>x</p>").set_cookie("s", "v" * 60)
