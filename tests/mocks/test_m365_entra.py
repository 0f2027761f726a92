"""m365's Entra ID side: discovery documents, JWKS, JWT access tokens, Graph's token checks
(signature, lifetime, audience, tenant, roles), WWW-Authenticate and links from the request."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient

from harness.lti.keys import KeyPair
from mocks.m365 import auth as m365_auth
from mocks.m365 import create_app
from mocks.m365.auth import keys
from tests.mocks.conftest import MakeMock
from tests.mocks.test_m365 import CREDS, TOKEN_URL, assert_graph_error, token, user

TENANT = "contoso.onmicrosoft.com"


@pytest.fixture
def client(make_mock: MakeMock) -> FlaskClient:
    return make_mock("m365").test_client()


@pytest.mark.parametrize("path,issuer_tail", [
    (f"/{TENANT}/v2.0/.well-known/openid-configuration", "/v2.0"),
    (f"/{TENANT}/.well-known/openid-configuration", "/"),
])
def test_discovery_documents_name_this_hosts_endpoints(client: FlaskClient, path: str,
                                                       issuer_tail: str) -> None:
    doc = client.get(path, base_url="https://127.0.0.1:9443").json
    assert doc["issuer"].startswith("https://127.0.0.1:9443/")
    assert doc["issuer"].endswith(issuer_tail)
    for key in ("token_endpoint", "authorization_endpoint", "jwks_uri", "end_session_endpoint",
                "device_authorization_endpoint"):
        assert doc[key].startswith(f"https://127.0.0.1:9443/{TENANT}/"), key
    assert "client_secret_post" in doc["token_endpoint_auth_methods_supported"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["msgraph_host"] == "graph.microsoft.com"
    assert doc["tenant_region_scope"] and doc["cloud_instance_name"]


def test_discovery_of_an_unknown_tenant_is_aadsts90002(make_mock: MakeMock) -> None:
    client = make_mock("m365", TENANT="tsukuba.onmicrosoft.com").test_client()
    resp = client.get("/other.onmicrosoft.com/v2.0/.well-known/openid-configuration")
    assert resp.status_code == 400
    assert resp.json["error_codes"] == [90002]
    assert resp.json["error_description"].startswith("AADSTS90002:")


def test_access_token_is_an_rs256_jwt_verifiable_with_the_published_jwks(
        client: FlaskClient) -> None:
    value = client.post(TOKEN_URL, data=CREDS).json["access_token"]
    doc = client.get(f"/{TENANT}/v2.0/.well-known/openid-configuration").json
    jwks = client.get("/" + doc["jwks_uri"].split("/", 3)[3]).json
    header = jwt.get_unverified_header(value)
    key = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    claims = jwt.decode(value, jwt.PyJWK(key).key, algorithms=["RS256"],
                        audience="https://graph.microsoft.com")
    assert header["alg"] == "RS256"
    assert claims["appid"] == "renkei-pipeline"
    assert {"User.ReadWrite.All", "Organization.Read.All"} <= set(claims["roles"])
    assert claims["exp"] - claims["iat"] == 3599 and claims["nbf"] <= claims["iat"]
    assert claims["iss"] == f"http://localhost/{claims['tid']}/"
    assert len(claims["tid"]) == 36


def test_tenant_id_config_is_the_tid_claim(make_mock: MakeMock) -> None:
    tid = "11111111-2222-3333-4444-555555555555"
    client = make_mock("m365", TENANT_ID=tid).test_client()
    value = client.post(f"/{tid}/oauth2/v2.0/token", data=CREDS).json["access_token"]
    assert jwt.decode(value, options={"verify_signature": False})["tid"] == tid


def test_roles_come_from_config_and_a_missing_role_is_403(make_mock: MakeMock) -> None:
    client = make_mock("m365", ROLES={"renkei-pipeline": ["User.Read.All"]}).test_client()
    auth = token(client)
    assert client.get("/v1.0/users", headers=auth).status_code == 200
    error = assert_graph_error(client.post("/v1.0/users", json=user(), headers=auth), 403,
                               "Authorization_RequestDenied")
    assert error["message"] == "Insufficient privileges to complete the operation."
    batch = client.post("/v1.0/$batch", headers=auth, json={"requests": [
        {"id": "1", "method": "POST", "url": "/users", "body": user(),
         "headers": {"Content-Type": "application/json"}}]}).json
    assert batch["responses"][0]["status"] == 403
    assert batch["responses"][0]["body"]["error"]["code"] == "Authorization_RequestDenied"


def _forge(claims: dict[str, Any]) -> str:
    return KeyPair.generate().sign(claims)


def test_graph_refuses_forged_wrong_audience_and_expired_tokens(make_mock: MakeMock) -> None:
    now = [1_000_000.0]
    client = make_mock("m365", CLOCK=lambda: now[0]).test_client()
    good = client.post(TOKEN_URL, data=CREDS).json["access_token"]
    claims = jwt.decode(good, options={"verify_signature": False})
    forged = _forge(claims)
    resp = client.get("/v1.0/users", headers={"Authorization": f"Bearer {forged}"})
    assert_graph_error(resp, 401, "InvalidAuthenticationToken")
    assert resp.headers["WWW-Authenticate"].startswith('Bearer realm=""')
    assert "authorization_uri=" in resp.headers["WWW-Authenticate"]
    assert client.get("/v1.0/users", headers={"Authorization": f"Bearer {good}"}
                      ).status_code == 200
    now[0] += 3600
    error = assert_graph_error(client.get("/v1.0/users",
                                          headers={"Authorization": f"Bearer {good}"}),
                               401, "InvalidAuthenticationToken")
    assert "expired" in error["message"]


def test_a_verified_token_is_cached_by_its_text_until_it_expires(
        make_mock: MakeMock, monkeypatch: pytest.MonkeyPatch) -> None:
    """The signature is checked once per token string; the cached token is refused once it
    expires (and leaves the cache); a forged token with the same claims is not a hit."""
    now = [1_000_000.0]
    app = make_mock("m365", CLOCK=lambda: now[0])
    client = app.test_client()
    good = client.post(TOKEN_URL, data=CREDS).json["access_token"]
    checked: list[str] = []
    real_decode = m365_auth.jwt.decode

    def counting_decode(value: str, *args: Any, **kwargs: Any) -> Any:
        checked.append(value)
        return real_decode(value, *args, **kwargs)

    monkeypatch.setattr(m365_auth.jwt, "decode", counting_decode)
    headers = {"Authorization": f"Bearer {good}"}
    assert [client.get("/v1.0/users", headers=headers).status_code for _ in range(5)] == [200] * 5
    assert checked == [good]  # verified once, then served from the cache
    forged = _forge(jwt.decode(good, options={"verify_signature": False}))
    assert_graph_error(client.get("/v1.0/users", headers={"Authorization": f"Bearer {forged}"}),
                       401, "InvalidAuthenticationToken")
    now[0] += 3600  # past the cached token's exp
    error = assert_graph_error(client.get("/v1.0/users", headers=headers), 401,
                               "InvalidAuthenticationToken")
    assert "expired" in error["message"]
    assert good not in app.extensions["m365_token_cache"].claims


def test_a_token_for_another_audience_is_401(client: FlaskClient) -> None:
    good = client.post(TOKEN_URL, data=CREDS).json["access_token"]
    claims = jwt.decode(good, options={"verify_signature": False})
    # signed by the mock's own (per-process) key, but for another resource
    other = keys(create_app({"DATABASE": ":memory:"})).sign({**claims, "aud": "https://management.azure.com"})
    error = assert_graph_error(client.get("/v1.0/users",
                                          headers={"Authorization": f"Bearer {other}"}),
                               401, "InvalidAuthenticationToken")
    assert "audience" in error["message"]


def test_links_follow_the_host_the_client_called(client: FlaskClient) -> None:
    auth = token(client)
    for n in range(3):
        client.post("/v1.0/users", json=user(n), headers=auth)
    page = client.get("/v1.0/users?$top=2", headers=auth,
                      base_url="https://localhost:9443").json
    assert page["@odata.nextLink"].startswith("https://localhost:9443/v1.0/users?")
    assert page["@odata.context"].startswith("https://localhost:9443/v1.0/$metadata#")
    created = client.post("/v1.0/users", json=user(9), headers=auth,
                          base_url="https://127.0.0.1:8443")
    assert created.headers["Location"].startswith("https://127.0.0.1:8443/v1.0/directoryObjects/")


def test_forwarded_headers_from_loopback_are_honoured_and_others_are_not(
        client: FlaskClient) -> None:
    auth = token(client)
    for n in range(3):
        client.post("/v1.0/users", json=user(n), headers=auth)
    forwarded = {**auth, "X-Forwarded-Proto": "https", "X-Forwarded-Host": "graph.city.jp",
                 "X-Forwarded-Port": "8443"}
    page = client.get("/v1.0/users?$top=2", headers=forwarded,
                      environ_base={"REMOTE_ADDR": "127.0.0.1"}).json
    assert page["@odata.nextLink"].startswith("https://graph.city.jp:8443/v1.0/users?")
    page = client.get("/v1.0/users?$top=2", headers=forwarded,
                      environ_base={"REMOTE_ADDR": "192.0.2.7"}).json
    assert page["@odata.nextLink"].startswith("http://localhost/v1.0/users?")
