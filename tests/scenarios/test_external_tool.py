"""A vendor's own tool registered in lgate's TOOLS: what a launch outcome says when the tool
answers an error, when it does not answer at all, and how acceptance decides (issue 21)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask, redirect, request

from scenarios.launches import STATUS_ONLY, flow_step, launch_one, short_url
from scenarios.vendors import Vendors
from tests.loopback import Server, free_port

PUPIL = "ext-pupil-1"


def fake_tool(behaviour: dict[str, Any]) -> Flask:
    """Just enough of an LTI tool: its login step sends the browser on to the platform's
    auth (or fails, as a tool that knows no such issuer does), and its launch answers what
    ``behaviour["launch"]`` says (status, page). It verifies nothing: the tests are about
    what renkei makes of its answers."""
    app = Flask("fake_tool")

    @app.route("/init/", methods=["GET", "POST"])
    def init() -> Any:
        if behaviour.get("login"):
            return behaviour["login"]
        params = request.values
        query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                 "prompt": "none", "client_id": "vendor-tool",
                 "redirect_uri": behaviour["url"] + "/launch/",
                 "login_hint": params["login_hint"], "state": "s-1", "nonce": "n-1",
                 "lti_message_hint": params.get("lti_message_hint", "")}
        return redirect(params["iss"] + "/lti/auth?" + urlencode(query))

    @app.post("/launch/")
    def launch() -> Any:
        return behaviour["launch"]

    return app


@pytest.fixture
def external(tmp_path) -> Iterator[Any]:
    """(vendors, behaviour, acceptance setter): lgate in-process, the tool on loopback."""
    behaviour: dict[str, Any] = {"launch": ("<p>LAUNCH-OK welcome</p>", 200)}
    server = Server(fake_tool(behaviour))
    behaviour["url"] = server.url
    made: list[Vendors] = []

    def build(acceptance: dict[str, Any] | None = None) -> Vendors:
        entry: dict[str, Any] = {
            "client_id": "vendor-tool", "login_url": server.url + "/init/",
            "redirect_uris": [server.url + "/launch/"], "jwks": {"keys": []}}
        if acceptance is not None:
            entry["acceptance"] = acceptance
        vendors = Vendors.in_process(tmp_path / f"w{len(made)}",
                                     config={"lgate": {"TOOLS": {"vendor_tool": entry}}})
        vendors.call("lgate", "POST", "/_admin/seed", json={"users": [{
            "userMasterIdentifier": PUPIL, "username": "ext1@example.jp", "givenName": "花子",
            "familyName": "山田", "role": "student"}]}, ok=(200, 201))
        made.append(vendors)
        return vendors

    yield build, behaviour
    for v in made:
        v.close()
    server.stop()


def test_without_acceptance_a_200_is_ok_but_says_only_the_status_was_seen(external):
    build, _ = external
    outcome = launch_one(build(), PUPIL, "vendor_tool")
    assert outcome.ok and outcome.step == "launch"
    assert outcome.judged == "status only" and outcome.note == STATUS_ONLY


def test_acceptance_by_marker_refuses_a_200_error_page(external):
    build, behaviour = external
    vendors = build({"status": 200, "marker": "LAUNCH-OK"})
    assert launch_one(vendors, PUPIL, "vendor_tool").ok
    behaviour["launch"] = ("<html><body><h1>Error</h1><p>session expired</p></body></html>", 200)
    outcome = launch_one(vendors, PUPIL, "vendor_tool")
    assert not outcome.ok and outcome.judged == "acceptance" and outcome.note == ""
    assert outcome.status == 200 and outcome.step == "launch"
    assert "shows no acceptance (expected HTTP 200 and the text 'LAUNCH-OK'" in outcome.reason
    assert "after its login step" in outcome.reason
    assert "session expired" in outcome.reason and outcome.excerpt == "Error session expired"


def test_acceptance_by_status(external):
    build, behaviour = external
    vendors = build({"status": 201})
    assert not launch_one(vendors, PUPIL, "vendor_tool").ok  # a 200 is not the agreed 201
    behaviour["launch"] = ("created", 201)
    assert launch_one(vendors, PUPIL, "vendor_tool").ok


def test_acceptance_by_json_field(external):
    build, behaviour = external
    vendors = build({"json_field": "result.accepted"})
    behaviour["launch"] = ({"result": {"accepted": True}}, 200)
    assert launch_one(vendors, PUPIL, "vendor_tool").ok
    behaviour["launch"] = ({"result": {"accepted": False}}, 200)
    assert not launch_one(vendors, PUPIL, "vendor_tool").ok


def test_an_error_at_the_tools_login_step_carries_status_excerpt_and_step(external):
    build, behaviour = external
    behaviour["login"] = ("<h1>Server Error</h1><p>no registration for this issuer</p>", 500)
    outcome = launch_one(build(), PUPIL, "vendor_tool")
    assert not outcome.ok and outcome.status == 500 and outcome.step == "login"
    assert outcome.reason.startswith("the tool answered HTTP 500 at http://127.0.0.1:")
    assert "before lgate's auth" in outcome.reason
    assert "no registration for this issuer" in outcome.reason
    assert "is lgate registered in the tool with issuer http://lgate.test?" in outcome.reason


def test_an_error_after_the_login_step_says_so(external):
    build, behaviour = external
    behaviour["launch"] = ("<p>Forbidden: deployment unknown</p>", 403)
    outcome = launch_one(build(), PUPIL, "vendor_tool")
    assert (outcome.status, outcome.step, outcome.ok) == (403, "launch", False)
    assert "after its login step" in outcome.reason
    assert outcome.excerpt == "Forbidden: deployment unknown"


def test_a_stopped_tool_shows_the_cause_first_then_a_short_url(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    vendors = Vendors.in_process(tmp_path / "w", config={"lgate": {"TOOLS": {"vendor_tool": {
        "client_id": "vendor-tool", "login_url": dead + "/init/",
        "redirect_uris": [dead + "/launch/"], "jwks": {"keys": []}}}}})
    try:
        vendors.call("lgate", "POST", "/_admin/seed", json={"users": [{
            "userMasterIdentifier": PUPIL, "username": "ext1@example.jp",
            "givenName": "花子", "familyName": "山田", "role": "student"}]}, ok=(200, 201))
        outcome = launch_one(vendors, PUPIL, "vendor_tool")
    finally:
        vendors.close()
    assert not outcome.ok and outcome.status == 0 and outcome.step == "login"
    assert outcome.reason == (f"ConnectionError: GET {dead}/init/?… "
                              "(at the tool's login step, before lgate's auth)")


def test_short_url_drops_the_query_and_keeps_a_limit():
    long = "http://127.0.0.1:9001/init/" + "x" * 80 + "?iss=a&login_hint=b"
    assert short_url("http://127.0.0.1:9001/init/?iss=a") == "http://127.0.0.1:9001/init/?…"
    assert len(short_url(long)) == 60 and short_url(long).endswith("…")


@pytest.mark.parametrize(("urls", "step"), [
    (["http://lgate.test/launch"], "lgate"),
    (["http://lgate.test/launch", "http://tool/init"], "login"),
    (["http://lgate.test/launch", "http://tool/init", "http://lgate.test/lti/auth"], "auth"),
    (["http://lgate.test/launch", "http://tool/init", "http://lgate.test/lti/auth",
      "http://tool/launch"], "launch"),
])
def test_flow_step(urls, step):
    assert flow_step(urls, "http://lgate.test") == step
