"""Interop with PyLTI1p3, an independent LTI 1.3 implementation (test-only dependency).

1. renkei's platform launches pass PyLTI1p3's message-launch validation.
2. ``renkei certify lti-tool`` against a small PyLTI1p3 tool reports what it observed: the
   outcomes asserted below were observed with PyLTI1p3 2.0.0, not taken from its docs.
"""

from __future__ import annotations

import json

import pytest

from harness.cli.main import main
from harness.lti.browser import WsgiTransport
from harness.lti.cases import all_cases, good_cases
from harness.lti.platform_app import create_platform_app, register_tool, state
from harness.lti.runner import Acceptance, run_case
from tests.loopback import free_port
from tests.lti.certifykit import write_tool_toml
from tests.lti.pylti_tool import create_pylti_tool

P, T = "http://platform.test", "http://pylti.test"
CASES = {k.id: k for k in all_cases()}
ACCEPT = Acceptance(status=200, json_field="accepted")


@pytest.fixture(scope="module")
def pylti_pair():
    papp = create_platform_app({"BASE_URL": P})
    st = state(papp)
    tapp = create_pylti_tool(issuer=st.platform.issuer, client_id="pylti",
                             auth_login_url=P + "/auth", auth_token_url=P + "/token",
                             deployment_ids=["1"], base_url=T, key_set=st.platform.keys.jwks())
    register_tool(papp, {"client_id": "pylti", "login_url": T + "/login",
                         "redirect_uris": [T + "/launch"], "target_link_uri": T + "/launch"})
    return st.platform, lambda: WsgiTransport({P: papp, T: tapp})


@pytest.mark.parametrize("case_id", [k.id for k in good_cases() if k.action != "rotate"])
def test_renkei_launches_pass_pylti1p3_validation(pylti_pair, case_id):
    platform, transport = pylti_pair
    result = run_case(CASES[case_id], platform, "pylti", transport, ACCEPT)
    assert result.accepted, result.detail


#: Observed with PyLTI1p3 2.0.0 (run `renkei certify lti-tool` against tests/lti/pylti_tool.py).
#: It verifies the signature, kid, alg (via the JWKS key's alg), exp, iat, nonce presence,
#: state cookie, deployment, version, sub, roles and resource_link, but not these:
PYLTI_WRONGLY_ACCEPTS = {
    "bad_multi_aud_no_azp",          # aud [client_id, another-tool]: extra audience ignored
    "bad_multi_aud_wrong_azp",       # azp naming another tool is never checked
    "bad_iat_too_old",               # no maximum token age
    "bad_replayed_nonce",            # nonce only checked for presence in the session
    "bad_target_link_uri_mismatch",  # the claim is not compared with the login value
    "bad_lti_deployment_id_differs", # lti_deployment_id of the login is not compared
    "bad_custom_not_string",         # custom values are not type-checked
    "bad_no_exp",                    # exp and iat are not required claims
    "bad_no_iat",
    "bad_exp_not_number",            # a string exp is not refused
    "bad_nonce_reused_fresh_login",  # a nonce is not bound to its own login or consumed
    "bad_form_reposted_with_cookie", # the state cookie is not consumed by a launch
    "bad_oversize_token",            # no size limit below the form limit
    "bad_sub_too_long",              # sub length (OIDC Core §2: at most 255) not checked
}


@pytest.mark.parametrize("check_cookies", [False, True], ids=["plain", "enable_check_cookies"])
def test_certify_reports_what_pylti1p3_wrongly_accepts(tmp_path, serve, check_cookies):
    """Same outcomes whether or not the tool puts PyLTI1p3's cookie-check page in front of
    its login: renkei's browser gets through it as a person's browser does."""
    port = free_port()
    issuer = "https://platform.renkei.example"
    srv = serve(lambda url: create_pylti_tool(
        issuer=issuer, client_id="pylti", auth_login_url=f"http://127.0.0.1:{port}/auth",
        auth_token_url=f"http://127.0.0.1:{port}/token", deployment_ids=["1"], base_url=url,
        key_set_url=f"http://127.0.0.1:{port}/.well-known/jwks.json",
        check_cookies=check_cookies))
    toml = write_tool_toml(tmp_path / "tool.toml", srv.url, client_id="pylti",
                           json_field="accepted")
    out = tmp_path / "pylti.json"
    code = main(["certify", "lti-tool", "--config", str(toml), "--state-dir",
                 str(tmp_path / "state"), "--port", str(port), "--format", "json",
                 "--output", str(out)])
    doc = json.loads(out.read_text(encoding="utf-8"))
    cases = {c["case"]: c for c in doc["extra"]["cases"]}
    wrongly_accepted = {k for k, c in cases.items() if c["expected"] == "reject"
                        and c["observed"] == "accept"}
    wrongly_rejected = {k for k, c in cases.items() if c["expected"] == "accept"
                        and c["observed"] != "accept"}
    print(json.dumps({"wrongly_accepted": sorted(wrongly_accepted),
                      "wrongly_rejected": sorted(wrongly_rejected)}, indent=1))
    assert code == 1
    assert wrongly_accepted == PYLTI_WRONGLY_ACCEPTS
    assert wrongly_rejected == set()
    assert not any(c["observed"] == "not reached" for c in cases.values())
    # every good launch went through the cookie-check page first (and was then accepted)
    passed = {tuple(c.get("interstitials", [])) for c in cases.values()
              if c["expected"] == "accept"}
    assert passed == ({("pylti1p3 cookie check",)} if check_cookies else {()})
    # every wrongly accepted case is an LT701 finding naming the case
    assert {f["file"] for f in doc["findings"] if f["rule"] == "LT701"} == wrongly_accepted
    # and it rightly rejects the guide's bad cases, for these observed reasons
    guide_bad = {k.id for k in all_cases() if not k.accept and k.guide}
    assert all(cases[k]["observed"] == "reject" for k in guide_bad)
    for case_id, (status, reason) in PYLTI_REJECTS_WITH.items():
        assert cases[case_id]["status"] == status, case_id
        assert reason in cases[case_id]["detail"], case_id


#: Observed reasons for some right rejections. Note alg none/HS256/RS384 are refused only
#: because no JWKS key has a matching alg, and an aud without the client_id crashes (HTTP 500).
PYLTI_REJECTS_WITH = {
    "bad_no_kid": (401, "JWT KID not found"),
    "bad_alg_none": (401, "Unable to find public key"),
    "bad_alg_hs256": (401, "Unable to find public key"),
    "bad_foreign_key": (401, "Signature verification failed"),
    "bad_iat_future": (401, "The token is not yet valid (iat)"),
    "bad_state_mismatch": (401, "State not found"),
    "bad_unknown_deployment": (401, "Unable to find deployment"),
    "bad_aud_without_client_id": (500, "not found in settings"),
}
