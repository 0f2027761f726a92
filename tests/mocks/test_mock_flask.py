"""MockFlask keeps Flask's ensure_sync answer per plain function, its responses send the headers
werkzeug would (a plain Location kept as it is), and nothing else changes."""

from __future__ import annotations

import pytest
from flask import Flask, Response
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.urls import iri_to_uri

from mocks.base import MockFlask
from mocks.base.app import PLAIN_URL, MockResponse


def test_ensure_sync_is_kept_per_function() -> None:
    app = MockFlask(__name__)

    def view() -> str:
        return "ok"

    assert app.ensure_sync(view) is view
    assert app._synced == {view: view}
    assert app.ensure_sync(view) is view

    async def async_view() -> str:
        return "ok"

    try:
        flask_says = Flask(__name__).ensure_sync(async_view)
    except RuntimeError:  # Flask's answer without its async extra: the same refusal
        with pytest.raises(RuntimeError):
            app.ensure_sync(async_view)
    else:
        assert flask_says is not async_view and app.ensure_sync(async_view) is not async_view


def test_hooks_and_views_run_as_in_flask() -> None:
    app = MockFlask(__name__)
    seen: list[str] = []
    app.before_request(lambda: seen.append("before"))

    @app.after_request
    def after(resp):  # noqa: ANN001, ANN202
        seen.append("after")
        return resp

    @app.get("/")
    def index() -> str:
        return "hello"

    client = app.test_client()
    assert client.get("/").text == "hello" and client.get("/").text == "hello"
    assert seen == ["before", "after"] * 2


@settings(max_examples=100)
@given(st.from_regex(PLAIN_URL, fullmatch=True))
def test_a_plain_url_is_its_own_uri(url: str) -> None:
    assert iri_to_uri(url) == url


@pytest.mark.parametrize("location, status, body", [
    ("http://tsubasa-book.test/lti/login?iss=http%3A%2F%2Flgate.test&login_hint=b5-6", 302, "x"),
    ("http://127.0.0.1:8123/lti/auth?scope=openid&state=Ab_c-d.e~f&nonce=n", 303, ""),
    ("http://lgate.test/p?", 302, "x"),  # an empty query: werkzeug drops the "?"
    ("http://LGATE.test/p", 302, "x"),  # a host werkzeug lower-cases
    ("http://lgate.test/日本?q=ä b", 302, "x"),  # an IRI werkzeug quotes
    ("http://u:p@lgate.test/p#frag", 301, "x"),
    ("/relative?x=1", 302, "x"),
    (None, 200, "body"),
    ("http://lgate.test/p", 204, ""),
    ("http://lgate.test/p", 304, ""),
])
def test_mock_response_headers_are_werkzeugs(location: str | None, status: int,
                                             body: str) -> None:
    environ = {"REQUEST_METHOD": "GET", "SERVER_NAME": "x", "SERVER_PORT": "80",
               "wsgi.url_scheme": "http", "PATH_INFO": "/"}
    headers = {"Location": location} if location else {}
    ours = MockResponse(body, status=status, headers=headers)
    theirs = Response(body, status=status, headers=headers)
    assert list(ours.get_wsgi_headers(environ)) == list(theirs.get_wsgi_headers(environ))
    assert MockFlask(__name__).response_class is MockResponse
