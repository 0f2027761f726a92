"""The tool mocks as real servers on 127.0.0.1 (waitress via mocks.serve): delta over HTTP, then
lgate → tool launches in a scripted browser over real sockets, keys fetched over HTTP."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from fixtures import build_bundle, generate_city, load_profile
from harness.lti.browser import Browser, RequestsTransport
from harness.oneroster import write_bundle
from harness.oneroster.model import Bundle
from mocks.serve import MockServers
from tests.mocks.servekit import served_with_bulk

NAMES = ["lgate", "interactive_study", "tsubasa_book", "mirai_school"]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MockServers, Bundle]]:
    tmp = tmp_path_factory.mktemp("loopback")
    city = generate_city(load_profile("small"), seed=11, as_of=dt.date(2025, 5, 1))
    bundle = build_bundle(city, quirks=frozenset())
    with served_with_bulk(NAMES, bundle, tmp) as servers:
        yield servers, bundle


def _delta(bundle: Bundle, tmp: Path) -> bytes:
    delta = Bundle(profile=bundle.profile)
    for name in ("orgs", "classes", "users", "enrollments"):
        rows = copy.deepcopy(bundle.tables[name])
        for row in rows:
            row["status"], row["dateLastModified"] = "active", "2025-05-01T00:00:00.000Z"
        delta.add(name, rows, mode="delta")
    return write_bundle(delta, tmp / "RO_20250501_089901.zip").read_bytes()


def test_delta_then_launches_over_loopback(served: tuple[MockServers, Bundle],
                                           tmp_path: Path) -> None:
    servers, bundle = served
    urls = servers.urls
    assert all(url.startswith("http://127.0.0.1:") for url in urls.values())
    resp = requests.post(f"{urls['interactive_study']}/oneroster/delta", timeout=60,
                         files={"file": ("RO_20250501_089901.zip", _delta(bundle, tmp_path))})
    assert resp.status_code == 200 and resp.json()["created"]["users"] == len(
        bundle.tables["users"])
    elementary = next(u for u in bundle.tables["users"] if u["grades"][0].startswith("P"))
    junior = next(u for u in bundle.tables["users"] if u["grades"][0].startswith("J"))
    for user, tool in ((elementary, "interactive_study"), (elementary, "tsubasa_book"),
                       (junior, "mirai_school"), (junior, "interactive_study")):
        page = Browser(RequestsTransport()).go(
            "GET", f"{urls['lgate']}/launch?user={user['userMasterIdentifier']}&tool={tool}")
        assert page.status == 200 and "renkei-launch-accepted" in page.text, (tool, page.text)
    refused = Browser(RequestsTransport()).go(
        "GET", f"{urls['lgate']}/launch?user={junior['userMasterIdentifier']}&tool=tsubasa_book")
    assert refused.status == 403 and junior["grades"][0] in refused.text
    launches = requests.get(f"{urls['tsubasa_book']}/_admin/state", timeout=10).json()["launches"]
    assert [(e["outcome"], e["verified"]) for e in launches] == [("accepted", True),
                                                                ("refused", True)]
