"""A scripted browser for launches: follows redirects and auto-submitted forms (the
``form_post`` response mode) with a cookie jar, over any transport.

It runs no JavaScript. The interstitial pages LTI libraries put in front of the OIDC login are
understood instead, by what they are known to do (see :mod:`harness.lti.interstitials`):
PyLTI1p3's cookie check (``enable_check_cookies``), script and meta-refresh redirects (PyLTI1p3's
``js_redirect``, the LTI 1.3 PHP library's hybrid redirect). Any other page ends the walk.

Transports: :class:`RequestsTransport` (real HTTP on 127.0.0.1, cookies in a requests session)
and :class:`WsgiTransport` (WSGI apps in-process, one cookie jar per host).
"""

from __future__ import annotations

import email.utils
import functools
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import SplitResult, urljoin, urlsplit

from harness.lti.http import HttpError
from harness.lti.web import form_urlencode, read_autosubmit_form
from harness.transport import ConnectionDropped, call_wsgi, session_for, split_url, wsgi_environ


@dataclass
class Page:
    """One response as the browser saw it."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    text: str

    def json(self) -> Any:
        import json

        return json.loads(self.text)


class Transport(Protocol):
    def send(self, method: str, url: str, data: Mapping[str, str] | None) -> Page: ...


class RequestsTransport:
    """Real HTTP with a cookie jar; redirects are followed by :class:`Browser`, not here."""

    def __init__(self, timeout: float = 10.0, verify: bool | str = True) -> None:
        """:param verify: requests' ``verify``: True, or a CA bundle (a local CA's ca.pem)."""
        import requests

        self.session = session_for(verify if isinstance(verify, str) else None)
        self.timeout = timeout
        self._exc = requests.RequestException

    def send(self, method: str, url: str, data: Mapping[str, str] | None) -> Page:

        try:
            r = self.session.request(method, url, data=data, allow_redirects=False,
                                     timeout=self.timeout)
        except self._exc as exc:
            raise HttpError(f"{method} {url} failed: {type(exc).__name__}",
                            cause=type(exc).__name__, method=method, url=url) from None
        return Page(method, url, r.status_code, dict(r.headers), r.text)


class WsgiTransport:
    """In-process: ``apps`` maps a base URL (``http://tool.test``) to a WSGI app.

    Each request is one WSGI call with a plain environ (no test client in between: a launch
    makes four of these, tens of thousands of times in a rehearsal), with a cookie jar per host.
    An app that drops the connection (:class:`harness.transport.ConnectionDropped`) gives the
    same :class:`HttpError` as a real socket would.
    """

    def __init__(self, apps: Mapping[str, Any]) -> None:
        self.apps = {urlsplit(base).netloc: app for base, app in apps.items()}
        self.jars: dict[str, CookieJar] = {}

    def fresh(self) -> WsgiTransport:
        """A transport to the same apps with empty cookie jars (a new browser's), without
        working out the apps' hosts again."""
        other = object.__new__(WsgiTransport)
        other.apps, other.jars = self.apps, {}
        return other

    def send(self, method: str, url: str, data: Mapping[str, str] | None, *,
             parts: SplitResult | None = None) -> Page:
        """One request; ``parts``: ``split_url(url)`` when the caller has it already."""
        if parts is None:
            parts = split_url(url)
        app = self.apps.get(parts.netloc)
        if app is None:
            raise HttpError(f"{method} {url} failed: no in-process app for {parts.netloc}",
                            cause=f"no in-process app for {parts.netloc}", method=method,
                            url=url)
        jar = self.jars.setdefault(parts.netloc, CookieJar())
        body = form_urlencode(data).encode() if data else b""
        sent = {"Cookie": jar.header(parts.path or "/")}
        if data is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            status, got, content = call_wsgi(app, wsgi_environ(method, parts, body, sent))
        except ConnectionDropped:
            raise HttpError(f"{method} {url} failed: connection dropped",
                            cause="connection dropped", method=method, url=url) from None
        headers: dict[str, str] = {}
        ctype = ""
        for name, value in got:
            lower = name.lower()
            if lower == "set-cookie":
                jar.store(value)
            elif lower == "content-type":
                ctype = value
            headers[name] = value  # as requests' dict(r.headers): the last value wins
        return Page(method, url, int(status.split(" ", 1)[0]), headers,
                    content.decode(_charset(ctype), "replace"))


def _resolve(base: str, ref: str) -> str:
    """``urljoin(base, ref)``; an absolute http(s) ``ref`` (every hop of a launch) is its own
    answer, without parsing both URLs to find that out."""
    if ref.startswith(("http://", "https://")) and not ref.endswith(("?", "#")):
        return ref
    return urljoin(base, ref)


@functools.lru_cache(maxsize=64)  # a handful of content types, four answers a launch
def _charset(ctype: str) -> str:
    _, _, rest = ctype.partition("charset=")
    return rest.split(";", 1)[0].strip().strip('"') or "utf-8"


class CookieJar:
    """The cookies one host set: name and path → value, dropped when they expire.

    Enough of RFC 6265 for one scripted browser talking to one host: ``Path`` scoping,
    deletion by ``Max-Age`` ≤ 0 or an ``Expires`` in the past; ``Domain`` is not needed
    because each host has its own jar.
    """

    def __init__(self) -> None:
        self.cookies: dict[tuple[str, str], str] = {}

    def store(self, set_cookie: str) -> None:
        pair, *attrs = set_cookie.split(";")
        name, eq, value = pair.partition("=")
        if not eq or not name.strip():
            return
        path, expired = "/", False
        for attr in attrs:
            key, _, val = attr.strip().partition("=")
            key = key.lower()
            if key == "path" and val.startswith("/"):
                path = val
            elif key == "max-age":
                expired = not val.strip().lstrip("-").isdigit() or int(val) <= 0
            elif key == "expires" and not any(a.strip().lower().startswith("max-age")
                                              for a in attrs):
                try:
                    when = email.utils.parsedate_to_datetime(val)
                except (TypeError, ValueError):
                    continue
                expired = when.timestamp() <= time.time()
        key = (name.strip(), path)
        if expired:
            self.cookies.pop(key, None)
        else:
            self.cookies[key] = value.strip()

    def header(self, path: str) -> str:
        """The ``Cookie`` header for a request to ``path`` (longer paths first)."""
        if not self.cookies:
            return ""
        chosen = sorted(((p, n, v) for (n, p), v in self.cookies.items()
                         if path == p or path.startswith(p.rstrip("/") + "/")),
                        key=lambda c: -len(c[0]))
        return "; ".join(f"{n}={v}" for _, n, v in chosen)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self.autosubmit = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "body" and "submit" in a.get("onload", ""):
            self.autosubmit = True
        elif tag == "form":
            self.forms.append({"action": a.get("action", ""),
                               "method": a.get("method", "get").upper(), "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if ".submit()" in data:
            self.autosubmit = True


def find_autosubmit(html: str) -> tuple[str, str, dict[str, str]] | None:
    """(method, action, fields) of a page that submits its only form by script, else None."""
    own = read_autosubmit_form(html)
    if own is not None:  # renkei's own form_post page, read without a full HTML parse
        return "POST", own[0], own[1]
    if "<form" not in html.lower():
        return None
    return parse_autosubmit(html)


def parse_autosubmit(html: str) -> tuple[str, str, dict[str, str]] | None:
    """:func:`find_autosubmit` for any page, with the full HTML parser."""
    parser = _FormParser()
    parser.feed(html)
    if parser.autosubmit and len(parser.forms) == 1:
        f = parser.forms[0]
        return f["method"], f["action"], f["fields"]
    return None


@dataclass
class Browser:
    """Follows a launch to its end page; ``history`` keeps every hop (never shown tokens)."""

    transport: Transport
    max_hops: int = 12
    history: list[Page] = field(default_factory=list)
    #: called with (action URL, fields) before an auto-submitted form is posted; may edit them
    on_form: Callable[[str, dict[str, str]], dict[str, str]] | None = None
    #: every form posted: (URL, field names); values are not kept (they hold tokens)
    posted: list[tuple[str, frozenset[str]]] = field(default_factory=list)
    #: the interstitials passed, in order (e.g. ``pylti1p3 cookie check``)
    passed: list[str] = field(default_factory=list)

    def go(self, method: str, url: str, data: Mapping[str, str] | None = None) -> Page:
        """Follow the flow from ``method url`` to its end page (:meth:`walk` to its end)."""
        steps = self.walk(method, url, data)
        while True:
            try:
                next(steps)
            except StopIteration as end:
                return end.value  # type: ignore[no-any-return]

    def walk(self, method: str, url: str, data: Mapping[str, str] | None = None
             ) -> Generator[Page, None, Page]:
        """:meth:`go` one hop at a time: yields each page as it comes and returns the end
        page, so that a caller can take many browsers through their flows side by side (a
        transport error is raised from the hop that failed, as :meth:`go` raises it)."""
        if method.upper() == "GET" and data:
            url = url + ("&" if "?" in url else "?") + form_urlencode(data)
            data = None
        from harness.lti.interstitials import understand

        for _ in range(self.max_hops):
            if data is not None and method.upper() == "POST":
                self.posted.append((url, frozenset(data)))
            page = self.transport.send(method.upper(), url, data)
            self.history.append(page)
            yield page
            location = page.headers.get("Location")
            if page.status in (301, 302, 303, 307, 308) and location:
                url = _resolve(url, location)
                if page.status in (307, 308):
                    continue
                method, data = "GET", None
                continue
            form = find_autosubmit(page.text) if page.status == 200 else None
            if form is None:
                step = understand(page) if page.status == 200 else None
                if step is None:
                    return page
                self.passed.append(step.kind)
                method, url, data = "GET", step.url, None
                continue
            method, action, fields = form
            if self.on_form is not None:
                fields = self.on_form(_resolve(url, action), fields)
            url, data = _resolve(url, action), fields
            if method == "GET":
                url, data = url + ("&" if "?" in url else "?") + form_urlencode(fields), None
        return page
