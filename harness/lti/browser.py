"""A scripted browser for launches: follows redirects and auto-submitted forms (the
``form_post`` response mode) with a cookie jar, over any transport.

It runs no JavaScript. The interstitial pages LTI libraries put in front of the OIDC login are
understood instead, by what they are known to do (see :mod:`harness.lti.interstitials`):
PyLTI1p3's cookie check (``enable_check_cookies``), script and meta-refresh redirects (PyLTI1p3's
``js_redirect``, the LTI 1.3 PHP library's hybrid redirect). Any other page ends the walk.

Transports: :class:`RequestsTransport` (real HTTP on 127.0.0.1, cookies in a requests session)
and :class:`WsgiTransport` (Flask apps in-process, one werkzeug client and cookie jar per host).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import urlencode, urljoin, urlsplit


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

    def __init__(self, timeout: float = 10.0) -> None:
        import requests

        self.session = requests.Session()
        self.timeout = timeout
        self._exc = requests.RequestException

    def send(self, method: str, url: str, data: Mapping[str, str] | None) -> Page:
        from harness.lti.http import HttpError

        try:
            r = self.session.request(method, url, data=data, allow_redirects=False,
                                     timeout=self.timeout)
        except self._exc as exc:
            raise HttpError(f"{method} {url} failed: {type(exc).__name__}") from None
        return Page(method, url, r.status_code, dict(r.headers), r.text)


class WsgiTransport:
    """In-process: ``apps`` maps a base URL (``http://tool.test``) to a WSGI app."""

    def __init__(self, apps: Mapping[str, Any]) -> None:
        from werkzeug.test import Client

        self.clients = {urlsplit(base).netloc: Client(app) for base, app in apps.items()}

    def send(self, method: str, url: str, data: Mapping[str, str] | None) -> Page:
        parts = urlsplit(url)
        client = self.clients.get(parts.netloc)
        if client is None:
            from harness.lti.http import HttpError

            raise HttpError(f"{method} {url} failed: no in-process app for {parts.netloc}")
        resp = client.open(parts.path, method=method, query_string=parts.query, data=data,
                           base_url=f"{parts.scheme}://{parts.netloc}")
        return Page(method, url, resp.status_code, dict(resp.headers),
                    resp.get_data(as_text=True))


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
    if "<form" not in html.lower():
        return None
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
        if method.upper() == "GET" and data:
            url = url + ("&" if "?" in url else "?") + urlencode(data)
            data = None
        from harness.lti.interstitials import understand

        for _ in range(self.max_hops):
            if data is not None and method.upper() == "POST":
                self.posted.append((url, frozenset(data)))
            page = self.transport.send(method.upper(), url, data)
            self.history.append(page)
            location = page.headers.get("Location")
            if page.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
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
                fields = self.on_form(urljoin(url, action), fields)
            url, data = urljoin(url, action), fields
            if method == "GET":
                url, data = url + ("&" if "?" in url else "?") + urlencode(fields), None
        return page
