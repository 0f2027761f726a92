"""m365: the user resource as Graph declares it, licences, the organization and domains,
and the query forms ($filter, $orderby, $search, delta, memberOf)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from flask.testing import FlaskClient

from mocks.serve import MockServers
from tests.mocks.conftest import MakeMock
from tests.mocks.test_m365 import DOMAIN, assert_graph_error, token, user


@pytest.fixture
def client(make_mock: MakeMock) -> FlaskClient:
    return make_mock("m365").test_client()


@pytest.fixture
def auth(client: FlaskClient) -> dict[str, str]:
    return token(client)


SCHOOL_PROPS: dict[str, Any] = {
    "employeeId": "A123456789012345", "officeLocation": "つくば市立第一小学校",
    "preferredLanguage": "ja-JP", "mail": f"s000001@{DOMAIN}",
    "otherMails": ["parent@example.jp"], "passwordPolicies": "DisablePasswordExpiration",
    "ageGroup": "Minor", "consentProvidedForMinor": "Granted", "streetAddress": "研究学園1-1",
    "city": "つくば市", "state": "茨城県", "postalCode": "305-0817", "country": "日本",
    "usageLocation": "JP",
}


def test_school_properties_are_stored_returned_and_selectable(
        client: FlaskClient, auth: dict[str, str]) -> None:
    created = client.post("/v1.0/users", json=user(1, **SCHOOL_PROPS), headers=auth)
    assert created.status_code == 201, created.json
    for name, value in SCHOOL_PROPS.items():
        assert created.json[name] == value, name
    got = client.get(f"/v1.0/users/{created.json['id']}?$select=employeeId,ageGroup,city",
                     headers=auth).json
    assert {k: got[k] for k in ("employeeId", "ageGroup", "city")} == {
        "employeeId": "A123456789012345", "ageGroup": "Minor", "city": "つくば市"}
    assert "displayName" not in got
    assert client.patch(f"/v1.0/users/{created.json['id']}", headers=auth,
                        json={"officeLocation": None, "ageGroup": "NotAdult"}
                        ).status_code == 204
    got = client.get(f"/v1.0/users/{created.json['id']}?$select=officeLocation,ageGroup,"
                     "employeeId", headers=auth).json
    assert got["officeLocation"] is None and got["ageGroup"] == "NotAdult"
    assert got["employeeId"] == "A123456789012345"


@pytest.mark.parametrize("prop,value", [
    ("employeeId", "A1234567890123456"),      # 17 characters: Graph's limit is 16
    ("ageGroup", "Child"), ("consentProvidedForMinor", "Yes"),
    ("usageLocation", "JPN"), ("usageLocation", "jp"), ("passwordPolicies", "NeverExpire"),
    ("preferredLanguage", "Japanese"), ("otherMails", ["not-an-address"]),
    ("otherMails", "a@b.jp"), ("mail", "nope"),
])
def test_values_graph_refuses_are_400_naming_the_property(
        client: FlaskClient, auth: dict[str, str], prop: str, value: Any) -> None:
    error = assert_graph_error(client.post("/v1.0/users", json=user(1, **{prop: value}),
                                           headers=auth), 400, "Request_BadRequest")
    assert error["details"] == [{"target": prop, "code": "InvalidValue"}]


# --- licences --------------------------------------------------------------------------------

STUDENT = "314c4481-f395-4525-be8b-2ec4bb1e9d91"
FACULTY = "94763226-9b3c-4e75-a931-5c89701abe66"


def _skus(client: FlaskClient, auth: dict[str, str]) -> dict[str, dict[str, Any]]:
    resp = client.get("/v1.0/subscribedSkus", headers=auth)
    assert resp.status_code == 200, resp.json
    return {s["skuPartNumber"]: s for s in resp.json["value"]}


def _assign(client: FlaskClient, auth: dict[str, str], key: str, add: list[str],
            remove: list[str] | None = None) -> Any:
    return client.post(f"/v1.0/users/{key}/assignLicense", headers=auth, json={
        "addLicenses": [{"skuId": s, "disabledPlans": []} for s in add],
        "removeLicenses": remove or []})


def test_subscribed_skus_hold_the_education_skus_from_config(
        make_mock: MakeMock) -> None:
    client = make_mock("m365", SKUS={"STANDARDWOFFPACK_STUDENT": {
        "skuId": STUDENT, "prepaidUnits": 3}}).test_client()
    skus = _skus(client, token(client))
    assert list(skus) == ["STANDARDWOFFPACK_STUDENT"]
    assert skus["STANDARDWOFFPACK_STUDENT"]["prepaidUnits"]["enabled"] == 3
    assert skus["STANDARDWOFFPACK_STUDENT"]["consumedUnits"] == 0


def test_assign_then_license_details_then_remove(client: FlaskClient,
                                                 auth: dict[str, str]) -> None:
    uid = client.post("/v1.0/users", json=user(1, usageLocation="JP"), headers=auth).json["id"]
    resp = _assign(client, auth, uid, [STUDENT])
    assert resp.status_code == 200, resp.json
    assert resp.json["assignedLicenses"] == [{"disabledPlans": [], "skuId": STUDENT}]
    details = client.get(f"/v1.0/users/{uid}/licenseDetails", headers=auth).json["value"]
    assert [(d["skuId"], d["skuPartNumber"]) for d in details] == [
        (STUDENT, "STANDARDWOFFPACK_STUDENT")]
    assert _skus(client, auth)["STANDARDWOFFPACK_STUDENT"]["consumedUnits"] == 1
    assert _assign(client, auth, uid, [STUDENT]).status_code == 200  # twice: still one seat
    assert _skus(client, auth)["STANDARDWOFFPACK_STUDENT"]["consumedUnits"] == 1
    assert _assign(client, auth, uid, [], [STUDENT]).status_code == 200
    assert client.get(f"/v1.0/users/{uid}/licenseDetails", headers=auth).json["value"] == []
    assert _skus(client, auth)["STANDARDWOFFPACK_STUDENT"]["consumedUnits"] == 0


def test_deleting_a_licensed_user_frees_the_seat(client: FlaskClient,
                                                  auth: dict[str, str]) -> None:
    uids = [client.post("/v1.0/users", json=user(i, usageLocation="JP"), headers=auth).json["id"]
            for i in (1, 2)]
    for uid in uids:
        assert _assign(client, auth, uid, [STUDENT]).status_code == 200
    assert _skus(client, auth)["STANDARDWOFFPACK_STUDENT"]["consumedUnits"] == 2
    assert client.delete(f"/v1.0/users/{uids[0]}", headers=auth).status_code == 204
    assert _skus(client, auth)["STANDARDWOFFPACK_STUDENT"]["consumedUnits"] == 1


@pytest.mark.parametrize("case,message", [
    ("no usage location", "cannot be done for user with invalid usage location"),
    ("unknown sku", "does not correspond to a valid company License"),
    ("no seats", "does not have any available licenses"),
    ("not held", "User does not have a corresponding license"),
])
def test_licence_errors_are_graphs_400(make_mock: MakeMock, case: str, message: str) -> None:
    client = make_mock("m365", SKUS={"STANDARDWOFFPACK_STUDENT": {
        "skuId": STUDENT, "prepaidUnits": 1}}).test_client()
    auth = token(client)
    usage = {} if case == "no usage location" else {"usageLocation": "JP"}
    uid = client.post("/v1.0/users", json=user(1, **usage), headers=auth).json["id"]
    other = client.post("/v1.0/users", json=user(2, usageLocation="JP"), headers=auth).json
    if case == "no seats":
        assert _assign(client, auth, other["id"], [STUDENT]).status_code == 200
    if case == "not held":
        resp = _assign(client, auth, uid, [], [STUDENT])
    else:
        resp = _assign(client, auth, uid, [FACULTY if case == "unknown sku" else STUDENT])
    error = assert_graph_error(resp, 400, "Request_BadRequest")
    assert message in error["message"]


def test_seats_are_counted_right_under_concurrency(tmp_path: Any) -> None:
    config = {"m365": {"SKUS": {"STANDARDWOFFPACK_STUDENT": {"skuId": STUDENT,
                                                             "prepaidUnits": 5}}}}
    with MockServers(["m365"], port_base=0, threads=8, state_dir=str(tmp_path),
                     config=config) as servers:
        base = servers.urls["m365"]
        tok = requests.post(f"{base}/t/oauth2/v2.0/token", timeout=10, data={
            "grant_type": "client_credentials", "client_id": "renkei-pipeline",
            "client_secret": "renkei-dev-secret",
            "scope": "https://graph.microsoft.com/.default"}).json()["access_token"]
        auth = {"Authorization": f"Bearer {tok}"}
        ids = [requests.post(f"{base}/v1.0/users", json=user(n, usageLocation="JP"),
                             headers=auth, timeout=10).json()["id"] for n in range(12)]

        def assign(uid: str) -> int:
            return requests.post(f"{base}/v1.0/users/{uid}/assignLicense", headers=auth,
                                 timeout=30, json={"addLicenses": [{"skuId": STUDENT}],
                                                   "removeLicenses": []}).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(assign, ids))
        skus = requests.get(f"{base}/v1.0/subscribedSkus", headers=auth, timeout=10).json()
    assert sorted(statuses) == [200] * 5 + [400] * 7
    assert skus["value"][0]["consumedUnits"] == 5


def test_seed_adds_and_resizes_skus(client: FlaskClient, auth: dict[str, str]) -> None:
    resp = client.post("/_admin/seed", json={"skus": {"STANDARDWOFFPACK_FACULTY": {
        "skuId": FACULTY, "prepaidUnits": 2}}})
    assert resp.status_code == 200, resp.json
    skus = _skus(client, auth)
    assert skus["STANDARDWOFFPACK_FACULTY"]["prepaidUnits"]["enabled"] == 2
    assert "STANDARDWOFFPACK_STUDENT" in skus
    assert client.post("/_admin/seed", json={"skus": {"X": {"prepaidUnits": 1}}}
                       ).status_code == 400


# --- directory -------------------------------------------------------------------------------

def test_organization_and_domains_list_the_verified_domains(make_mock: MakeMock) -> None:
    client = make_mock("m365", DOMAINS=[DOMAIN]).test_client()
    auth = token(client)
    org = client.get("/v1.0/organization", headers=auth).json["value"][0]
    names = [d["name"] for d in org["verifiedDomains"]]
    assert names == [DOMAIN, "renkei.onmicrosoft.com"]
    assert [d["id"] for d in client.get("/v1.0/domains", headers=auth).json["value"]] == names
    ok = client.post("/v1.0/users", headers=auth, json={
        **user(1), "userPrincipalName": "s1@renkei.onmicrosoft.com"})
    assert ok.status_code == 201
    error = assert_graph_error(client.post("/v1.0/users", headers=auth, json={
        **user(2), "userPrincipalName": "s2@elsewhere.jp"}), 400, "Request_BadRequest")
    assert "verified domain" in error["message"]


def test_member_of_answers_for_a_known_user_and_404_otherwise(
        client: FlaskClient, auth: dict[str, str]) -> None:
    uid = client.post("/v1.0/users", json=user(1), headers=auth).json["id"]
    assert client.get(f"/v1.0/users/{uid}/memberOf", headers=auth).json["value"] == []
    assert_graph_error(client.get("/v1.0/users/nobody@x.jp/memberOf", headers=auth), 404,
                       "Request_ResourceNotFound")


# --- queries ---------------------------------------------------------------------------------

def _people(client: FlaskClient, auth: dict[str, str]) -> list[str]:
    ids = []
    for n, (name, dept) in enumerate([("佐藤 花子", "A"), ("鈴木 一郎", "B"), ("高橋 次郎", "A"),
                                      ("佐藤 三郎", "C")], start=1):
        body = user(n, displayName=name, department=dept, employeeId=f"E{n}")
        ids.append(client.post("/v1.0/users", json=body, headers=auth).json["id"])
    return ids


def _names(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.json
    return [u["displayName"] for u in resp.json["value"]]


EVENTUAL = {"ConsistencyLevel": "eventual"}


@pytest.mark.parametrize("flt,eventual,expected", [
    ("department in ('A', 'C')", False, ["佐藤 花子", "高橋 次郎", "佐藤 三郎"]),
    ("startswith(displayName,'佐藤') or department eq 'B'", False,
     ["佐藤 花子", "鈴木 一郎", "佐藤 三郎"]),
    ("department eq 'A' and startswith(displayName,'高橋') or employeeId eq 'E4'", False,
     ["高橋 次郎", "佐藤 三郎"]),
    ("department ne 'A'", True, ["鈴木 一郎", "佐藤 三郎"]),
    (f"endswith(userPrincipalName,'2@{DOMAIN}')", True, ["鈴木 一郎"]),
])
def test_filter_in_or_ne_endswith(client: FlaskClient, auth: dict[str, str], flt: str,
                                  eventual: bool, expected: list[str]) -> None:
    _people(client, auth)
    headers = {**auth, **(EVENTUAL if eventual else {})}
    assert _names(client.get("/v1.0/users", query_string={
        "$filter": flt, "$select": "displayName"}, headers=headers)) == expected


@pytest.mark.parametrize("query", [{"$filter": "department ne 'A'"},
                                   {"$filter": "endswith(mail,'.jp')"},
                                   {"$search": '"displayName:佐藤"'}])
def test_advanced_queries_need_consistency_level_eventual(
        client: FlaskClient, auth: dict[str, str], query: dict[str, str]) -> None:
    error = assert_graph_error(client.get("/v1.0/users", query_string=query, headers=auth),
                               400, "Request_UnsupportedQuery")
    assert "ConsistencyLevel" in error["message"]


def test_orderby_pages_in_order(client: FlaskClient, auth: dict[str, str]) -> None:
    _people(client, auth)
    url: str | None = "/v1.0/users?$orderby=displayName desc&$top=3&$select=displayName"
    seen: list[str] = []
    while url:
        page = client.get(url, headers=auth).json
        seen += [u["displayName"] for u in page["value"]]
        url = page.get("@odata.nextLink")
    assert seen == sorted(["佐藤 花子", "鈴木 一郎", "高橋 次郎", "佐藤 三郎"], reverse=True)


def test_search_and_count_with_consistency_level(client: FlaskClient,
                                                 auth: dict[str, str]) -> None:
    _people(client, auth)
    resp = client.get("/v1.0/users", query_string={
        "$search": '"displayName:佐藤" OR "displayName:鈴木"', "$count": "true"},
        headers={**auth, **EVENTUAL})
    assert sorted(_names(resp)) == sorted(["佐藤 花子", "鈴木 一郎", "佐藤 三郎"])
    assert resp.json["@odata.count"] == 3


def test_delta_gives_changes_since_the_link_with_removals(
        client: FlaskClient, auth: dict[str, str]) -> None:
    ids = _people(client, auth)
    first = client.get("/v1.0/users/delta?$select=displayName", headers=auth).json
    assert len(first["value"]) == 4
    link = first["@odata.deltaLink"]
    assert "/v1.0/users/delta?" in link and "$deltatoken=" in link.replace("%24", "$")
    client.patch(f"/v1.0/users/{ids[1]}", json={"displayName": "鈴木 一朗"}, headers=auth)
    client.delete(f"/v1.0/users/{ids[2]}", headers=auth)
    second = client.get(link.split("localhost", 1)[1], headers=auth).json
    assert second["value"] == [{"displayName": "鈴木 一朗"},
                               {"id": ids[2], "@removed": {"reason": "changed"}}]
    third = client.get(second["@odata.deltaLink"].split("localhost", 1)[1], headers=auth).json
    assert third["value"] == []


def test_a_failed_batch_item_is_undone_alone_and_the_others_stay(make_mock: MakeMock) -> None:
    """The batch is one transaction with a savepoint per item: an assignLicense that removed a
    licence and then found no seat for the new one is rolled back to its savepoint (the
    removal undone), while the items before and after it stay committed."""
    client = make_mock("m365", SKUS={
        "STANDARDWOFFPACK_STUDENT": {"skuId": STUDENT, "prepaidUnits": 1},
        "STANDARDWOFFPACK_FACULTY": {"skuId": FACULTY, "prepaidUnits": 1}}).test_client()
    auth = token(client)
    one, two, three = (client.post("/v1.0/users", json=user(n, usageLocation="JP"),
                                   headers=auth).json["id"] for n in (1, 2, 3))
    assert _assign(client, auth, one, [FACULTY]).status_code == 200
    assert _assign(client, auth, two, [STUDENT]).status_code == 200  # the last student seat
    json_type = {"Content-Type": "application/json"}
    resp = client.post("/v1.0/$batch", headers=auth, json={"requests": [
        {"id": "a", "method": "PATCH", "url": f"/users/{three}", "headers": json_type,
         "body": {"department": "竹園東小学校"}},
        {"id": "b", "method": "POST", "url": f"/users/{one}/assignLicense", "headers": json_type,
         "body": {"addLicenses": [{"skuId": STUDENT, "disabledPlans": []}],
                  "removeLicenses": [FACULTY]}},
        {"id": "c", "method": "PATCH", "url": f"/users/{three}", "headers": json_type,
         "body": {"jobTitle": "P3 3年1組"}},
        {"id": "d", "method": "POST", "url": "/users", "headers": json_type, "body": user(4)},
    ]})
    assert resp.status_code == 200
    answers = {r["id"]: r for r in resp.json["responses"]}
    assert [answers[i]["status"] for i in "abcd"] == [204, 400, 204, 201]
    assert "does not have any available licenses" in answers["b"]["body"]["error"]["message"]
    details = client.get(f"/v1.0/users/{one}/licenseDetails", headers=auth).json["value"]
    assert [d["skuId"] for d in details] == [FACULTY]  # the failed item's removal undone
    skus = _skus(client, auth)
    assert skus["STANDARDWOFFPACK_FACULTY"]["consumedUnits"] == 1
    assert skus["STANDARDWOFFPACK_STUDENT"]["consumedUnits"] == 1
    got = client.get(f"/v1.0/users/{three}?$select=department,jobTitle", headers=auth).json
    assert (got["department"], got["jobTitle"]) == ("竹園東小学校", "P3 3年1組")
    assert client.get(f"/v1.0/users/{answers['d']['body']['id']}", headers=auth
                      ).status_code == 200
