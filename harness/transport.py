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
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from urllib3.response import HTTPResponse
from werkzeug.test import EnvironBuilder, run_wsgi_app

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
        builder = EnvironBuilder(
            path=parts.path or "/", base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=parts.query, method=request.method,
            headers=dict(request.headers), input_stream=io.BytesIO(body or b""),
        )
        env = builder.get_environ()
        env["CONTENT_LENGTH"] = str(len(body or b""))
        try:
            app_iter, status, headers = run_wsgi_app(app, env, buffered=True)
            content = b"".join(app_iter)
            if hasattr(app_iter, "close"):
                app_iter.close()
        except ConnectionDropped:
            raise requests.ConnectionError(
                f"connection to {parts.netloc} dropped", request=request) from None
        finally:
            builder.close()
        return self._response(request, status, list(headers.items()), content)

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
