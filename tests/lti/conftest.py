"""Fixtures for the LTI kit: a platform and a tool wired in-process, and loopback servers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from werkzeug.serving import make_server

from harness.lti.browser import WsgiTransport
from harness.lti.jwks import KeySetCache
from harness.lti.platform_app import create_platform_app, register_tool, state
from harness.lti.tool_app import create_tool_app

P = "http://platform.test"
T = "http://tool.test"
CLIENT_ID = "renkei-test-tool"


@dataclass
class Pair:
    """An in-process platform app and tool app that know each other."""

    papp: Any
    tapp: Any

    @property
    def platform(self) -> Any:
        return state(self.papp).platform

    @property
    def tool(self) -> Any:
        return self.tapp.extensions["renkei_lti_tool"]

    def transport(self) -> WsgiTransport:
        return WsgiTransport({P: self.papp, T: self.tapp})

    def tool_log(self) -> list[dict[str, Any]]:
        return self.tapp.extensions["renkei_lti_tool_log"]


def make_pair(*, tool_config: dict[str, Any] | None = None) -> Pair:
    papp = create_platform_app({"BASE_URL": P})
    st = state(papp)
    pclient = papp.test_client()

    def fetch(url: str) -> tuple[Any, str | None]:
        r = pclient.get("/.well-known/jwks.json")
        return r.get_json(), r.headers.get("Cache-Control")

    tapp = create_tool_app({
        "BASE_URL": T, "FETCH": fetch, **(tool_config or {}),
        "PLATFORMS": [{"issuer": st.platform.issuer, "client_id": CLIENT_ID,
                       "auth_login_url": P + "/auth", "auth_token_url": P + "/token",
                       "deployment_ids": ["1"], "key_set_url": P + "/.well-known/jwks.json"}],
    })
    tool = tapp.extensions["renkei_lti_tool"]
    tool.key_sets[st.platform.issuer] = KeySetCache(P + "/.well-known/jwks.json", fetch)
    register_tool(papp, {"client_id": CLIENT_ID, "login_url": T + "/login",
                         "redirect_uris": [T + "/launch"], "target_link_uri": T + "/launch",
                         "deployment_ids": ["1"], "jwks": tool.keys.jwks()})
    return Pair(papp, tapp)


@pytest.fixture
def pair() -> Pair:
    return make_pair()


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
    servers: list[Server] = []

    def start(app: Any) -> Server:
        s = Server(app)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()
