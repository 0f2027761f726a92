"""The WSGI layer around every mock: the received-request log and fault injection.

It sits outside Flask so that a fault looks like the network or the server misbehaving, not
like the application: a dropped connection never reaches a Flask error handler.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlencode

from harness.core.clock import PerSecond
from harness.transport import ConnectionDropped, call_wsgi
from mocks.base.faults import Fault, FaultStore

log = logging.getLogger("mocks.faults")

WsgiApp = Callable[..., Iterable[bytes]]
#: environ keys through which a view takes a mock-handled fault (e.g. c4th's ``truncate``)
FAULTS_KEY, RECORD_KEY = "renkei.faults", "renkei.request_record"

ErrorBody = Callable[[int, str], tuple[bytes, str]]


class RequestLog:
    """The last N received requests (method, path, status, ms, fault), newest last."""

    def __init__(self, size: int = 1000) -> None:
        self._entries: collections.deque[dict[str, Any]] = collections.deque(maxlen=size)
        self._lock = threading.Lock()
        self._next = 1

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            entry["seq"] = self._next
            self._next += 1
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _default_error(status: int, message: str) -> tuple[bytes, str]:
    import json

    body = {"error": {"code": "injectedFault", "message": message}}
    return json.dumps(body).encode(), "application/json"


_SECRET_WORDS = ("token", "secret", "password", "passwd", "assertion", "code", "key")
_SECRET_PARAM = re.compile("|".join(_SECRET_WORDS), re.IGNORECASE)


def _secret_word_in(text: str) -> bool:
    """``_SECRET_PARAM.search(text)``: for ASCII text (a query), the lower-cased text
    searched for each word (a few times faster than the pattern)."""
    if text.isascii():
        low = text.lower()
        return any(word in low for word in _SECRET_WORDS)
    return _SECRET_PARAM.search(text) is not None


def _names_a_secret(query: str) -> bool:
    # names only: an OIDC request's ``response_type=id_token`` is no secret, and most queries
    # pass unparsed (every request a mock receives is logged); a name is read as it decodes
    names = [part.partition("=")[0] for part in query.split("&")]
    for i, name in enumerate(names):
        if "%" in name or "+" in name:
            names[i] = unquote_plus(name)
    return _secret_word_in("&".join(names))  # (no word holds an "&": none spans two names)


def redact_query(query: str) -> str:
    """The query string with the values of secret-looking parameters replaced by ``***``."""
    if not query or ("%" not in query and not _secret_word_in(query)):
        return query  # nothing secret-looking anywhere in it (one scan, no split)
    if not _names_a_secret(query):
        return query
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in pairs])


#: ``time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())``: a request log entry's time
utc_stamp = PerSecond(lambda second: time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                  time.gmtime(second)))


def note_fault(record: dict[str, Any], fault: Fault, mock_name: str, method: str,
               path: str) -> None:
    """Mark the request's log entry with the injected fault, and log it."""
    record["fault"] = {"id": fault.id, "kind": fault.kind}
    log.info("%s: injecting fault %s #%d on %s %s", mock_name, fault.kind, fault.id, method,
             path)


class FaultMiddleware:
    """Wrap a WSGI app: log each request, and apply the fault rule that hits it, if any."""

    def __init__(self, app: WsgiApp, faults: FaultStore, requests: RequestLog, *,
                 error_body: ErrorBody | None = None, mock_name: str = "mock",
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.app = app
        self.faults = faults
        self.requests = requests
        self.error_body = error_body or _default_error
        self.mock_name = mock_name
        self.sleep = sleep

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        started = time.perf_counter()
        fault = self.faults.pick(method, path)
        record: dict[str, Any] = {
            "time": utc_stamp(),
            "method": method, "path": path, "query": redact_query(environ.get("QUERY_STRING", "")),
            "status": None, "ms": None, "fault": None,
        }
        if fault is not None:
            note_fault(record, fault, self.mock_name, method, path)
        environ[FAULTS_KEY], environ[RECORD_KEY] = self.faults, record
        logged = not path.startswith("/_admin")

        def finish(status: int | None) -> None:
            record["status"] = status
            record["ms"] = round((time.perf_counter() - started) * 1000, 2)
            if logged:
                self.requests.add(record)

        if fault is None:
            return self._passthrough(environ, start_response, finish)
        if fault.kind == "latency":
            self.sleep(fault.latency_seconds(self.faults.rng))
            return self._passthrough(environ, start_response, finish)
        if fault.kind == "status":
            return self._status(fault, start_response, finish)
        if fault.kind == "drop":
            return self._drop(fault, environ, start_response, finish)
        return self._rewrite(fault, environ, start_response, finish)

    def _passthrough(self, environ: dict[str, Any], start_response: Callable[..., Any],
                     finish: Callable[[int | None], None]) -> Iterable[bytes]:
        seen: list[int] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            seen.append(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info)

        try:
            result = self.app(environ, capture)
        except BaseException:
            finish(500)
            raise
        # the status is known once start_response ran, which Flask does before returning
        finish(seen[-1] if seen else None)
        return result

    def _status(self, fault: Fault, start_response: Callable[..., Any],
                finish: Callable[[int | None], None]) -> Iterable[bytes]:
        from werkzeug.http import HTTP_STATUS_CODES

        reason = HTTP_STATUS_CODES.get(fault.status, "Error")
        body, ctype = self.error_body(fault.status, f"injected fault #{fault.id}: "
                                      f"{fault.status} {reason}")
        headers = [("Content-Type", ctype), ("Content-Length", str(len(body)))]
        if fault.retry_after is not None:
            ra = fault.retry_after
            headers.append(("Retry-After", str(int(ra)) if ra == int(ra) else str(ra)))
        start_response(f"{fault.status} {reason}", headers)
        finish(fault.status)
        return [body]

    def _drop(self, fault: Fault, environ: dict[str, Any], start_response: Callable[..., Any],
              finish: Callable[[int | None], None]) -> Iterable[bytes]:
        # The request is served (its side effects happen, as when a real server dies while
        # answering), then the connection dies mid-body: headers promise more bytes than come.
        status, headers, body = call_wsgi(self.app, environ)
        finish(None)
        if fault.at == "start":
            _close_client_socket(environ)
            raise ConnectionDropped("injected fault: connection dropped before the response")
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body) + 1024)))
        start_response(status, headers)
        return _DroppingBody(body[: len(body) // 2])

    def _rewrite(self, fault: Fault, environ: dict[str, Any],
                 start_response: Callable[..., Any], finish: Callable[[int | None], None]
                 ) -> Iterable[bytes]:
        status, headers, body = call_wsgi(self.app, environ)
        finish(int(status.split(" ", 1)[0]))
        if fault.kind == "malformed":
            body = body[: len(body) // 2] + b'\x00\xff{"<<malformed'
            if status[:3] in ("204", "304"):
                status = "200 OK"  # a body where none may be sent would break the framing
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        if fault.kind == "trickle":
            return _trickle(body, fault.bytes_per_s, self.sleep)
        return [body]


def _close_client_socket(environ: dict[str, Any]) -> None:
    """Under waitress, shut the client's socket down before any response byte is written.

    waitress exposes its channel only through ``waitress.client_disconnected`` (a bound method
    of the channel); in-process there is no socket and ConnectionDropped does the job.
    """
    import socket

    check = environ.get("waitress.client_disconnected")
    channel = getattr(check, "__self__", None)
    sock = getattr(channel, "socket", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _DroppingBody:
    """A body iterator that yields part of the body, then fails: the server drops the socket.

    waitress closes the connection when the app's iterator raises after the headers went out;
    the in-process adapter turns :class:`ConnectionDropped` into ``requests.ConnectionError``.
    """

    def __init__(self, head: bytes) -> None:
        self.head = head

    def __iter__(self) -> Iterator[bytes]:
        if self.head:
            yield self.head
        raise ConnectionDropped("injected fault: connection dropped mid-response")


def _trickle(body: bytes, bytes_per_s: int, sleep: Callable[[float], None]) -> Iterator[bytes]:
    """Yield ``body`` in tenth-of-a-second slices at ``bytes_per_s``."""
    step = max(1, bytes_per_s // 10)
    for i in range(0, len(body), step):
        if i:
            sleep(step / bytes_per_s)
        yield body[i:i + step]
