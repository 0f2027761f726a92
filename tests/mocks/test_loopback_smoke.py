"""Loopback smoke test: every mock as a real waitress server on 127.0.0.1, one whole flow.

export (c4th) → bulk import (lgate) → password intake (lgate) → Graph user creation (m365) →
delta import (interactive_study) → a launch into each tool from lgate. The pipeline is not used:
the test makes the pipeline's HTTP calls itself, with plain ``requests``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.accounts.passwords import read_password_file
from harness.lti.browser import Browser, RequestsTransport
from harness.oneroster import read_bundle, write_bundle
from harness.oneroster.model import Bundle
from mocks import MOCKS, available
from mocks.serve import MockServers

pytestmark = pytest.mark.skipif(set(available()) != set(MOCKS),
                                reason="needs every mock in this checkout")

WHEN = "2025-05-01T00:00:00.000Z"
GRAPH_USERS = 40


@pytest.fixture(scope="module")
def live() -> Iterator[dict[str, str]]:
    with MockServers(list(MOCKS), port_base=0, threads=4) as servers:
        yield servers.urls


def _delta_from(bulk: Bundle) -> bytes:
    """The export as a OneRoster delta: every row active, as the pipeline's first delta is."""
    delta = Bundle(profile=bulk.profile)
    for name in ("orgs", "classes", "users", "enrollments"):
        rows = [dict(r, status="active", dateLastModified=WHEN) for r in bulk.rows(name)]
        delta.add(name, rows, mode="delta")
    with tempfile.TemporaryDirectory() as tmp:
        return write_bundle(delta, Path(tmp) / "RO_delta.zip").read_bytes()


def _launch(urls: dict[str, str], umi: str, tool: str) -> Any:
    return Browser(RequestsTransport(timeout=30)).go(
        "GET", f"{urls['lgate']}/launch?user={umi}&tool={tool}")


def test_export_to_launch_over_loopback(live: dict[str, str], tmp_path: Path) -> None:
    http = requests.Session()
    seeded = http.post(f"{live['c4th']}/_admin/seed", timeout=60,
                       json={"profile": "small", "seed": 5, "as_of": "2025-05-01",
                             "quirks": "none"})
    assert seeded.status_code == 200, seeded.text

    # 1. the nightly export from c4th
    export = http.get(f"{live['c4th']}/oneroster/export", timeout=60)
    assert export.status_code == 200 and export.headers["Content-Type"] == "application/zip"
    zip_path = tmp_path / "RO.zip"
    zip_path.write_bytes(export.content)
    bulk = read_bundle(zip_path)
    pupils = [u for u in bulk.rows("users") if u.get("grades")]

    # 2. bulk import into lgate
    imported = http.post(f"{live['lgate']}/oneroster/bulk", data=export.content, timeout=120,
                         headers={"Content-Type": "application/zip"})
    assert imported.status_code == 200, imported.text[:500]
    assert imported.json()["created"]["users"] == len(bulk.rows("users"))

    # 3. the board's password file into lgate
    board_file = http.get(f"{live['c4th']}/_admin/password-file", timeout=60)
    entries = read_password_file(board_file.content).entries
    intake = http.post(f"{live['lgate']}/accounts/initial-passwords", data=board_file.content,
                       headers={"Content-Type": "text/csv"}, timeout=60)
    assert intake.status_code == 200, intake.text[:500]
    assert intake.json()["accepted"] == len(entries) and not intake.json()["rejected"]

    # 4. Microsoft 365 accounts through Graph ($batch of 20)
    token = http.post(f"{live['m365']}/renkei/oauth2/v2.0/token", timeout=30, data={
        "grant_type": "client_credentials", "client_id": "renkei-pipeline",
        "client_secret": "renkei-dev-secret",
        "scope": "https://graph.microsoft.com/.default"}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    chosen = [e for e in entries.values()][:GRAPH_USERS]
    for i in range(0, len(chosen), 20):
        batch = {"requests": [{
            "id": str(n), "method": "POST", "url": "/users",
            "headers": {"Content-Type": "application/json"},
            "body": {"accountEnabled": True, "displayName": e.user_principal_name,
                     "mailNickname": e.user_principal_name.split("@")[0],
                     "userPrincipalName": e.user_principal_name,
                     "passwordProfile": {"password": e.initial_password,
                                         "forceChangePasswordNextSignIn": True}}}
            for n, e in enumerate(chosen[i:i + 20])]}
        answer = http.post(f"{live['m365']}/v1.0/$batch", json=batch, headers=auth, timeout=60)
        assert [r["status"] for r in answer.json()["responses"]] == [201] * len(batch["requests"])
    listed = http.get(f"{live['m365']}/v1.0/users?$top=999&$select=userPrincipalName",
                      headers=auth, timeout=30).json()["value"]
    assert len(listed) == len(chosen)

    # 5. the delta into the drill app
    delta = http.post(f"{live['interactive_study']}/oneroster/delta", data=_delta_from(bulk),
                      headers={"Content-Type": "application/zip"}, timeout=120)
    assert delta.status_code == 200, delta.text[:500]

    # 6. a launch from lgate into each tool, verified by the tool
    elementary = next(u for u in pupils if u["grades"].startswith("P"))
    junior = next(u for u in pupils if u["grades"].startswith("J"))
    for tool, user in (("interactive_study", elementary), ("tsubasa_book", elementary),
                       ("mirai_school", junior)):
        page = _launch(live, user["userMasterIdentifier"], tool)
        assert page.status == 200 and "renkei-launch-accepted" in page.text, (
            tool, page.status, page.text[:300])
        last = http.get(f"{live[tool]}/_admin/state", timeout=30).json()["launches"][-1]
        assert last["verified"] is True
        assert last["sub"] == user["userMasterIdentifier"]

    # nothing in the request logs was a server error
    for name, url in live.items():
        log = http.get(f"{url}/_admin/requests", timeout=30).json()["requests"]
        assert not [e for e in log if (e["status"] or 0) >= 500], name
