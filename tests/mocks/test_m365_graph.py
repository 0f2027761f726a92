"""m365: the user resource as Graph declares it, licences, the organization and domains,
and the query forms ($filter, $orderby, $search, delta, memberOf)."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

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
