"""A whole HTML response as plain WSGI: the launch hops' answers without a werkzeug Response.

A rehearsal's launches answer four requests each, hundreds of thousands of times; building a
werkzeug ``Response`` (its ``Headers``, status and mimetype setters, ``set_data``), letting
Flask wrap it and werkzeug take it apart again (``get_wsgi_headers``, ``iri_to_uri``, a closing
iterator) cost more than the HTML itself. A :class:`Reply` holds what goes on the wire — the
status, the header list, the body bytes — written the way werkzeug writes them, so the same
bytes leave either way (test: tests/lti/test_reply.py compares them with werkzeug's):

- ``Reply(html, status)`` is what Flask makes of a view's ``(html, status)``;
- :func:`redirect` is ``flask.redirect(location)`` as werkzeug sends it (its Location
  converted with ``iri_to_uri`` unless that would not change it);
- :meth:`Reply.set_cookie`, :meth:`Reply.delete_cookie` and :attr:`Reply.vary` are
  werkzeug's, so Flask's session interface saves a session on a Reply as on a Response.

A Reply is a WSGI application: a Flask route returning one gets it as a Response
(``make_response`` runs it), so a view written once serves its Flask route and its lean route
(:mod:`mocks.base.lean`, which sends the Reply as it is) alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from markupsafe import escape
from werkzeug.http import HTTP_STATUS_CODES, dump_cookie, http_date
from werkzeug.urls import iri_to_uri

from harness.core.clock import PerSecond
from harness.lti.flaskctx import current_flask_app

HTML = "text/html; charset=utf-8"
#: werkzeug's limit on a Set-Cookie header when no app says otherwise (``MAX_COOKIE_SIZE``)
MAX_COOKIE_SIZE = 4093

#: a Location werkzeug's ``iri_to_uri`` gives back as it is: http(s), a lower-case ASCII host,
#: a port, a path and a non-empty query of characters it never quotes, no user or fragment
PLAIN_URL = re.compile(r"https?://[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*(?::[1-9][0-9]{0,3})?"
                       r"(?:/[A-Za-z0-9._~%!$&'()*+,/:;=@-]*)?(?:\?[A-Za-z0-9._~%!$&'()*+,/:;=?@-]+)?")


#: a cookie name, value and path ``dump_cookie`` writes as they are (no quoting, no escapes)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_PLAIN_VALUE = re.compile(r"[A-Za-z0-9_.~!#$%&'()*+/:<=>?@^`{|}\[\]-]*")
_PLAIN_PATH = re.compile(r"/[A-Za-z0-9_.~/-]*")
#: ``http_date(now + max_age)`` as ``dump_cookie`` writes it (whole seconds)
_expires = PerSecond(http_date)


def plain_cookie(key: str, value: str, max_age: int | None, path: str | None,
                 secure: bool, httponly: bool, samesite: str | None) -> str | None:
    """The ``Set-Cookie`` value ``dump_cookie`` makes of a cookie with nothing to quote,
    convert or check (a name, value and path of plain characters, no domain, no given
    expiry, SameSite as werkzeug spells it); None for anything else (``dump_cookie``'s)."""
    if (not _PLAIN_NAME.fullmatch(key) or not _PLAIN_VALUE.fullmatch(value)
            or (path is not None and not _PLAIN_PATH.fullmatch(path))
            or samesite not in (None, "Strict", "Lax", "None")
            or (max_age is not None and type(max_age) is not int)):
        return None
    parts = [f"{key}={value}"]
    if max_age is not None:
        parts.append(f"Expires={_expires(max_age)}")
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path is not None:
        parts.append(f"Path={path}")
    if samesite is not None:
        parts.append(f"SameSite={samesite}")
    return "; ".join(parts)


class Reply:
    """Status, headers and body of one HTML response, sent as they are (what Flask makes of
    a view's ``(html, status)``).

    :param body: the HTML (UTF-8 on the wire).
    :param status: the status code.
    """

    __slots__ = ("body", "headers", "status_code")

    def __init__(self, body: str, status: int = 200) -> None:
        data = body.encode("utf-8")
        self.status_code = status
        self.body = data
        self.headers: list[tuple[str, str]] = [("Content-Type", HTML),
                                               ("Content-Length", str(len(data)))]

    @property
    def status(self) -> str:
        """The status line as werkzeug writes it (``302 FOUND``)."""
        return f"{self.status_code} {HTTP_STATUS_CODES.get(self.status_code, 'unknown').upper()}"

    @property
    def vary(self) -> _Vary:
        return _Vary(self.headers)

    def set_cookie(self, key: str, value: str = "", max_age: timedelta | int | None = None,
                   expires: str | datetime | int | float | None = None, path: str | None = "/",
                   domain: str | None = None, secure: bool = False, httponly: bool = False,
                   samesite: str | None = None, partitioned: bool = False) -> None:
        """werkzeug's ``Response.set_cookie`` (the app's ``MAX_COOKIE_SIZE``, as Flask's);
        a plain cookie (:func:`plain_cookie`) is written here, the same bytes."""
        app = current_flask_app()
        size = app.config["MAX_COOKIE_SIZE"] if app is not None else MAX_COOKIE_SIZE
        if expires is None and domain is None and not partitioned:
            line = plain_cookie(key, value, max_age, path, secure, httponly, samesite)
            if line is not None and not (size and len(line) > size):  # else: its warning
                self.headers.append(("Set-Cookie", line))
                return
        self.headers.append(("Set-Cookie", dump_cookie(
            key, value=value, max_age=max_age, expires=expires, path=path, domain=domain,
            secure=secure, httponly=httponly, max_size=size, samesite=samesite,
            partitioned=partitioned)))

    def delete_cookie(self, key: str, path: str | None = "/", domain: str | None = None,
                      secure: bool = False, httponly: bool = False, samesite: str | None = None,
                      partitioned: bool = False) -> None:
        self.set_cookie(key, expires=0, max_age=0, path=path, domain=domain, secure=secure,
                        httponly=httponly, samesite=samesite, partitioned=partitioned)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        start_response(self.status, list(self.headers))
        return [self.body]


class _Vary:
    """``Reply.vary``: ``add`` as werkzeug's ``HeaderSet`` on the Vary header (a value already
    there, in any case, is not added again; the header keeps its place)."""

    __slots__ = ("headers",)

    def __init__(self, headers: list[tuple[str, str]]) -> None:
        self.headers = headers

    def add(self, value: str) -> None:
        for i, (name, current) in enumerate(self.headers):
            if name.lower() == "vary":
                items = [v.strip() for v in current.split(",") if v.strip()]
                if value.lower() not in {v.lower() for v in items}:
                    self.headers[i] = ("Vary", ", ".join([*items, value]))
                return
        self.headers.append(("Vary", value))


def redirect(location: str, code: int = 302) -> Reply:
    """``flask.redirect(location, code)`` as werkzeug sends it."""
    shown = escape(location)
    reply = Reply(
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: "
        f'<a href="{shown}">{shown}</a>. If not, click the link.\n', code)
    reply.headers.append(("Location", location if PLAIN_URL.fullmatch(location)
                          else iri_to_uri(location)))
    return reply
