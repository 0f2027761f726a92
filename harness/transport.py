"""Run HTTP client code against WSGI apps in-process, with nothing above the transport changed.

A ``requests`` transport adapter: mount it on a session and requests to the mounted base URLs
go to the WSGI app directly instead of a socket. The client code (retries, timeouts, error
handling) is exactly the code that runs against real servers::

    session = requests.Session()
    mount_wsgi(session, {"http://lgate.test": lgate_app, "http://m365.test": m365_app})
    session.post("http://lgate.test/oneroster/bulk", data=zip_bytes)

An app may signal a dropped connection by raising :class:`ConnectionDropped` (or by failing
while its body is read); the adapter turns both into ``requests.ConnectionError``, as a socket
closed mid-response would.
"""

from __future__ import annotations

import http.client
import io
import re
import sys
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import SplitResult, unquote_to_bytes, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from urllib3.response import HTTPResponse

WsgiApp = Callable[..., Any]


class ConnectionDropped(Exception):
    """Raised by an app (or its fault layer) to drop the connection without a response."""


class WsgiAdapter(BaseAdapter):
    """A ``requests`` adapter that serves each request from a WSGI app chosen by host."""

    def __init__(self, apps: Mapping[str, WsgiApp]) -> None:
        super().__init__()
        self.apps = {_netloc(base): app for base, app in apps.items()}

    def send(self, request: requests.PreparedRequest, stream: bool = False,
             timeout: Any = None, verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        parts = urlsplit(request.url)
        app = self.apps.get(parts.netloc)
        if app is None:
            raise requests.ConnectionError(f"no in-process app serves {parts.netloc}",
                                           request=request)
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        environ = wsgi_environ(request.method or "GET", parts, body or b"", request.headers)
        try:
            status, headers, content = call_wsgi(app, environ)
        except ConnectionDropped:
            raise requests.ConnectionError(
                f"connection to {parts.netloc} dropped", request=request) from None
        return self._response(request, status, headers, content)

    def _response(self, request: requests.PreparedRequest, status: str,
                  headers: list[tuple[str, str]], content: bytes) -> requests.Response:
        resp = requests.Response()
        resp.status_code = int(status.split(" ", 1)[0])
        resp.reason = status.split(" ", 1)[1] if " " in status else ""
        resp.headers = CaseInsensitiveDict(headers)
        raw = HTTPResponse(body=io.BytesIO(content), headers=headers,
                           status=resp.status_code, preload_content=False)
        # requests reads Set-Cookie from the http.client message behind urllib3's response
        msg = http.client.HTTPMessage()
        for name, value in headers:
            msg[name] = value
        raw._original_response = _Original(msg)  # type: ignore[attr-defined]
        resp.raw = raw
        extract_cookies_to_jar(resp.cookies, request, raw)
        resp._content = content
        resp.url = request.url or ""
        resp.request = request
        resp.encoding = requests.utils.get_encoding_from_headers(resp.headers)
        resp.connection = self
        return resp

    def close(self) -> None:
        pass


#: an http(s) URL ``urlsplit`` only cuts (at its first ``://``, ``/``, ``?``): none of the
#: spaces and control characters it strips or drops, no fragment, no IPv6 host; its groups
#: are the scheme, host, path and query
_PLAIN_URL = re.compile(r"(https?)://([^/?\x00-\x20#\[\]\x7f]*)([^?\x00-\x20#\[\]\x7f]*)\??"
                        r"([^\x00-\x20#\[\]\x7f]*)")
_tuple_new = tuple.__new__  # a SplitResult made from its fields without namedtuple's __new__


def split_url(url: str) -> SplitResult:
    """``urlsplit(url)``; an ASCII http(s) URL with nothing for it to strip, no fragment and
    no IPv6 host (every hop of a launch) is cut where urlsplit cuts it, by one pattern,
    without its checks."""
    m = _PLAIN_URL.fullmatch(url)
    if m is not None and url.isascii():
        return _tuple_new(SplitResult, (*m.groups(), ""))
    return urlsplit(url)


def wsgi_environ(method: str, parts: SplitResult, body: bytes,
                 headers: Mapping[str, str]) -> dict[str, Any]:
    """A PEP 3333 environ for one request to ``parts`` (a ``urlsplit`` result).

    Built by hand rather than with werkzeug's ``EnvironBuilder``: a rehearsal makes hundreds
    of thousands of in-process requests, and this is several times cheaper.
    """
    host, port = _host_port(parts)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "",
        "PATH_INFO": _path_info(parts.path),
        "QUERY_STRING": parts.query, "SERVER_NAME": host or "localhost",
        "SERVER_PORT": str(port or (443 if parts.scheme == "https" else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": parts.netloc,
        "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ[key] = value
        elif key not in ("CONTENT_LENGTH", "HOST"):  # both set above, from the body and URL
            environ["HTTP_" + key] = value
    return environ


def _host_port(parts: SplitResult) -> tuple[str | None, int | None]:
    """``(parts.hostname, parts.port)``; a plain ``host`` or ``host:digits`` netloc is read
    without the properties' parsing (each request of a launch has one)."""
    netloc = parts.netloc
    if netloc.isascii() and "@" not in netloc and "[" not in netloc and "%" not in netloc:
        host, colon, port = netloc.partition(":")
        if not colon:
            return host.lower() or None, None
        if port.isdigit() and int(port) <= 65535:
            return host.lower() or None, int(port)
    return parts.hostname, parts.port


def _path_info(path: str) -> str:
    """PEP 3333's PATH_INFO for a URL's path: its bytes, unquoted, as latin-1."""
    if "%" not in path and path.isascii():
        return path or "/"
    return unquote_to_bytes(path or "/").decode("latin-1")


def call_wsgi(app: WsgiApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call ``app`` once and return its status line, headers and whole body.

    :class:`ConnectionDropped` from the app, or from reading its body, passes through.
    """
    seen: dict[str, Any] = {}
    written = bytearray()  # what an app sends through start_response's legacy write()

    def start_response(status: str, headers: list[tuple[str, str]],
                       exc_info: Any = None) -> Callable[[bytes], None]:
        seen["status"], seen["headers"] = status, headers
        return written.extend

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    if written:
        content = bytes(written) + content
    return seen["status"], list(seen["headers"]), content


class _Original:
    def __init__(self, msg: http.client.HTTPMessage) -> None:
        self.msg = msg

    def info(self) -> http.client.HTTPMessage:
        return self.msg


def _netloc(base: str) -> str:
    return urlsplit(base).netloc or base


def mount_wsgi(session: requests.Session, apps: Mapping[str, WsgiApp]) -> requests.Session:
    """Route ``session``'s requests for each base URL in ``apps`` to that WSGI app."""
    adapter = WsgiAdapter(apps)
    for base in apps:
        parts = urlsplit(base)
        session.mount(f"{parts.scheme}://{parts.netloc}/", adapter)
    return session


class TrustingSession(requests.Session):
    """A session that verifies https against one CA bundle (e.g. a local CA's ``ca.pem``).

    ``session.verify = path`` alone is not enough: requests lets ``REQUESTS_CA_BUNDLE`` /
    ``CURL_CA_BUNDLE`` from the environment win over the session's setting, so the bundle is
    passed with every request instead (a caller's own ``verify=`` still wins).
    """

    def __init__(self, ca_file: str) -> None:
        super().__init__()
        self.verify = self.ca_file = ca_file

    def request(self, method: str | bytes, url: str | bytes,  # type: ignore[override]
                *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("verify") is None:
            kwargs["verify"] = self.ca_file
        return super().request(method, url, *args, **kwargs)


def session_for(ca_file: str | None) -> requests.Session:
    """A plain session, or a :class:`TrustingSession` when a CA bundle is given."""
    return TrustingSession(ca_file) if ca_file else requests.Session()
