"""Deep Linking, NRPS and AGS round trips between renkei's tool and platform."""

from __future__ import annotations

import pytest
import responses

from harness.lti import constants as c
from harness.lti.browser import Browser
from harness.lti.cases import CONTEXT, person
from harness.lti.platform import LaunchSpec
from harness.lti.platform_app import create_platform_app, register_tool, set_base_url, state
from harness.lti.service_client import ServiceClient, ServiceError
from harness.lti.tool import PlatformRegistration, Tool
from tests.lti.conftest import CLIENT_ID


def test_deep_linking_round_trip(pair):
    spec = LaunchSpec(person("instructor"), context=dict(CONTEXT),
                      message_type=c.DEEP_LINKING_REQUEST, deep_link_data="opaque-42")
    url, params = pair.platform.initiate_login(CLIENT_ID, spec)
    page = Browser(pair.transport()).go("POST", url, params)
    assert page.status == 200 and "received" in page.text
    (resp,) = state(pair.papp).dl_responses
    assert resp["data"] == "opaque-42"
    assert resp["content_items"][0]["type"] == "ltiResourceLink"
    assert pair.tool_log()[-1]["message_type"] == c.DEEP_LINKING_REQUEST


@pytest.fixture
def services(serve):
    papp = create_platform_app()
    srv = serve(papp)
    st = state(papp)
    set_base_url(papp, srv.url)
    reg = PlatformRegistration(st.platform.issuer, CLIENT_ID, srv.url + "/auth",
                               srv.url + "/token", srv.url + "/.well-known/jwks.json", ["1"])
    tool = Tool([reg], redirect_uri="http://127.0.0.1:9/launch")
    register_tool(papp, {"client_id": CLIENT_ID, "login_url": "http://127.0.0.1:9/login",
                         "redirect_uris": ["http://127.0.0.1:9/launch"],
                         "target_link_uri": "http://127.0.0.1:9/launch",
                         "jwks": tool.keys.jwks()})
    # a class of 7: the teacher and six pupils, as launches would have left it
    for i in range(6):
        p = person("student")
        p.sub = f"00000000-0000-4000-8000-00000000000{i}"
        claims = st.platform.services(st.platform.tools[CLIENT_ID],
                                      LaunchSpec(p, context=dict(CONTEXT)))
    st.platform.services(st.platform.tools[CLIENT_ID],
                         LaunchSpec(person("instructor"), context=dict(CONTEXT)))
    return st, tool, reg, claims


def test_nrps_members_follow_paging(services):
    st, tool, reg, claims = services
    client = ServiceClient(tool, reg)
    url = claims[c.NRPS_CLAIM]["context_memberships_url"]
    members = client.members(url, limit=3)
    assert len(members) == 7
    assert {m["user_id"] for m in members} >= {f"00000000-0000-4000-8000-00000000000{i}"
                                              for i in range(6)}
    assert all(m["roles"] for m in members)


def test_ags_lineitem_scores_and_results(services):
    st, tool, reg, claims = services
    client = ServiceClient(tool, reg)
    lineitems_url = claims[c.AGS_CLAIM]["lineitems"]
    item = client.create_lineitem(lineitems_url, {"label": "漢字テスト", "scoreMaximum": 10})
    assert [i["id"] for i in client.lineitems(lineitems_url)] == [item["id"]]
    score = {"userId": "u1", "scoreGiven": 8, "scoreMaximum": 10, "activityProgress": "Completed",
             "gradingProgress": "FullyGraded", "timestamp": "2025-04-10T09:00:00+09:00"}
    assert client.post_score(item["id"], score) == 204
    with pytest.raises(ServiceError, match="409"):  # same timestamp: not strictly increasing
        client.post_score(item["id"], score)
    assert client.post_score(item["id"], {**score, "scoreGiven": 9,
                                          "timestamp": "2025-04-10T09:00:01+09:00"}) == 204
    (result,) = client.results(item["id"])
    assert result["userId"] == "u1" and result["resultScore"] == 9
    # every service got its own token with its own scope
    assert len(client._tokens) == 4
    assert all(len(scopes) == 1 for scopes in client._tokens)


def test_a_token_for_one_scope_does_not_open_another_service(services):
    st, tool, reg, claims = services
    client = ServiceClient(tool, reg)
    token = client.token(c.SCOPE_SCORE)
    nrps = claims[c.NRPS_CLAIM]["context_memberships_url"]
    resp = client.http.get(nrps, headers={"Authorization": "Bearer " + token})
    assert resp.status == 403
    assert any(f.rule == "LT307" for f in st.findings)


def test_token_endpoint_rejects_a_replayed_assertion(services):
    st, tool, reg, _ = services
    assertion = tool.client_assertion(reg)
    form = {"grant_type": "client_credentials", "client_assertion_type": c.CLIENT_ASSERTION_TYPE,
            "client_assertion": assertion, "scope": c.SCOPE_NRPS}
    http = ServiceClient(tool, reg).http
    assert http.post(reg.auth_token_url, data=form).status == 200
    again = http.post(reg.auth_token_url, data=form)
    assert again.status == 401 and again.json()["error"] == "invalid_client"


def test_token_endpoint_rejects_an_unknown_scope(services):
    _, tool, reg, _ = services
    with pytest.raises(ServiceError, match="invalid_scope"):
        ServiceClient(tool, reg).token("https://example.com/scope/everything")


@responses.activate
def test_service_client_reports_errors_without_the_token():
    reg = PlatformRegistration("https://p.example", "c", "https://p.example/auth",
                               "https://p.example/token", None, ["1"], key_set={"keys": []})
    tool = Tool([reg], redirect_uri="https://t/launch")
    responses.post("https://p.example/token", json={"access_token": "SECRET-TOKEN",
                                                     "token_type": "bearer"})
    responses.get("https://p.example/nrps", status=500)
    with pytest.raises(ServiceError) as exc:
        ServiceClient(tool, reg).members("https://p.example/nrps")
    assert "500" in str(exc.value) and "SECRET-TOKEN" not in str(exc.value)
