"""m365: the Microsoft Graph v1.0 users subset, its tokens, errors, batching and throttling."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mocks.m365 import store
from tests.mocks.conftest import MakeMock

TOKEN_URL = "/contoso.onmicrosoft.com/oauth2/v2.0/token"
SCOPE = "https://graph.microsoft.com/.default"
CREDS = {"grant_type": "client_credentials", "client_id": "renkei-pipeline",
         "client_secret": "renkei-dev-secret", "scope": SCOPE}
DOMAIN = "tsukuba.example.ed.jp"


def user(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"accountEnabled": True, "displayName": f"生徒 {n}", "mailNickname": f"s{n:06d}",
            "userPrincipalName": f"s{n:06d}@{DOMAIN}",
            "passwordProfile": {"password": f"Init-Pass{n:04d}",
                                "forceChangePasswordNextSignIn": True}, **extra}


def token(client: FlaskClient) -> dict[str, str]:
    resp = client.post(TOKEN_URL, data=CREDS)
    assert resp.status_code == 200, resp.json
    return {"Authorization": f"Bearer {resp.json['access_token']}"}


@pytest.fixture
def app(make_mock: MakeMock) -> Flask:
    return make_mock("m365")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def auth(client: FlaskClient) -> dict[str, str]:
    return token(client)


def assert_graph_error(resp: Any, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.get_data(as_text=True)
    error = resp.json["error"]
    assert error["code"] == code
    assert set(error["innerError"]) >= {"date", "request-id", "client-request-id"}
    return error


# --- tokens -----------------------------------------------------------------------------------

def test_client_credentials_token_has_entra_shape(client: FlaskClient) -> None:
    body = client.post(TOKEN_URL, data=CREDS).json
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3599
    assert len(body["access_token"]) > 40


def test_token_by_http_basic_client_auth(client: FlaskClient) -> None:
    resp = client.post(TOKEN_URL, data={"grant_type": "client_credentials", "scope": SCOPE},
                       auth=("renkei-pipeline", "renkei-dev-secret"))
    assert resp.status_code == 200


@pytest.mark.parametrize(("change", "status", "error", "aadsts"), [
    ({"grant_type": None}, 400, "invalid_request", 900144),
    ({"grant_type": "password"}, 400, "unsupported_grant_type", 70003),
    ({"client_id": None}, 400, "invalid_request", 900144),
    ({"scope": None}, 400, "invalid_request", 900144),
    ({"scope": "User.ReadWrite.All"}, 400, "invalid_scope", 1002012),
    ({"client_id": "someone-else"}, 400, "unauthorized_client", 700016),
    ({"client_secret": None}, 401, "invalid_client", 7000216),
    ({"client_secret": "wrong"}, 401, "invalid_client", 7000215),
])
def test_token_errors_are_entra_oauth_errors(client: FlaskClient, change: dict[str, Any],
                                             status: int, error: str, aadsts: int) -> None:
    data = {k: v for k, v in {**CREDS, **change}.items() if v is not None}
    resp = client.post(TOKEN_URL, data=data)
    assert resp.status_code == status
    assert resp.json["error"] == error and resp.json["error_codes"] == [aadsts]
    assert resp.json["error_description"].startswith(f"AADSTS{aadsts}:")
    assert "renkei-dev-secret" not in resp.get_data(as_text=True)


def test_token_for_a_wrong_tenant_when_the_tenant_is_set(make_mock: MakeMock) -> None:
    client = make_mock("m365", TENANT="tsukuba.onmicrosoft.com").test_client()
    assert client.post(TOKEN_URL, data=CREDS).json["error_codes"] == [90002]
    assert client.post("/tsukuba.onmicrosoft.com/oauth2/v2.0/token",
                       data=CREDS).status_code == 200


def test_token_endpoint_refuses_get(client: FlaskClient) -> None:
    resp = client.get(TOKEN_URL)
    assert resp.status_code == 405 and resp.json["error"] == "invalid_request"


@pytest.mark.parametrize(("header", "message"), [
    (None, "Access token is empty."),
    ("Basic abc", "Access token is empty."),
    ("Bearer not-a-token", "IDX14100: JWT is not well formed, there are no dots (.). The "
                               "token needs to be in JWS or JWE Compact Serialization Format."),
])
def test_calls_without_a_valid_token_are_401(client: FlaskClient, header: str | None,
                                              message: str) -> None:
    headers = {"Authorization": header} if header else {}
    for resp in (client.get("/v1.0/users", headers=headers),
                 client.post("/v1.0/users", json=user(), headers=headers),
                 client.post("/v1.0/$batch", json={"requests": []}, headers=headers)):
        error = assert_graph_error(resp, 401, "InvalidAuthenticationToken")
        assert error["message"] == message


def test_expired_token_is_401(make_mock: MakeMock) -> None:
    now = [1000.0]
    client = make_mock("m365", CLOCK=lambda: now[0]).test_client()
    headers = token(client)
    assert client.get("/v1.0/users", headers=headers).status_code == 200
    now[0] += 3600
    error = assert_graph_error(client.get("/v1.0/users", headers=headers), 401,
                               "InvalidAuthenticationToken")
    assert "expired" in error["message"]


# --- users ------------------------------------------------------------------------------------

def test_create_user_returns_201_with_the_user_and_never_the_password(
        client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/v1.0/users", json=user(1, department="つくば市立第一小学校"),
                       headers=auth)
    assert resp.status_code == 201
    body = resp.json
    assert body["userPrincipalName"] == f"s000001@{DOMAIN}" and body["accountEnabled"] is True
    assert body["@odata.context"].endswith("/v1.0/$metadata#users/$entity")
    assert body["id"] in resp.headers["Location"]
    assert "Init-Pass" not in resp.get_data(as_text=True)
    assert "passwordProfile" not in body
    state = client.get("/_admin/state").get_data(as_text=True)
    assert "Init-Pass" not in state and '"password_set":true' in state.replace(" ", "")


def test_object_ids_are_guids_in_creation_order(client: FlaskClient,
                                               auth: dict[str, str]) -> None:
    # version 7 (time, then a sequence): each new id sorts after the last, so the id index
    # and the licences' key take inserts at their end; still unique, canonical GUID strings
    ids = [client.post("/v1.0/users", json=user(n), headers=auth).json["id"]
           for n in range(1, 41)]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(str(uuid.UUID(i)) == i and uuid.UUID(i).version == 7
               and uuid.UUID(i).variant == uuid.RFC_4122 for i in ids)
    stamp = int(ids[-1].replace("-", "")[:12], 16) / 1000  # unix ms in the first 48 bits
    assert abs(stamp - time.time()) < 3600
    assert client.get(f"/v1.0/users/{ids[7]}", headers=auth).json["userPrincipalName"] == (
        f"s000008@{DOMAIN}")


def test_object_ids_stay_ordered_and_unique_within_one_millisecond(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store.time, "time_ns", lambda: 1_700_000_000_000_000_000)
    make = store._ObjectIds().new
    ids = [make() for _ in range(5000)]  # more than the 4,096 of one millisecond's sequence
    assert ids == sorted(ids) and len(set(ids)) == 5000
    assert ids[4095][:13] == ids[0][:13] and ids[4096][:13] > ids[4095][:13]


def test_duplicate_upn_is_graphs_400_object_conflict_case_insensitively(
        client: FlaskClient, auth: dict[str, str]) -> None:
    client.post("/v1.0/users", json=user(1), headers=auth)
    again = user(1, userPrincipalName=f"S000001@{DOMAIN.upper()}")
    error = assert_graph_error(client.post("/v1.0/users", json=again, headers=auth), 400,
                               "Request_BadRequest")
    assert error["message"] == ("Another object with the same value for property "
                                "userPrincipalName already exists.")
    assert error["details"] == [{"target": "userPrincipalName", "code": "ObjectConflict"}]
    assert len(client.get("/_admin/state").json["users"]) == 1


@pytest.mark.parametrize(("body", "message"), [
    ({"displayName": None}, "A value is required for property 'displayName'"),
    ({"passwordProfile": None}, "A value is required for property 'passwordProfile'"),
    ({"passwordProfile": {"forceChangePasswordNextSignIn": True}},
     "'passwordProfile.password'"),
    ({"passwordProfile": {"password": "short"}}, "password complexity"),
    ({"passwordProfile": {"password": "alllowercaseletters"}}, "password complexity"),
    ({"userPrincipalName": "no-at-sign"}, "property 'userPrincipalName'"),
    ({"userPrincipalName": ".dot@x.jp"}, "property 'userPrincipalName'"),
    ({"mailNickname": "has space"}, "property 'mailNickname'"),
    ({"accountEnabled": "yes"}, "property 'accountEnabled'"),
    ({"usageLocation": "japan"}, "property 'usageLocation'"),
    ({"favouriteColour": "blue"}, "Property 'favouriteColour' does not exist"),
])
def test_invalid_user_bodies_are_400_request_badrequest(
        client: FlaskClient, auth: dict[str, str], body: dict[str, Any], message: str) -> None:
    data = {k: v for k, v in {**user(), **body}.items() if v is not None}
    error = assert_graph_error(client.post("/v1.0/users", json=data, headers=auth), 400,
                               "Request_BadRequest")
    assert message in error["message"]
    assert client.get("/_admin/state").json["users"] == []


def test_body_that_is_not_json_is_a_400(client: FlaskClient, auth: dict[str, str]) -> None:
    for data in (b"{oops", b"[1, 2]", b""):
        resp = client.post("/v1.0/users", data=data, headers=auth,
                           content_type="application/json")
        assert_graph_error(resp, 400, "BadRequest")


def test_unverified_domain_is_refused_when_domains_are_set(make_mock: MakeMock) -> None:
    client = make_mock("m365", DOMAINS=[DOMAIN]).test_client()
    headers = token(client)
    bad = user(1, userPrincipalName="s1@elsewhere.example")
    error = assert_graph_error(client.post("/v1.0/users", json=bad, headers=headers), 400,
                               "Request_BadRequest")
    assert "verified domain" in error["message"]
    assert client.post("/v1.0/users", json=user(1), headers=headers).status_code == 201


def test_get_by_id_or_upn_with_default_properties_and_select(
        client: FlaskClient, auth: dict[str, str]) -> None:
    created = client.post("/v1.0/users", json=user(1, department="A"), headers=auth).json
    by_id = client.get(f"/v1.0/users/{created['id']}", headers=auth).json
    by_upn = client.get(f"/v1.0/users/S000001@{DOMAIN}", headers=auth).json
    assert by_id == by_upn
    # Graph v1.0 leaves accountEnabled and department out unless $select names them
    assert "accountEnabled" not in by_id and "department" not in by_id
    assert by_id["userPrincipalName"] == f"s000001@{DOMAIN}"
    selected = client.get(f"/v1.0/users/{created['id']}?$select=id,accountEnabled,department",
                          headers=auth).json
    assert selected["@odata.context"].endswith(
        "$metadata#users(id,accountEnabled,department)/$entity")
    assert {k: v for k, v in selected.items() if not k.startswith("@")} == {
        "id": created["id"], "accountEnabled": True, "department": "A"}


def test_unknown_user_is_404_request_resource_not_found(
        client: FlaskClient, auth: dict[str, str]) -> None:
    for resp in (client.get("/v1.0/users/nobody@x.jp", headers=auth),
                 client.patch("/v1.0/users/nobody@x.jp", json={"department": "B"},
                              headers=auth),
                 client.delete("/v1.0/users/nobody@x.jp", headers=auth)):
        error = assert_graph_error(resp, 404, "Request_ResourceNotFound")
        assert error["message"].startswith("Resource 'nobody@x.jp' does not exist")


def test_patch_updates_fields_and_password_and_returns_204(
        client: FlaskClient, auth: dict[str, str]) -> None:
    created = client.post("/v1.0/users", json=user(1), headers=auth).json
    resp = client.patch(f"/v1.0/users/{created['id']}", headers=auth, json={
        "accountEnabled": False, "department": "第二中学校", "displayName": "新しい 名前",
        "passwordProfile": {"password": "Changed-Pass9", "forceChangePasswordNextSignIn": False}})
    assert resp.status_code == 204 and resp.data == b""
    got = client.get(f"/v1.0/users/{created['id']}?$select=accountEnabled,department,"
                     "displayName", headers=auth).json
    assert (got["accountEnabled"], got["department"], got["displayName"]) == (
        False, "第二中学校", "新しい 名前")
    check = client.post("/_admin/check-password", json={
        "userPrincipalName": created["userPrincipalName"], "password": "Changed-Pass9"})
    assert check.json == {"match": True}
    old = client.post("/_admin/check-password", json={
        "userPrincipalName": created["userPrincipalName"], "password": "Init-Pass0001"})
    assert old.json == {"match": False}


@pytest.mark.parametrize(("body", "code", "message"), [
    ({"accountEnabled": "no"}, "Request_BadRequest", "property 'accountEnabled'"),
    ({"displayName": None}, "Request_BadRequest", "property 'displayName'"),
    ({"passwordProfile": {"password": "weak"}}, "Request_BadRequest", "complexity"),
    ({"passwordProfile": "Secret-123"}, "Request_BadRequest", "property 'passwordProfile'"),
    ({"id": "another-id"}, "Request_BadRequest", "Property 'id' does not exist"),
    ([1, 2], "BadRequest", "Unable to read JSON"),
])
def test_invalid_patches_are_400_and_change_nothing(
        client: FlaskClient, auth: dict[str, str], body: Any, code: str, message: str) -> None:
    created = client.post("/v1.0/users", json=user(1), headers=auth).json
    before = client.get("/_admin/state").json
    resp = client.patch(f"/v1.0/users/{created['id']}", json=body, headers=auth)
    assert message in assert_graph_error(resp, 400, code)["message"]
    assert client.get("/_admin/state").json == before


def test_get_with_an_unknown_select_is_400(client: FlaskClient, auth: dict[str, str]) -> None:
    created = client.post("/v1.0/users", json=user(1), headers=auth).json
    assert_graph_error(client.get(f"/v1.0/users/{created['id']}?$select=shoeSize",
                                  headers=auth), 400, "BadRequest")


def test_patch_to_a_taken_upn_is_the_conflict_error(
        client: FlaskClient, auth: dict[str, str]) -> None:
    client.post("/v1.0/users", json=user(1), headers=auth)
    second = client.post("/v1.0/users", json=user(2), headers=auth).json
    resp = client.patch(f"/v1.0/users/{second['id']}", headers=auth,
                        json={"userPrincipalName": f"s000001@{DOMAIN}"})
    assert assert_graph_error(resp, 400, "Request_BadRequest")["details"][0]["code"] == (
        "ObjectConflict")


def test_delete_removes_the_user(client: FlaskClient, auth: dict[str, str]) -> None:
    created = client.post("/v1.0/users", json=user(1), headers=auth).json
    assert client.delete(f"/v1.0/users/{created['id']}", headers=auth).status_code == 204
    assert client.get(f"/v1.0/users/{created['id']}", headers=auth).status_code == 404


# --- listing ----------------------------------------------------------------------------------

def test_list_pages_with_top_and_next_link(client: FlaskClient, auth: dict[str, str]) -> None:
    for n in range(1, 8):
        client.post("/v1.0/users", json=user(n), headers=auth)
    url, seen, pages = "/v1.0/users?$top=3&$select=userPrincipalName", [], 0
    while url:
        body = client.get(url, headers=auth).json
        seen += [u["userPrincipalName"] for u in body["value"]]
        pages += 1
        url = body.get("@odata.nextLink", "").replace("http://m365.test", "")
    assert pages == 3 and seen == [f"s{n:06d}@{DOMAIN}" for n in range(1, 8)]


@pytest.mark.parametrize(("flt", "expected"), [
    (f"userPrincipalName eq 's000002@{DOMAIN}'", [2]),
    (f"userPrincipalName eq 'S000002@{DOMAIN.upper()}'", [2]),
    ("startswith(userPrincipalName,'s00000')", [1, 2, 3]),
    ("startswith(displayName, '生徒 3')", [3]),
    ("accountEnabled eq false", [2]),
    ("department eq 'A' and accountEnabled eq true", [1]),
    ("mailNickname eq 'it''s'", []),
])
def test_filter(client: FlaskClient, auth: dict[str, str], flt: str,
                expected: list[int]) -> None:
    client.post("/v1.0/users", json=user(1, department="A"), headers=auth)
    client.post("/v1.0/users", json=user(2, accountEnabled=False, department="A"), headers=auth)
    client.post("/v1.0/users", json=user(3), headers=auth)
    body = client.get("/v1.0/users", query_string={"$filter": flt}, headers=auth).json
    assert [u["userPrincipalName"] for u in body["value"]] == [
        f"s{n:06d}@{DOMAIN}" for n in expected]


def test_count_needs_consistency_level_eventual(client: FlaskClient,
                                               auth: dict[str, str]) -> None:
    for n in range(1, 4):
        client.post("/v1.0/users", json=user(n), headers=auth)
    query = {"$count": "true", "$filter": "startswith(userPrincipalName,'s00000')", "$top": "1"}
    assert_graph_error(client.get("/v1.0/users", query_string=query, headers=auth), 400,
                       "Request_BadRequest")
    body = client.get("/v1.0/users", query_string=query,
                      headers={**auth, "ConsistencyLevel": "eventual"}).json
    assert body["@odata.count"] == 3 and len(body["value"]) == 1


@pytest.mark.parametrize(("query", "code"), [
    ({"$filter": "jobTitle gt 'x'"}, "BadRequest"),
    ({"$filter": "shoeSize eq 'Tsukuba'"}, "Request_UnsupportedQuery"),
    ({"$filter": "accountEnabled eq 'yes'"}, "BadRequest"),
    ({"$select": "id,shoeSize"}, "BadRequest"),
    ({"$top": "0"}, "Request_BadRequest"),
    ({"$top": "1000"}, "Request_BadRequest"),
    ({"$skiptoken": "garbage!"}, "Request_BadRequest"),
    ({"$expand": "manager"}, "BadRequest"),
    ({"$count": "maybe"}, "BadRequest"),
    ({"$orderby": "createdDateTime"}, "Request_UnsupportedQuery"),
])
def test_bad_query_options_are_400(client: FlaskClient, auth: dict[str, str],
                                   query: dict[str, str], code: str) -> None:
    assert_graph_error(client.get("/v1.0/users", query_string=query, headers=auth), 400, code)


# --- $batch -----------------------------------------------------------------------------------

def _post(n: int, rid: str, **extra: Any) -> dict[str, Any]:
    return {"id": rid, "method": "POST", "url": "/users", "body": user(n),
            "headers": {"Content-Type": "application/json"}, **extra}


def test_batch_runs_each_request_with_its_own_status(
        client: FlaskClient, auth: dict[str, str]) -> None:
    client.post("/v1.0/users", json=user(1), headers=auth)
    resp = client.post("/v1.0/$batch", headers=auth, json={"requests": [
        _post(1, "dup"), _post(2, "new"),
        {"id": "read", "method": "GET", "url": f"users/s000002@{DOMAIN}?$select=id"},
        {"id": "gone", "method": "DELETE", "url": "/users/nobody@x.jp"},
    ]})
    assert resp.status_code == 200
    by_id = {r["id"]: r for r in resp.json["responses"]}
    assert by_id["dup"]["status"] == 400
    assert by_id["dup"]["body"]["error"]["details"][0]["code"] == "ObjectConflict"
    assert by_id["new"]["status"] == 201 and by_id["read"]["status"] == 200
    assert by_id["read"]["body"]["id"] == by_id["new"]["body"]["id"]
    assert by_id["gone"]["status"] == 404
    assert "Init-Pass" not in resp.get_data(as_text=True)


def test_batch_depends_on_fails_dependents_with_424(
        client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/v1.0/$batch", headers=auth, json={"requests": [
        {"id": "1", "method": "GET", "url": "/users/nobody@x.jp"},
        _post(5, "2", dependsOn=["1"]), _post(6, "3")]})
    statuses = [r["status"] for r in resp.json["responses"]]
    assert statuses == [404, 424, 201]
    assert len(client.get("/_admin/state").json["users"]) == 1


def test_batch_of_twenty_passes_and_twenty_one_is_refused(
        client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/v1.0/$batch", headers=auth,
                       json={"requests": [_post(n, str(n)) for n in range(20)]})
    assert [r["status"] for r in resp.json["responses"]] == [201] * 20
    too_many = {"requests": [_post(n, str(n)) for n in range(100, 121)]}
    error = assert_graph_error(client.post("/v1.0/$batch", headers=auth, json=too_many), 400,
                               "BadRequest")
    assert "exceeds the limit of 20" in error["message"]
    assert len(client.get("/_admin/state").json["users"]) == 20


BATCH_ITEMS = [  # (method, url, body): each answered inside a batch as by its own route
    ("GET", f"/users/s000001%40{DOMAIN}?$select=id,department,accountEnabled", None),
    ("GET", f"/users/s000002@{DOMAIN}", None),
    ("PATCH", f"/users/s000001@{DOMAIN}", {"department": "竹園東小学校", "jobTitle": "P3 3年1組"}),
    ("GET", f"/users/s000001@{DOMAIN}?$select=department,jobTitle", None),
    ("PATCH", f"/users/s000001@{DOMAIN}", {"favouriteColour": "blue"}),
    ("PATCH", f"/users/s000001@{DOMAIN}", ["not", "an", "object"]),
    ("PATCH", "/users/nobody@x.jp", {"department": "x"}),
    ("POST", "/users", user(3)),
    ("POST", "/users", user(3)),
    ("POST", "/users", {**user(4), "passwordProfile": {"password": "short"}}),
    ("DELETE", f"/users/s000002@{DOMAIN}", None),
    ("GET", f"/users/s000002@{DOMAIN}", None),
    ("GET", "/users?$top=1&$select=userPrincipalName", None),
    ("GET", "/groups", None),
    ("PUT", "/users", {"displayName": "x"}),
    ("GET", "/users/s000003@" + DOMAIN + "?$select=nonsense", None),
    ("POST", f"/users/s000001@{DOMAIN}/assignLicense", {"addLicenses": [], "removeLicenses": 1}),
    ("PATCH", f"/users/s000001@{DOMAIN}", {"usageLocation": "JP"}),
    ("POST", f"/users/s000001@{DOMAIN}/assignLicense", {"addLicenses": [
        {"skuId": "314c4481-f395-4525-be8b-2ec4bb1e9d91", "disabledPlans": []}],
        "removeLicenses": []}),
]


def _comparable(status: int, body: Any) -> tuple[int, Any]:
    """Status and body without what differs between two runs (ids, dates, request ids)."""
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("id", "createdDateTime")}
        if "error" in body:
            body["error"] = {k: v for k, v in body["error"].items() if k != "innerError"}
        if "@odata.nextLink" in body:
            body["@odata.nextLink"] = body["@odata.nextLink"].split("$skiptoken")[0]
    return status, body or None


def test_batch_items_are_answered_as_their_own_routes(make_mock: MakeMock) -> None:
    one_by_one, batched = make_mock("m365").test_client(), make_mock("m365").test_client()
    expected = []
    for client in (one_by_one, batched):
        headers = token(client)
        for n in (1, 2):
            assert client.post("/v1.0/users", json=user(n), headers=headers).status_code == 201
    headers = token(one_by_one)
    for method, url, body in BATCH_ITEMS:
        resp = one_by_one.open("/v1.0" + url, method=method, json=body, headers=headers)
        expected.append(_comparable(resp.status_code, resp.get_json(silent=True)))
    items = [{"id": str(i), "method": m, "url": u, **({"body": b, "headers": {
        "Content-Type": "application/json"}} if b is not None else {})}
        for i, (m, u, b) in enumerate(BATCH_ITEMS[:20])]
    resp = batched.post("/v1.0/$batch", json={"requests": items}, headers=token(batched))
    assert resp.status_code == 200
    got = [_comparable(r["status"], r.get("body")) for r in resp.json["responses"]]
    assert got == expected
    created = resp.json["responses"][7]
    assert created["headers"]["Location"].endswith(
        f"/directoryObjects/{created['body']['id']}/Microsoft.DirectoryServices.User")
    assert "Init-Pass" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("payload", [
    {}, {"requests": []}, {"requests": "all"}, {"requests": [1]},
    {"requests": [{"id": "1", "method": "GET"}]},
    {"requests": [{"id": "1", "method": "FETCH", "url": "/users"}]},
    {"requests": [{"id": "1", "method": "GET", "url": "https://graph.microsoft.com/v1.0/users"}]},
    {"requests": [{"id": "a", "method": "GET", "url": "/users"},
                  {"id": "A", "method": "GET", "url": "/users"}]},
    {"requests": [{"id": "1", "method": "GET", "url": "/users", "dependsOn": ["2"]},
                  {"id": "2", "method": "GET", "url": "/users"}]},
    {"requests": [{"id": "1", "method": "POST", "url": "/users", "body": {}}]},
])
def test_malformed_batches_are_400(client: FlaskClient, auth: dict[str, str],
                                   payload: dict[str, Any]) -> None:
    assert_graph_error(client.post("/v1.0/$batch", json=payload, headers=auth), 400,
                       "BadRequest")


# --- throttling and faults --------------------------------------------------------------------

def test_throttle_answers_429_with_retry_after(make_mock: MakeMock) -> None:
    client = make_mock("m365", THROTTLE={"per_second": 3}).test_client()
    headers = token(client)
    statuses = [client.get("/v1.0/users", headers=headers) for _ in range(6)]
    throttled = [r for r in statuses if r.status_code == 429]
    assert 2 <= len(throttled) <= 3
    error = assert_graph_error(throttled[0], 429, "TooManyRequests")
    assert error["message"]
    assert int(throttled[0].headers["Retry-After"]) >= 1


def test_throttle_applies_inside_batches_per_request(make_mock: MakeMock) -> None:
    client = make_mock("m365", THROTTLE={"per_second": 2}).test_client()
    headers = token(client)
    resp = client.post("/v1.0/$batch", headers=headers,
                       json={"requests": [_post(n, str(n)) for n in range(5)]})
    statuses = [r["status"] for r in resp.json["responses"]]
    assert resp.status_code == 200 and statuses.count(429) >= 2
    assert all("Retry-After" in r["headers"] for r in resp.json["responses"]
               if r["status"] == 429)


def test_throttle_switches_on_and_off_at_run_time(client: FlaskClient,
                                                  auth: dict[str, str]) -> None:
    assert client.post("/_admin/throttle", json={"per_second": 1}).json == {
        "throttle": {"per_second": 1}}
    statuses = {client.get("/v1.0/users", headers=auth).status_code for _ in range(4)}
    assert 429 in statuses
    client.post("/_admin/throttle", json={})
    assert {client.get("/v1.0/users", headers=auth).status_code for _ in range(4)} == {200}
    assert client.post("/_admin/throttle", json={"per_second": "lots"}).status_code == 400


def test_injected_status_fault_carries_graphs_error_shape(
        client: FlaskClient, auth: dict[str, str]) -> None:
    client.post("/_admin/faults", json={"kind": "status", "status": 429, "retry_after": 7,
                                         "count": 1})
    resp = client.get("/v1.0/users", headers=auth)
    assert_graph_error(resp, 429, "TooManyRequests")
    assert resp.headers["Retry-After"] == "7"


def test_unknown_path_is_graphs_bad_request(client: FlaskClient, auth: dict[str, str]) -> None:
    error = assert_graph_error(client.get("/v1.0/groups", headers=auth), 400, "BadRequest")
    assert "segment 'groups'" in error["message"]


# --- admin and persistence --------------------------------------------------------------------

def test_seed_creates_existing_accounts_and_rejects_bad_ones(client: FlaskClient) -> None:
    assert client.post("/_admin/seed", json={"users": [user(1), user(2)]}).json["created"] == 2
    resp = client.post("/_admin/seed", json={"users": [user(1)]})
    assert resp.status_code == 400 and "already exists" in resp.json["error"]["message"]
    assert client.post("/_admin/seed", json={"users": "x"}).status_code == 400


def test_check_password_errors(client: FlaskClient) -> None:
    assert client.post("/_admin/check-password", json={"userPrincipalName": "a@b.jp"}
                       ).status_code == 400
    assert client.post("/_admin/check-password", json={
        "userPrincipalName": "a@b.jp", "password": "x"}).status_code == 404


def test_users_and_tokens_survive_a_restart_with_a_file_database(make_mock: MakeMock,
                                                                   tmp_path: Any) -> None:
    db = str(tmp_path / "m365.sqlite")
    first = make_mock("m365", DATABASE=db).test_client()
    headers = token(first)
    first.post("/v1.0/users", json=user(1), headers=headers)
    second = make_mock("m365", DATABASE=db).test_client()
    listed = second.get("/v1.0/users", headers=headers).json["value"]
    assert [u["userPrincipalName"] for u in listed] == [f"s000001@{DOMAIN}"]
    assert second.post("/_admin/check-password", json={
        "userPrincipalName": f"s000001@{DOMAIN}", "password": "Init-Pass0001"}).json == {
        "match": True}
