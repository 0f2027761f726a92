"""Run mock apps as real HTTP(S) servers on 127.0.0.1 (one server per mock, threads).

::

    with MockServers(["c4th", "lgate", "m365"], port_base=0) as servers:
        servers.urls    # {"c4th": "http://127.0.0.1:53211", ...}; port 0 picks free ports

    tls = ensure_tls("state/tls")     # mocks.tls: a local CA and a server certificate
    with MockServers(["m365"], port_base=0, tls=tls) as servers:
        servers.urls    # {"m365": "https://127.0.0.1:53212"}

http is served by waitress; https by cheroot (pure Python, small, and it speaks TLS through
the standard ``ssl`` module, which waitress does not). Under cheroot an injected ``drop`` fault
before the response cannot cut the socket (the server hides it from the app): the client gets a
500 instead; a drop mid-body still cuts the connection.

Every app's ``PEERS`` holds the live URLs of all the mocks served together (and the default
live URLs of the others), so lgate launches a tool over loopback. The servers are bound before
any app is built, so ports chosen by the OS are known when PEERS is filled in.
"""

from __future__ import annotations

import errno
import logging
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cheroot import wsgi as cheroot_wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter
from waitress import create_server, wasyncore

from harness.transport import ConnectionDropped, TrustingSession
from mocks import MOCKS, create_app, default_peers, default_port, info
from mocks.tls import TlsFiles

LOOPBACK = "127.0.0.1"


class ServeError(Exception):
    """A mock cannot be served (port in use, bad port, app failed to start)."""


class _Slot:
    """A WSGI app filled in after the socket is bound (the app needs the final ports)."""

    def __init__(self) -> None:
        self.app: Callable[..., Any] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None
        return self.app(environ, start_response)


class _QuietDrops(logging.Filter):
    """Keep waitress's log free of the tracebacks of injected ``drop`` faults."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


@dataclass
class Served:
    """One served mock: its name, port, URL and app."""

    name: str
    port: int
    url: str
    app: Any = None
    server: Any = None
    thread: threading.Thread | None = None


def plan_ports(names: Iterable[str], *, port_base: int = 8100,
               ports: Mapping[str, int] | None = None) -> dict[str, int]:
    """{name: port}: ``port_base`` + registry index (0 → any free port), or ``ports[name]``."""
    out = {}
    for name in names:
        info(name)
        if ports and name in ports:
            out[name] = ports[name]
        else:
            out[name] = 0 if port_base == 0 else default_port(name, port_base)
    for name, port in out.items():
        if not 0 <= port <= 65535:
            raise ServeError(f"port of {name} must be 0–65535, got {port}")
    return out


class MockServers:
    """Serve mocks over loopback until :meth:`stop` (also a context manager).

    :param names: mocks to serve, in any order.
    :param port_base: ports are port_base + registry index; 0 → free ports from the OS.
    :param ports: explicit ports for some mocks.
    :param state_dir: when given, each mock's SQLite file is ``<state_dir>/<name>.sqlite``
        (state survives a restart); else each mock keeps its state in memory.
    :param host: the address to bind (127.0.0.1 unless told otherwise).
    :param config: per-mock config overrides ``{name: {...}}``.
    :param threads: worker threads per mock.
    :param tls: serve https with these files (:func:`mocks.tls.ensure_tls`); None: http.
    """

    def __init__(self, names: Iterable[str], *, port_base: int = 8100,
                 ports: Mapping[str, int] | None = None, state_dir: str | None = None,
                 host: str = LOOPBACK, config: Mapping[str, Mapping[str, Any]] | None = None,
                 threads: int = 8, tls: TlsFiles | None = None) -> None:
        self.names = [n for n in MOCKS if n in set(names)]
        self.ports = plan_ports(self.names, port_base=port_base, ports=ports)
        self.port_base = port_base or 8100
        self.state_dir, self.host, self.threads = state_dir, host, threads
        self.config = config or {}
        self.tls = tls
        self.scheme = "https" if tls else "http"
        self.served: dict[str, Served] = {}
        self._stop = threading.Event()

    @property
    def urls(self) -> dict[str, str]:
        return {name: s.url for name, s in self.served.items()}

    def start(self) -> MockServers:
        """Bind every port, build the apps, start serving; :class:`ServeError` if one fails."""
        waitress_log = logging.getLogger("waitress")
        if not any(isinstance(f, _QuietDrops) for f in waitress_log.filters):
            waitress_log.addFilter(_QuietDrops())
        slots: dict[str, _Slot] = {}
        try:
            for name in self.names:
                slot = slots[name] = _Slot()
                server, port = self._bind(name, slot)
                self.served[name] = Served(name, port,
                                           f"{self.scheme}://{self._url_host()}:{port}",
                                           server=server)
            peers = default_peers(live=True, port_base=self.port_base, scheme=self.scheme)
            peers.update(self.urls)
            for name in self.names:
                cfg: dict[str, Any] = {"BASE_URL": peers[name], "PEERS": peers,
                                       "DATABASE": (os.path.join(self.state_dir,
                                                                 f"{name}.sqlite")
                                                    if self.state_dir else ":memory:")}
                if self.tls is not None:
                    # the mocks' own calls to each other (JWKS, launches) trust the local CA
                    cfg["HTTP_SESSION"] = TrustingSession(str(self.tls.ca))
                cfg.update(self.config.get(name, {}))
                try:
                    app = create_app(name, cfg)
                except Exception as exc:
                    raise ServeError(f"{name}: the app failed to start: {exc}") from exc
                slots[name].app = app
                self.served[name].app = app
        except BaseException:
            self._close_unstarted()
            raise
        for served in self.served.values():
            served.thread = threading.Thread(target=self._run, args=(served.server,),
                                             name=f"mock-{served.name}", daemon=True)
            served.thread.start()
        return self

    def _bind(self, name: str, slot: _Slot) -> tuple[Any, int]:
        """Bind ``name``'s port (waitress for http, cheroot for https); (server, port)."""
        port = self.ports[name]
        if self.tls is None:
            try:
                # X-Forwarded-* reach the app, which honours them from loopback only
                server = create_server(slot, host=self.host, port=port, threads=self.threads,
                                       ident=f"renkei-{name}",
                                       clear_untrusted_proxy_headers=False)
            except OSError as exc:
                raise _bind_error(name, self.host, port, exc) from None
            return server, int(server.effective_port)
        tls_server = cheroot_wsgi.Server((self.host, port), slot, numthreads=self.threads,
                                         server_name=f"renkei-{name}")
        tls_server.ssl_adapter = BuiltinSSLAdapter(str(self.tls.cert), str(self.tls.key))
        tls_server.error_log = _cheroot_log  # type: ignore[method-assign]
        try:
            tls_server.prepare()
        except OSError as exc:
            if "in use" in str(exc):
                exc = OSError(errno.EADDRINUSE, "in use")
            raise _bind_error(name, self.host, port, exc) from None
        return tls_server, int(tls_server.bind_addr[1])

    def _url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    def _run(self, server: Any) -> None:
        if isinstance(server, cheroot_wsgi.Server):
            server.serve()
            return
        # the loop runs in short slices so that stop() ends it from this same thread:
        # waitress's socket map is not safe to close from another thread
        while not self._stop.is_set():
            wasyncore.loop(timeout=0.2, map=server._map, count=1)
        server.task_dispatcher.shutdown()
        wasyncore.close_all(server._map)

    def _close_unstarted(self) -> None:
        for served in self.served.values():
            if isinstance(served.server, cheroot_wsgi.Server):
                served.server.stop()
            elif served.server is not None and served.thread is None:
                served.server.task_dispatcher.shutdown()
                wasyncore.close_all(served.server._map)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every server and wait for their threads."""
        from mocks.base import close_app_db

        self._stop.set()
        for served in self.served.values():
            if isinstance(served.server, cheroot_wsgi.Server):
                served.server.stop()
        for served in self.served.values():
            if served.thread is not None:
                served.thread.join(timeout)
            if served.app is not None:
                close_app_db(served.app)

    def wait(self) -> None:
        """Block until :meth:`stop` is called (from a signal handler or another thread)."""
        while not self._stop.wait(0.5):
            pass

    def __enter__(self) -> MockServers:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _cheroot_log(msg: str = "", level: int = logging.INFO, traceback: bool = False) -> None:
    """cheroot's error log into ``logging`` (not stderr); a client that does not trust the
    CA is an INFO line, not a traceback."""
    logging.getLogger("cheroot").log(level, "%s", msg, exc_info=traceback)


def _bind_error(name: str, host: str, port: int, exc: OSError) -> ServeError:
    if exc.errno == errno.EADDRINUSE:
        return ServeError(f"{name}: port {port} on {host} is already in use; stop what uses it "
                          f"or choose another with --port {name}=PORT or --port-base")
    if exc.errno == errno.EACCES:
        return ServeError(f"{name}: no permission to listen on {host}:{port}; use a port "
                          "above 1023")
    return ServeError(f"{name}: cannot listen on {host}:{port}: {exc.strerror or exc}")


__all__ = ["LOOPBACK", "MockServers", "ServeError", "Served", "plan_ports"]
