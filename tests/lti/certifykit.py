"""Helpers for the ``renkei certify lti-tool`` / ``lti-platform`` tests: configuration files,
renkei's own tool registered on a platform app, and ``certify lti-platform`` in a thread."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from harness.cli.main import main
from harness.lti.platform_app import register_tool
from harness.lti.tool_app import ACCEPTED
from tests.loopback import wait_listening


def write_tool_toml(path: Path, url: str, *, marker: str = ACCEPTED, jwks: bool = True,
                    client_id: str = "cert-tool", json_field: str | None = None) -> Path:
    """A ``tool.toml`` for the tool at ``url``; accepted is ``marker`` on the page, or a truthy
    ``json_field`` when one is given."""
    accepted = f'json_field = "{json_field}"' if json_field else f'marker = "{marker}"'
    text = f"""
[tool]
client_id = "{client_id}"
login_url = "{url}/login"
redirect_uris = ["{url}/launch"]
target_link_uri = "{url}/launch"
deployment_id = "1"
{'jwks_url = "' + url + '/jwks"' if jwks else ''}

[acceptance]
status = 200
{accepted}
"""
    path.write_text(text, encoding="utf-8")
    return path


def write_platform_toml(path: Path, issuer: str, url: str, *, marker: str | None = None
                        ) -> Path:
    """A ``platform.toml`` for the platform app at ``url``; with ``marker``, an
    ``[acceptance]`` table for its Deep Linking answers."""
    acceptance = f'[acceptance]\nstatus = 200\nmarker = "{marker}"\n' if marker else ""
    path.write_text(f"""
[platform]
issuer = "{issuer}"
client_id = "renkei"
deployment_ids = ["1"]
auth_login_url = "{url}/auth"
auth_token_url = "{url}/token"
key_set_url = "{url}/.well-known/jwks.json"
{acceptance}""", encoding="utf-8")
    return path


def register_renkei_tool(papp: Any, port: int, *, deep_linking: bool = False) -> None:
    """Register renkei's tool (``certify lti-platform`` on ``port``) on the platform app."""
    tool_url = f"http://127.0.0.1:{port}"
    reg = {"client_id": "renkei", "login_url": tool_url + "/login",
           "redirect_uris": [tool_url + "/launch"],
           "target_link_uri": tool_url + "/launch", "jwks_url": tool_url + "/jwks"}
    if deep_linking:
        reg["deep_link_url"] = tool_url + "/launch"
    register_tool(papp, reg)


def start_certify(argv: list[str], port: int) -> tuple[threading.Thread, dict[str, int]]:
    """Run ``renkei <argv>`` in a thread and wait until it listens on ``port``; the exit code
    lands in the dict's ``code`` once the thread has finished."""
    result: dict[str, int] = {}
    worker = threading.Thread(target=lambda: result.setdefault("code", main(argv)))
    worker.start()
    wait_listening(port)
    return worker, result
