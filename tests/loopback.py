"""WSGI apps served on 127.0.0.1 for the tests that drive ``renkei certify`` over real HTTP.

``serve`` is a fixture: import it into a conftest (or a test module) to use it there.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server


class Server:
    """A WSGI app served on 127.0.0.1, port chosen by the OS, in a daemon thread."""

    def __init__(self, app: Any) -> None:
        # an app factory taking the URL is called after the port is known
        self.app: Any = None
        self.httpd = make_server("127.0.0.1", 0, lambda e, s: self.app(e, s), threaded=True)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.app = app(self.url) if not hasattr(app, "wsgi_app") and callable(app) else app
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def serve() -> Iterator[Any]:
    """Factory: ``serve(app)`` (or ``serve(lambda url: app)``) → a running :class:`Server`;
    every server stops after the test."""
    servers: list[Server] = []

    def start(app: Any) -> Server:
        s = Server(app)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on (now)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_block(n: int = 6) -> int:
    """A base port with ``n`` free consecutive loopback ports after it (for a port base).

    Each xdist worker scans its own stretch below the kernel's ephemeral range (32768 up), so
    two tests starting at once on two workers never pick the same block. Within the stretch the
    scan starts at a place set by the process id: two suites run side by side on one machine
    (both with a worker gw0) then start in different places instead of racing for the first
    free block.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")[2:]
    start = 20100 + 3000 * (int(worker) % 4 if worker.isdigit() else 0)
    stretch = range(start, start + 3000 - n, 97)
    first = os.getpid() % len(stretch)
    for base in [*stretch[first:], *stretch[:first]]:
        socks = []
        try:
            for port in range(base, base + n):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free block of loopback ports")


def wait_listening(port: int, seconds: float = 5.0) -> None:
    """Return once something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"nothing started listening on 127.0.0.1:{port}")
