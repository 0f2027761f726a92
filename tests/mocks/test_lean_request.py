"""A lean route's request (mocks.base.lean) reads its inputs as werkzeug's request does."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import parse_qsl

import pytest
from flask import Flask, Request
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import RequestEntityTooLarge

from mocks.base.lean import FORM_URLENCODED, lean_request_class, parse_query

#: the characters that matter to a query's parser, and some that do not
QUERY = st.text(alphabet="ab=&%+2FzE381 ;\u3042", max_size=40)


@given(QUERY)
def test_parse_query_is_parse_qsl(text: str) -> None:
    assert parse_query(text) == parse_qsl(text, keep_blank_values=True,
                                          errors="werkzeug.url_quote")


def environ(method: str = "POST", query: bytes = b"", body: bytes = b"",
            ctype: str | None = FORM_URLENCODED, cookie: str | None = None,
            length: str | None = None) -> dict[str, Any]:
    env: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": "/x",
        "QUERY_STRING": query.decode("latin-1"), "SERVER_NAME": "t.test", "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)) if length is None else length}
    if ctype is not None:
        env["CONTENT_TYPE"] = ctype
    if cookie is not None:
        env["HTTP_COOKIE"] = cookie
    return env


def fresh(case: dict[str, Any]) -> dict[str, Any]:
    """``case`` with its body unread."""
    return dict(case, **{"wsgi.input": io.BytesIO(case["wsgi.input"].getvalue())})


CASES = [
    environ("GET", b"user=u%201&tool=a+b&tool=c&empty=&bare&&=v"),
    environ("GET", "q=\u3042&r=%E3%81%82&bad=%zz&half=%E3%81".encode()),
    environ(body=b"id_token=a.b.c&state=s%3D&x=1+2", query=b"k=v",
            cookie='session=abc.1.def; renkei_lti_state="quoted"; x=1; x=2'),
    environ(body=b"a=1", ctype="application/x-www-form-urlencoded; charset=utf-8"),
    environ(body=b'{"a": 1}', ctype="application/json"),
    environ(body=b"a=\xff\xfe&b=2"),  # not UTF-8
    environ(body=b"a=1&b=2", length=""),  # no length: nothing is read
    environ(body=b"a=1&b=2", length="3"),  # a shorter length: that much is read
    environ(body=b"", ctype=None),
    environ("GET", b"a=1", ctype=None, length=""),  # no body at all: no form to parse
    environ(body=b"a=1&b=2", ctype=None),  # a body without a type: werkzeug's (no form)
    environ(body=b"a=" + b"x" * 62),  # exactly at a 64-byte limit
]


@pytest.mark.parametrize("limit", [None, 64, 10**9])  # the mocks allow 512 MB
def test_a_lean_request_reads_what_werkzeugs_does(limit: int | None) -> None:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = limit
    lean = lean_request_class(Request)
    assert issubclass(lean, Request)
    for case in CASES:
        with app.app_context():
            want, got = Request(fresh(case)), lean(fresh(case))
            for name in ("args", "form", "values", "cookies", "files"):
                assert list(getattr(got, name).items(multi=True)) == \
                    list(getattr(want, name).items(multi=True)), (name, case)
            assert got.get_data() == want.get_data()


def test_a_content_length_limit_is_werkzeugs_to_enforce() -> None:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 4
    lean = lean_request_class(app.request_class)
    with app.app_context():
        case = environ(body=b"a=1&b=2")
        with pytest.raises(RequestEntityTooLarge):
            lean(case).form.to_dict()


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_a_calls_params_are_the_requests_values(method: str) -> None:
    from mocks.base.lean import Call

    env = environ(method, query=b"a=1&b=2&a=3&c=%E3%81%82", body=b"b=form&d=4&d=5")
    call = Call(Flask(__name__), lean_request_class(Request)(env), dict)
    want = Request(environ(method, query=b"a=1&b=2&a=3&c=%E3%81%82",
                           body=b"b=form&d=4&d=5")).values.to_dict()
    params = call.params()
    assert params == want and list(params) == list(want)
    assert ("d" in params) == (method != "GET")  # a GET's body is not among its values


@pytest.mark.parametrize("accept", [None, "", "*/*", "application/json",
                                    "text/html, application/json;q=0.9",
                                    "application/json;q=0.5, text/html;q=0.4"])
def test_a_call_wants_json_as_werkzeug_reads_the_accept_header(accept: str | None) -> None:
    from mocks.base.lean import Call

    env = environ("GET", ctype=None)
    if accept is not None:
        env["HTTP_ACCEPT"] = accept
    call = Call(Flask(__name__), lean_request_class(Request)(env), dict)
    assert call.wants_json() == (Request(env).accept_mimetypes.best == "application/json")
    assert call.wants_json() == (accept is not None and accept.startswith("application/json"))
