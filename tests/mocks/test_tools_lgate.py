"""lgate → tool launches with the mocks wired together in-process (contract defaults only).

The city's bulk goes into lgate, its delta into the drill app (the pipeline's two deliveries,
done by hand here); then ``GET /launch?user=&tool=`` on lgate runs the whole OIDC flow into
each tool, which verifies the id_token against lgate's JWKS fetched through its HTTP_SESSION.
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from fixtures import build_bundle, generate_city, load_profile
from harness.lti.browser import Browser, WsgiTransport
from harness.oneroster import write_bundle
from harness.oneroster.model import Bundle
from mocks.testing import make_mocks

NAMES = ["lgate", "interactive_study", "tsubasa_book", "mirai_school"]
WHEN = "2025-05-01T00:00:00.000Z"


@pytest.fixture(scope="module")
def bundle() -> Bundle:
    city = generate_city(load_profile("small"), seed=3, as_of=dt.date(2025, 5, 1))
    return build_bundle(city, quirks=frozenset())


@pytest.fixture()
def apps(bundle: Bundle, tmp_path: Path) -> dict[str, Any]:
    apps = make_mocks(NAMES)
    bulk = write_bundle(bundle, tmp_path / "RO_20250501_089901.zip").read_bytes()
    resp = apps["lgate"].test_client().post("/oneroster/bulk", data=bulk,
                                            content_type="application/zip")
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return apps


def deliver_delta(apps: dict[str, Any], bundle: Bundle, tmp_path: Path,
                  edit: Any = None) -> None:
    delta = Bundle(profile=bundle.profile)
    for name in ("orgs", "classes", "users", "enrollments"):
        rows = copy.deepcopy(bundle.tables[name])
        for row in rows:
            row["status"], row["dateLastModified"] = "active", WHEN
        if edit and name == "users":
            edit(rows)
        delta.add(name, rows, mode="delta")
    data = write_bundle(delta, tmp_path / "delta" / "RO_20250501_089901.zip").read_bytes()
    resp = apps["interactive_study"].test_client().post(
        "/oneroster/delta", data=data, content_type="application/zip")
    assert resp.status_code == 200, resp.json


def pupil(bundle: Bundle, prefix: str) -> dict[str, Any]:
    return next(u for u in bundle.tables["users"] if u["grades"][0].startswith(prefix))


def launch(apps: dict[str, Any], umi: str, tool: str) -> Any:
    browser = Browser(WsgiTransport({app.config["BASE_URL"]: app for app in apps.values()}))
    return browser.go("GET", f"{apps['lgate'].config['BASE_URL']}/launch?user={umi}&tool={tool}")


def last(apps: dict[str, Any], tool: str) -> dict[str, Any]:
    return apps[tool].test_client().get("/_admin/state").json["launches"][-1]


def test_lgate_launches_into_each_textbook_tool(apps: dict[str, Any], bundle: Bundle) -> None:
    for tool, prefix in (("tsubasa_book", "P"), ("mirai_school", "J")):
        user = pupil(bundle, prefix)
        page = launch(apps, user["userMasterIdentifier"], tool)
        assert page.status == 200 and "renkei-launch-accepted" in page.text, page.text[:400]
        entry = last(apps, tool)
        assert entry["verified"] is True and entry["sub"] == user["userMasterIdentifier"]
        assert entry["context_id"] == user["metadata.jp.homeClass"]
        assert entry["grade"] == user["grades"][0] and entry["school_code"]
        assert entry["licence"]["grade"] == user["grades"][0]
        # the only WARN: an in-process issuer is http://lgate.test, not https (LT119)
        assert entry["warnings"] == ["LT119"]


def test_junior_high_pupil_is_refused_by_the_elementary_textbook(apps: dict[str, Any],
                                                                 bundle: Bundle) -> None:
    user = pupil(bundle, "J")
    page = launch(apps, user["userMasterIdentifier"], "tsubasa_book")
    assert page.status == 403 and user["grades"][0] in page.text


def test_drill_app_needs_the_delta_before_a_launch(apps: dict[str, Any], bundle: Bundle,
                                                   tmp_path: Path) -> None:
    user = pupil(bundle, "P")
    umi = user["userMasterIdentifier"]
    assert launch(apps, umi, "interactive_study").status == 403
    deliver_delta(apps, bundle, tmp_path)
    assert launch(apps, umi, "interactive_study").status == 200
    entry = last(apps, "interactive_study")
    assert entry["outcome"] == "accepted" and entry["account"]["sourcedId"] == user["sourcedId"]


def test_drill_app_refuses_a_pupil_disabled_by_delta(apps: dict[str, Any], bundle: Bundle,
                                                     tmp_path: Path) -> None:
    user = pupil(bundle, "J")

    def disable(rows: list[dict[str, Any]]) -> None:
        next(r for r in rows if r["sourcedId"] == user["sourcedId"])["enabledUser"] = False

    deliver_delta(apps, bundle, tmp_path, disable)
    page = launch(apps, user["userMasterIdentifier"], "interactive_study")
    assert page.status == 403 and "enabledUser=false" in page.text
