"""``renkei certify lti-platform`` answers a Deep Linking request with its responses: the bad
ones (each one defect), a good one and the good one replayed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from harness.lti import constants as c
from harness.lti.browser import Browser, RequestsTransport
from harness.lti.cases import CONTEXT, person
from harness.lti.deep_linking import DL_CASES
from harness.lti.platform import LaunchSpec
from harness.lti.platform_app import create_platform_app, register_tool, set_base_url, state
from tests.loopback import free_port
from tests.lti.certifykit import register_renkei_tool, start_certify, write_platform_toml


def _certify_with_a_deep_linking_launch(tmp_path, serve, papp, fmt="json"):
    srv = serve(papp)
    set_base_url(papp, srv.url)
    st = state(papp)
    port = free_port()
    register_renkei_tool(papp, port, deep_linking=True)
    toml = write_platform_toml(tmp_path / "platform.toml", st.platform.issuer, srv.url,
                               marker="received")
    report = tmp_path / f"platform.{fmt}"
    worker, result = start_certify([
        "certify", "lti-platform", "--config", str(toml), "--timeout", "20", "--messages", "1",
        "--no-services", "--state-dir", str(tmp_path / "s"), "--port", str(port),
        "--format", fmt, "--output", str(report)], port)
    url, params = st.platform.initiate_login("renkei", LaunchSpec(
        person("instructor"), context=dict(CONTEXT), message_type=c.DEEP_LINKING_REQUEST))
    page = Browser(RequestsTransport()).go("POST", url, params)
    assert page.status == 200, page.text
    worker.join(30)
    return result["code"], report.read_text(encoding="utf-8"), st


def test_renkeis_platform_takes_the_good_response_only(tmp_path, serve):
    code, text, st = _certify_with_a_deep_linking_launch(tmp_path, serve, create_platform_app())
    doc = json.loads(text)
    dl = {k["case"]: k for k in doc["extra"]["cases"] if k["group"] == "deep_linking"}
    assert tuple(dl) == DL_CASES
    assert {k: v["observed"] for k, v in dl.items()} == {
        k: "accept" if k == "dl_good" else "reject" for k in DL_CASES}
    assert code == 0, doc["findings"]
    assert len(st.dl_responses) == 1  # the platform stored exactly one answer
    rules = {f["rule"] for f in st_findings(st)}
    assert {"LT103", "LT105", "LT112", "LT113", "LT116", "LT203", "LT204", "LT205", "LT232",
            "LT234"} <= rules


def st_findings(st):
    return [f.as_dict() for f in st.findings]


def test_a_platform_that_takes_any_response_fails(tmp_path, serve):
    papp = create_platform_app()

    def lax_return():  # stores nothing, checks nothing
        return "received", 200

    papp.view_functions["lti.deep_link_return"] = lax_return
    code, text, _ = _certify_with_a_deep_linking_launch(tmp_path, serve, papp, fmt="junit")
    suite = ET.fromstring(text)
    assert code == 1
    failed = {tc.get("name").split()[0] for tc in suite.iter("testcase")
              if tc.find("failure") is not None}
    assert failed == set(DL_CASES) - {"dl_good"}
    names = [tc.get("name").split()[0] for tc in suite.iter("testcase")]
    assert "message-1" in names and "dl_good" in names


@pytest.mark.parametrize("replays", [False, True])
def test_platform_refuses_a_replayed_deep_linking_response(replays):
    from harness.lti.deep_linking import deep_linking_cases
    from harness.lti.keys import KeyStore
    from harness.lti.tool import Tool

    papp = create_platform_app({"BASE_URL": "http://p.test"})
    tool = Tool([], redirect_uri="http://t.test/launch", keys=KeyStore(None))
    register_tool(papp, {"client_id": "t", "login_url": "http://t.test/login",
                         "redirect_uris": ["http://t.test/launch"],
                         "target_link_uri": "http://t.test/launch", "jwks": tool.keys.jwks()})
    request = {"iss": state(papp).platform.issuer, "aud": "t", c.DEPLOYMENT_ID: "1",
               c.DL_SETTINGS: {"deep_link_return_url": "http://p.test/deep_link_return",
                               "data": "d"}}
    good = next(k for k in deep_linking_cases(tool, request, launch_url="http://t.test/launch")
                if k.id == "dl_good")
    client = papp.test_client()
    assert client.post("/deep_link_return", data={"JWT": good.jwt}).status_code == 200
    if replays:
        again = client.post("/deep_link_return", data={"JWT": good.jwt})
        assert again.status_code == 400 and "LT234" in {f.rule for f in state(papp).findings}
