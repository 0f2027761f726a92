"""Tsukuba-scale runs of the c4th and m365 mocks (the ``scale`` tox environment)."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.core import Severity
from harness.oneroster import check_bundle, read_bundle
from tests.mocks.conftest import MakeMock

pytestmark = pytest.mark.scale


def test_tsukuba_city_export_event_and_password_file(make_mock: MakeMock,
                                                     tmp_path: Path) -> None:
    client = make_mock("c4th", DATABASE=str(tmp_path / "c4th.sqlite")).test_client()
    seeded = client.post("/_admin/seed", json={"profile": "tsukuba", "seed": 1,
                                                "as_of": "2025-05-01", "quirks": "none"})
    assert seeded.status_code == 200
    pupils = seeded.json["city"]["students"]
    assert 22_000 < pupils < 24_000
    path = tmp_path / "ro.zip"
    path.write_bytes(client.get("/oneroster/export").data)
    assert len(read_bundle(path).rows("users")) == pupils
    assert not [f for f in check_bundle(path).findings if f.severity is Severity.ERROR]
    assert client.post("/_admin/events", json={"event": "advance_year"}).status_code == 200
    assert client.get("/_admin/password-file").data.count(b"\n") > 22_000
    # a restart reads the stored city back
    again = make_mock("c4th", DATABASE=str(tmp_path / "c4th.sqlite")).test_client()
    assert again.get("/_admin/state").json["city"]["school_year"] == 2026


def test_tsukuba_truncated_export_keeps_a_share(make_mock: MakeMock, tmp_path: Path) -> None:
    client = make_mock("c4th").test_client()
    client.post("/_admin/seed", json={"profile": "tsukuba", "seed": 1, "quirks": "none"})
    client.post("/_admin/faults", json={"kind": "truncate", "keep": 0.4})
    path = tmp_path / "cut.zip"
    path.write_bytes(client.get("/oneroster/export").data)
    users = read_bundle(path).rows("users")
    total = client.get("/_admin/state").json["city"]["students"]
    assert len(users) == int(total * 0.4)


def test_a_thousand_graph_users_in_batches(make_mock: MakeMock) -> None:
    client = make_mock("m365").test_client()
    token = client.post("/t/oauth2/v2.0/token", data={
        "grant_type": "client_credentials", "client_id": "renkei-pipeline",
        "client_secret": "renkei-dev-secret",
        "scope": "https://graph.microsoft.com/.default"}).json["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    for start in range(0, 1000, 20):
        batch = {"requests": [{
            "id": str(n), "method": "POST", "url": "/users",
            "headers": {"Content-Type": "application/json"},
            "body": {"accountEnabled": True, "displayName": f"p{n}", "mailNickname": f"p{n}",
                     "userPrincipalName": f"p{n}@tsukuba.example.ed.jp",
                     "passwordProfile": {"password": f"Pass-{n:06d}x"}}}
            for n in range(start, start + 20)]}
        statuses = {r["status"] for r in client.post("/v1.0/$batch", json=batch,
                                                     headers=auth).json["responses"]}
        assert statuses == {201}
    seen, url = 0, "/v1.0/users?$top=999&$select=id"
    while url:
        body = client.get(url, headers=auth).json
        seen += len(body["value"])
        url = body.get("@odata.nextLink", "").replace("http://m365.test", "")
    assert seen == 1000
