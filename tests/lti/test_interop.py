"""renkei's platform and tool launch each other: in-process and over loopback HTTP."""

from __future__ import annotations

import time

import pytest

from harness.lti.browser import Browser, RequestsTransport
from harness.lti.cases import all_cases, bad_cases, good_cases
from harness.lti.http import LtiHttpClient
from harness.lti.jwks import KeySetCache, http_fetcher
from harness.lti.platform_app import register_tool
from harness.lti.runner import Acceptance, run_case
from harness.lti.tool import PlatformRegistration
from harness.lti.tool_app import ACCEPTED
from tests.lti.conftest import CLIENT_ID, make_pair

ACCEPT = Acceptance(marker=ACCEPTED)
CASES = {k.id: k for k in all_cases()}


@pytest.mark.parametrize("case_id", [k.id for k in good_cases()])
def test_tool_accepts_every_good_launch(pair, case_id):
    result = run_case(CASES[case_id], pair.platform, CLIENT_ID, pair.transport, ACCEPT)
    assert result.accepted, result.detail


@pytest.mark.parametrize("case_id", [k.id for k in bad_cases()])
def test_tool_rejects_every_bad_launch_for_the_right_reason(pair, case_id):
    case = CASES[case_id]
    result = run_case(case, pair.platform, CLIENT_ID, pair.transport, ACCEPT)
    assert result.accepted is False, result.detail
    assert any(rule in result.detail for rule in case.rules), result.detail


def test_guide_bad_cases_are_all_present():
    guide = {k.id for k in bad_cases() if k.guide}
    assert {"bad_no_kid", "bad_wrong_kid", "bad_wrong_lti_version", "bad_no_lti_version",
            "bad_not_a_jwt", "bad_missing_lti_claims", "bad_timestamps",
            "bad_no_message_type", "bad_no_roles", "bad_no_deployment_id",
            "bad_no_resource_link_id", "bad_no_sub"} == guide


def test_key_rotation_causes_no_failed_launch(pair):
    old_kid = pair.platform.keys.current.kid
    first = run_case(CASES["good_student_plain"], pair.platform, CLIENT_ID, pair.transport,
                     ACCEPT)
    fetches = pair.tool.key_sets[pair.platform.issuer].fetches
    pair.papp.test_client().post("/admin/rotate")
    assert pair.platform.keys.current.kid != old_kid
    assert old_kid in [k["kid"] for k in pair.platform.keys.jwks()["keys"]]  # overlap
    second = run_case(CASES["good_student_plain"], pair.platform, CLIENT_ID, pair.transport,
                      ACCEPT)
    assert first.accepted and second.accepted, second.detail
    assert pair.tool.key_sets[pair.platform.issuer].fetches == fetches + 1  # unknown kid re-fetch


def test_replayed_nonce_is_rejected(pair):
    result = run_case(CASES["bad_replayed_nonce"], pair.platform, CLIENT_ID, pair.transport,
                      ACCEPT)
    assert result.accepted is False and "LT114" in result.detail


def _launch_with_skew(pair, skew: int) -> tuple[bool, str]:
    case = CASES["good_student_plain"]

    def build(reg):
        spec = case.build(reg)

        def patch(cl):
            cl["iat"] += skew
            cl["exp"] = cl["iat"] + 300
        spec.patch = patch
        return spec

    shifted = type(case)(case.id, case.title, True, build)
    r = run_case(shifted, pair.platform, CLIENT_ID, pair.transport, ACCEPT)
    return bool(r.accepted), r.detail


def test_leeway_is_honoured():
    strict = make_pair(tool_config={"LEEWAY": 5})
    ok, detail = _launch_with_skew(strict, 30)  # platform clock 30 s ahead
    assert not ok and "LT111" in detail
    relaxed = make_pair(tool_config={"LEEWAY": 120})
    ok, detail = _launch_with_skew(relaxed, 30)
    assert ok, detail


def test_login_by_get_and_by_post(pair):
    for method in ("GET", "POST"):
        case = CASES["good_student_plain"]
        k = type(case)(case.id, case.title, True, case.build, method=method)
        assert run_case(k, pair.platform, CLIENT_ID, pair.transport, ACCEPT).accepted


def test_message_hint_is_single_use(pair):
    url, params = pair.platform.initiate_login(CLIENT_ID, CASES["good_student_plain"].build(
        pair.platform.tools[CLIENT_ID]))
    browser = Browser(pair.transport())
    page = browser.go("POST", url, params)
    assert ACCEPTED in page.text
    auth_urls = [p.url for p in browser.history if "/auth" in p.url]
    again = Browser(pair.transport()).go("GET", auth_urls[0])
    assert "invalid_request" in again.text or again.status == 401


def test_unregistered_redirect_uri_gets_an_error_page_not_a_redirect(pair):
    client = pair.papp.test_client()
    r = client.get("/auth", query_string={
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
        "prompt": "none", "client_id": CLIENT_ID, "redirect_uri": "https://evil.example/x",
        "login_hint": "u", "nonce": "n", "state": "s"})
    assert r.status_code == 400 and "Location" not in r.headers
    assert "<form" not in r.get_data(as_text=True)


def test_loopback_http_launches(serve):
    from harness.lti.platform_app import create_platform_app, state
    from harness.lti.tool_app import create_tool_app

    papp = create_platform_app()
    psrv = serve(papp)
    st = state(papp)
    tapp_holder = {}

    def tool_app(base):
        return create_tool_app({"BASE_URL": base, "PLATFORMS": [PlatformRegistration(
            st.platform.issuer, CLIENT_ID, psrv.url + "/auth", psrv.url + "/token",
            psrv.url + "/.well-known/jwks.json", ["1"])]})

    # the tool needs its own URL before it exists: bind first, then mount the app
    import threading

    from werkzeug.serving import make_server

    httpd = make_server("127.0.0.1", 0, lambda e, s: tapp_holder["app"](e, s), threaded=True)
    turl = f"http://127.0.0.1:{httpd.server_port}"
    tapp_holder["app"] = tool_app(turl)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        tool = tapp_holder["app"].extensions["renkei_lti_tool"]
        register_tool(papp, {"client_id": CLIENT_ID, "login_url": turl + "/login",
                             "redirect_uris": [turl + "/launch"],
                             "target_link_uri": turl + "/launch", "jwks_url": turl + "/jwks"})
        for case_id in ("good_student_plain", "good_instructor_no_pii", "bad_no_kid",
                        "bad_expired", "bad_state_mismatch", "good_key_rotation"):
            r = run_case(CASES[case_id], st.platform, CLIENT_ID, RequestsTransport, ACCEPT)
            assert r.ok, (case_id, r.detail)
        # the tool fetched the platform JWKS over HTTP and honoured its max-age
        cache = tool.key_sets[st.platform.issuer]
        assert cache.fetches >= 1
        assert KeySetCache(psrv.url + "/.well-known/jwks.json",
                           http_fetcher(LtiHttpClient())).get(st.platform.keys.current.kid)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
        time.sleep(0)
