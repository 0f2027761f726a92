"""The mocks registry, default peers and the in-process wiring helpers (mocks.testing)."""

from __future__ import annotations

import pytest
import requests

import mocks
from mocks.testing import base_urls, browser_for, make_mocks, session_for


def test_registry_is_in_port_order_with_titles() -> None:
    assert list(mocks.MOCKS) == ["c4th", "lgate", "m365", "interactive_study", "tsubasa_book",
                                 "mirai_school"]
    assert all(m.title_ja and m.title_en for m in mocks.MOCKS.values())


def test_default_peers_in_process_and_live() -> None:
    assert mocks.default_peers()["interactive_study"] == "http://interactive-study.test"
    live = mocks.default_peers(live=True)
    assert live["c4th"] == "http://127.0.0.1:8100"
    assert live["mirai_school"] == "http://127.0.0.1:8105"
    assert mocks.default_peers(live=True, port_base=9000)["m365"] == "http://127.0.0.1:9002"


def test_unknown_mock_is_a_clear_error() -> None:
    with pytest.raises(mocks.UnknownMock, match="known: c4th, lgate"):
        mocks.create_app("l-gate")
    assert mocks.is_available("l-gate") is False


def test_apps_get_their_base_url_and_peers() -> None:
    app = mocks.create_app("m365", {"DATABASE": ":memory:"})
    assert app.config["BASE_URL"] == "http://m365.test"
    assert app.config["PEERS"] == mocks.default_peers()


def test_make_mocks_wires_every_app_to_the_others_in_process() -> None:
    apps = make_mocks(["c4th", "m365"])
    assert base_urls(apps) == {"c4th": "http://c4th.test", "m365": "http://m365.test"}
    # the session an app uses for outbound calls reaches its peers without a socket
    outbound: requests.Session = apps["c4th"].config["HTTP_SESSION"]
    assert outbound.get("http://m365.test/_admin/state").json()["users"] == []
    session = session_for(apps)
    assert session.post("http://c4th.test/_admin/seed", json={"profile": "small"}
                        ).status_code == 200
    assert session.get("http://c4th.test/oneroster/export").status_code == 200


def test_make_mocks_per_mock_config_and_state_dir(tmp_path: object) -> None:
    apps = make_mocks(["m365"], config={"m365": {"THROTTLE": {"per_second": 5}}},
                      state_dir=str(tmp_path))
    assert apps["m365"].config["THROTTLE"] == {"per_second": 5}
    assert apps["m365"].config["DATABASE"] == f"{tmp_path}/m365.sqlite"


def test_browser_for_reaches_the_apps_in_process() -> None:
    apps = make_mocks(["m365"])
    page = browser_for(apps).go("GET", "http://m365.test/")
    assert page.status == 200 and "Microsoft 365" in page.text


def test_make_mocks_defaults_to_every_available_mock() -> None:
    apps = make_mocks()
    assert list(apps) == mocks.available()
