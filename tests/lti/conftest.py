"""Fixtures for the LTI kit: a platform and a tool wired in-process, and loopback servers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from harness.lti.browser import WsgiTransport
from harness.lti.jwks import KeySetCache
from harness.lti.platform_app import create_platform_app, register_tool, state
from harness.lti.tool_app import create_tool_app
from tests.loopback import serve  # noqa: F401  (a fixture for every LTI test)

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
