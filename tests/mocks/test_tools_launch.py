"""LTI launches into the three tool mocks, end to end in-process.

The platform is harness.lti's own (``create_platform_app``); each tool fetches its JWKS through
its ``HTTP_SESSION`` (mounted on the platform with harness.transport) and the launch runs in
harness.lti.browser.Browser over a WsgiTransport, exactly as a live run over HTTP would.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.lti import constants as c
from harness.lti.browser import Browser, Page, WsgiTransport
from harness.lti.claims import Person, role_uris
from harness.lti.platform import LaunchSpec, ToolRegistration
from harness.lti.platform_app import create_platform_app
from harness.lti.platform_app import state as platform_state
from harness.transport import mount_wsgi
from mocks import create_app
from mocks.base import get_db, json_text
from mocks.lti_tool.textbook import LICENCES_SQL, _licence_id, grant
from mocks.tsubasa_book import PRODUCT

ISSUER = "https://platform.renkei.example"
PLATFORM = "http://platform.test"
TOOLS = {
    "interactive_study": ("http://interactive-study.test", "interactive-study"),
    "tsubasa_book": ("http://tsubasa-book.test", "tsubasa-book"),
    "mirai_school": ("http://mirai-school.test", "mirai-school"),
}
SUB = "0b6f3f2e-6f5a-4d7b-9c1e-2a3b4c5d6e7f"
SCHOOL = "B108299000100"
ACCEPTED, REJECTED = "renkei-launch-accepted", "renkei-launch-rejected"


@dataclass
class World:
    platform: Any
    tools: dict[str, Any]
    browser: Browser

    def launch(self, tool: str, *, sub: str = SUB, grade: str | None = "P3",
               school_code: str | None = SCHOOL, role: str = "student",
               sign_mode: str = "rs256", message_type: str = c.RESOURCE_LINK_REQUEST,
               patch: Callable[[dict[str, Any]], None] | None = None) -> Page:
        custom = {"class_name": "3年1組", "school_name": "さくら市立田水山小学校"}
        if grade:
            custom["grade"] = grade
        if school_code:
            custom["school_code"] = school_code
        spec = LaunchSpec(
            Person(sub=sub, roles=role_uris(role), given_name="太郎", family_name="山田",
                   name="山田 太郎", classname="3年1組"),
            context={"id": "class-3-1", "label": "3-1", "title": "3年1組"},
            custom=custom, sign_mode=sign_mode, message_type=message_type, patch=patch)
        url, params = platform_state(self.platform).platform.initiate_login(
            TOOLS[tool][1], spec)
        return self.browser.go("GET", url, params)

    def state(self, tool: str) -> dict[str, Any]:
        return self.tools[tool].test_client().get("/_admin/state").json

    def last(self, tool: str) -> dict[str, Any]:
        return self.state(tool)["launches"][-1]


def make_world(config: dict[str, Any] | None = None, *, database: Callable[[str], str] | None
               = None, keys: Path | None = None) -> World:
    """The platform and the three tools, wired in-process.

    :param keys: a folder of tool keys reused across tests (RSA key generation is the slow
        part of building an app); None → each tool makes its own, as in production.
    """
    session = requests.Session()
    tools = {}
    for name, (base, _) in TOOLS.items():
        cfg = {"DATABASE": database(name) if database else ":memory:", "BASE_URL": base,
               "HTTP_SESSION": session, "KEY_DIR": str(keys / name) if keys else None,
               "LTI_PLATFORM": {"issuer": ISSUER, "auth_login_url": f"{PLATFORM}/auth",
                                "auth_token_url": f"{PLATFORM}/token",
                                "key_set_url": f"{PLATFORM}/.well-known/jwks.json"}}
        cfg.update(config or {})
        tools[name] = create_app(name, cfg)
    regs = [ToolRegistration(
        client_id=cid, login_url=f"{base}/lti/login", redirect_uris=[f"{base}/lti/launch"],
        target_link_uri=f"{base}/lti/launch", deployment_ids=("renkei-1",),
        jwks=tools[name].test_client().get("/lti/jwks").json, name=name)
        for name, (base, cid) in TOOLS.items()]
    platform = create_platform_app({"ISSUER": ISSUER, "BASE_URL": PLATFORM, "TOOLS": regs})
    apps = {PLATFORM: platform, **{base: tools[n] for n, (base, _) in TOOLS.items()}}
    mount_wsgi(session, apps)
    return World(platform, tools, Browser(WsgiTransport(apps)))


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tool-keys")


@pytest.fixture()
def world(keys: Path) -> World:
    return make_world(keys=keys)


def provision(world: World, *, sub: str = SUB, enabled: bool = True) -> None:
    resp = world.tools["interactive_study"].test_client().post("/_admin/seed", json={"users": [{
        "sourcedId": "u-1", "username": "s2025000001@sakura.example.ed.jp",
        "userMasterIdentifier": sub, "enabledUser": enabled, "givenName": "太郎",
        "familyName": "山田", "grades": ["P3"]}]})
    assert resp.status_code == 200


def test_browsers_walked_hop_by_hop_side_by_side_end_as_go_ends(world: World) -> None:
    """``Browser.walk`` yields each hop's page as it comes and returns the end page that
    ``go`` gives: two browsers walked in turns, one hop each, both end accepted."""
    plat = platform_state(world.platform).platform
    walks = []
    for tool, sub in (("tsubasa_book", SUB), ("mirai_school", SUB[::-1])):
        spec = LaunchSpec(Person(sub=sub, roles=role_uris("student")),
                          context={"id": "class-3-1", "title": "3年1組"},
                          custom={"grade": "P3" if tool == "tsubasa_book" else "J2",
                                  "school_code": SCHOOL})
        url, params = plat.initiate_login(TOOLS[tool][1], spec)
        browser = Browser(world.browser.transport.fresh())  # type: ignore[attr-defined]
        walks.append((browser, browser.walk("GET", url, params), []))
    ends: dict[int, Page] = {}
    while len(ends) < len(walks):
        for i, (_, steps, seen) in enumerate(walks):
            if i not in ends:
                try:
                    seen.append(next(steps))
                except StopIteration as end:
                    ends[i] = end.value
    for i, (browser, _, seen) in enumerate(walks):
        page = ends[i]
        assert seen == browser.history and page is browser.history[-1]
        assert page.status == 200 and ACCEPTED in page.text and len(seen) >= 3


# -- textbook tools ----------------------------------------------------------------------------
@pytest.mark.parametrize(("tool", "grade"), [("tsubasa_book", "P3"), ("mirai_school", "J2")])
def test_verified_launch_is_recorded_with_its_licence(world: World, tool: str,
                                                      grade: str) -> None:
    page = world.launch(tool, grade=grade)
    assert page.status == 200 and ACCEPTED in page.text
    entry = world.last(tool)
    assert entry["verified"] is True and entry["outcome"] == "accepted"
    assert entry["sub"] == SUB and entry["grade"] == grade and entry["school_code"] == SCHOOL
    assert entry["context_id"] == "class-3-1" and entry["context_title"] == "3年1組"
    assert c.LEARNER in entry["roles"] and entry["rules"] == []
    licence = entry["licence"]
    assert licence["grade"] == grade and licence["school_code"] == SCHOOL and licence["subjects"]
    state = world.state(tool)
    assert [(x["licence_id"], x["users"]) for x in state["licences"]] == [
        (licence["licence_id"], 1)]


def test_second_pupil_shares_the_schools_licence(world: World) -> None:
    world.launch("tsubasa_book")
    world.launch("tsubasa_book", sub="9c1e2a3b-4c5d-4e7f-8b6f-3f2e6f5a4d7b")
    world.launch("tsubasa_book", grade="P4")
    licences = world.state("tsubasa_book")["licences"]
    assert [(x["grade"], x["users"]) for x in licences] == [("P3", 2), ("P4", 1)]


@pytest.mark.parametrize(("tool", "grade", "served"), [
    ("tsubasa_book", "J1", "P1–P6"), ("mirai_school", "P6", "J1–J3")])
def test_a_grade_the_tool_does_not_serve_is_refused(world: World, tool: str, grade: str,
                                                    served: str) -> None:
    page = world.launch(tool, grade=grade)
    assert page.status == 403 and REJECTED in page.text
    assert f"学年 {grade}" in page.text and served in page.text
    entry = world.last(tool)
    assert entry["verified"] is True and entry["outcome"] == "refused"
    assert grade in entry["reason"] and entry["licence"] is None
    assert world.state(tool)["licences"] == []


def test_a_launch_without_grade_is_refused(world: World) -> None:
    page = world.launch("mirai_school", grade=None)
    assert page.status == 403 and "grade" in world.last("mirai_school")["reason"]


def test_forged_token_is_refused_and_recorded_with_its_rule(world: World) -> None:
    page = world.launch("tsubasa_book", sign_mode="foreignkey")
    assert page.status == 401 and REJECTED in page.text
    entry = world.last("tsubasa_book")
    assert entry["verified"] is False and entry["outcome"] == "rejected"
    assert entry["rules"] == ["LT105"] and "LT105" in entry["reason"]
    assert entry["sub"] is None and entry["claimed_sub"] == SUB
    assert world.state("tsubasa_book")["licences"] == []


def test_wrong_audience_is_refused_with_its_rule(world: World) -> None:
    page = world.launch("mirai_school", grade="J1",
                        patch=lambda claims: claims.update(aud="someone-else"))
    assert page.status == 401
    assert world.last("mirai_school")["rules"]  # the aud check's rule id(s)


def test_unreachable_platform_jwks_is_a_recorded_rejection(keys: Path) -> None:
    world = make_world({"LTI_PLATFORM": {"issuer": ISSUER, "auth_login_url": f"{PLATFORM}/auth",
                                         "key_set_url": f"{PLATFORM}/no-such-jwks"}}, keys=keys)
    page = world.launch("tsubasa_book")
    assert page.status == 401
    entry = world.last("tsubasa_book")
    assert entry["rules"] == ["LT118"] and "HTTP 404" in entry["reason"]


def test_unknown_issuer_login_is_refused_and_recorded(world: World) -> None:
    client = world.tools["tsubasa_book"].test_client()
    resp = client.get("/lti/login", query_string={
        "iss": "https://evil.example", "login_hint": "x",
        "target_link_uri": "http://tsubasa-book.test/lti/launch"})
    assert resp.status_code == 400
    entry = world.last("tsubasa_book")
    assert entry["step"] == "login" and entry["rules"] == ["LT106"]


def test_launch_without_login_state_is_rejected(world: World) -> None:
    resp = world.tools["mirai_school"].test_client().post(
        "/lti/launch", data={"id_token": "a.b.c", "state": "nope"},
        headers={"Accept": "application/json"})
    assert resp.status_code == 401
    assert resp.json["outcome"] == "rejected" and resp.json["rules"] == ["LT115"]


def test_platform_error_response_is_recorded(world: World) -> None:
    resp = world.tools["mirai_school"].test_client().post(
        "/lti/launch", data={"error": "login_required", "error_description": "no session"})
    assert resp.status_code == 401
    assert "login_required" in world.last("mirai_school")["reason"]


# -- the drill app -----------------------------------------------------------------------------
def test_drill_app_admits_a_provisioned_account(world: World) -> None:
    provision(world)
    page = world.launch("interactive_study")
    assert page.status == 200 and ACCEPTED in page.text
    entry = world.last("interactive_study")
    assert entry["verified"] is True and entry["account"]["sourcedId"] == "u-1"


def test_drill_app_refuses_an_unknown_user(world: World) -> None:
    page = world.launch("interactive_study")
    assert page.status == 403 and REJECTED in page.text and "差分連携" in page.text
    entry = world.last("interactive_study")
    assert entry["verified"] is True and entry["outcome"] == "refused"
    assert "no account" in entry["reason"] and entry["sub"] == SUB


def test_drill_app_refuses_a_disabled_account(world: World) -> None:
    provision(world, enabled=False)
    page = world.launch("interactive_study")
    assert page.status == 403 and "無効" in page.text
    entry = world.last("interactive_study")
    assert "disabled" in entry["reason"] and entry["account"]["enabledUser"] is False


# -- rejecting launches on purpose ------------------------------------------------------------
def test_reject_launches_setting_rejects_every_launch(keys: Path) -> None:
    world = make_world({"REJECT_LAUNCHES": "maintenance until 06:00"}, keys=keys)
    provision(world)
    for tool, grade in (("tsubasa_book", "P1"), ("mirai_school", "J3"),
                        ("interactive_study", "P3")):
        page = world.launch(tool, grade=grade)
        assert page.status == 403 and "maintenance until 06:00" in page.text
        entry = world.last(tool)
        assert entry["verified"] is True and entry["outcome"] == "rejected"
        assert entry["reason"] == "maintenance until 06:00"


def test_reject_launches_can_be_switched_on_a_running_tool(world: World) -> None:
    client = world.tools["mirai_school"].test_client()
    assert client.put("/_admin/reject-launches", json={}).status_code == 400
    on = client.put("/_admin/reject-launches", json={"reason": "licence server down"})
    assert on.json == {"reject_launches": "licence server down"}
    page = world.launch("mirai_school", grade="J1")
    assert page.status == 403 and "licence server down" in page.text
    assert client.delete("/_admin/reject-launches").json == {"reject_launches": None}
    assert world.launch("mirai_school", grade="J1").status == 200


def test_reject_launch_fault_rejects_the_next_launch_only(world: World) -> None:
    client = world.tools["tsubasa_book"].test_client()
    added = client.post("/_admin/faults", json={"kind": "reject_launch",
                                                "route": "^/lti/launch$", "count": 1})
    assert added.status_code == 201
    assert world.launch("tsubasa_book").status == 403
    assert "fault" in world.last("tsubasa_book")["reason"]
    assert world.launch("tsubasa_book").status == 200


def test_reject_launch_fault_without_route_rejects_at_login(world: World) -> None:
    client = world.tools["mirai_school"].test_client()
    assert client.post("/_admin/faults", json={"kind": "reject_launch", "count": 1}
                       ).status_code == 201
    page = world.launch("mirai_school", grade="J1")
    assert page.status == 403 and "fault" in page.text
    entry = world.last("mirai_school")
    assert entry["step"] == "login" and entry["outcome"] == "rejected"
    assert client.get("/_admin/faults").json["faults"][0]["fired"] == 1


# -- keys, Deep Linking, persistence -----------------------------------------------------------
def test_deep_linking_request_is_answered_with_an_item(world: World) -> None:
    page = world.launch("mirai_school", grade="J1", message_type=c.DEEP_LINKING_REQUEST)
    assert page.status == 200 and "received" in page.text  # the platform accepted the reply
    items = platform_state(world.platform).dl_responses[-1]["content_items"]
    assert items[0]["type"] == "ltiResourceLink" and "みらい" in items[0]["title"]


def test_jwks_is_public_only(world: World) -> None:
    resp = world.tools["interactive_study"].test_client().get("/lti/jwks")
    keys = resp.json["keys"]
    assert keys and all("d" not in k and k["kty"] == "RSA" for k in keys)
    assert "max-age" in resp.headers["Cache-Control"]


def test_launch_log_and_licences_survive_a_restart(tmp_path: Path) -> None:
    world = make_world(database=lambda name: str(tmp_path / f"{name}.sqlite"))
    world.launch("tsubasa_book")
    before = world.state("tsubasa_book")
    again = create_app("tsubasa_book", {"DATABASE": str(tmp_path / "tsubasa_book.sqlite"),
                                        "BASE_URL": TOOLS["tsubasa_book"][0]})
    after = again.test_client().get("/_admin/state").json
    assert after["launches"] == before["launches"] and after["licences"] == before["licences"]
    assert after["kids"] == before["kids"]
    assert (tmp_path / "tsubasa_book-keys" / "keys.json").exists()


def test_reset_empties_launches_and_licences(world: World) -> None:
    world.launch("tsubasa_book")
    client = world.tools["tsubasa_book"].test_client()
    kids = world.state("tsubasa_book")["kids"]
    assert client.post("/_admin/reset").status_code == 200
    state = world.state("tsubasa_book")
    assert state["launches"] == [] and state["licences"] == [] and state["kids"] == kids
    assert world.launch("tsubasa_book").status == 200  # still registered, still verifying


def test_registration_defaults_come_from_the_lgate_peer() -> None:
    app = create_app("mirai_school", {"DATABASE": ":memory:",
                                      "PEERS": {"lgate": "http://127.0.0.1:8101"}})
    platform = app.test_client().get("/_admin/state").json["platform"]
    assert platform == {"issuer": "http://127.0.0.1:8101",
                        "auth_login_url": "http://127.0.0.1:8101/lti/auth",
                        "key_set_url": "http://127.0.0.1:8101/lti/jwks",
                        "deployment_ids": ["renkei-1"]}


def test_unknown_platform_setting_is_a_clear_error() -> None:
    from mocks.lti_tool import ToolConfigError

    with pytest.raises(ToolConfigError, match="unknown field"):
        create_app("tsubasa_book", {"DATABASE": ":memory:", "LTI_PLATFORM": {"isuer": "x"}})


@pytest.mark.parametrize("tool", list(TOOLS))
def test_index_page_and_openapi(tool: str) -> None:
    client = create_app(tool, {"DATABASE": ":memory:"}).test_client()
    assert client.get("/").status_code == 200
    doc = client.get("/openapi.json").json
    assert doc["openapi"] == "3.1.0"
    assert {"/lti/login", "/lti/launch", "/lti/jwks"} <= set(doc["paths"])


def test_textbook_seed_grants_licences_ahead_of_launches() -> None:
    client = create_app("tsubasa_book", {"DATABASE": ":memory:"}).test_client()
    ok = client.post("/_admin/seed", json={"licences": [
        {"school_code": SCHOOL, "grade": "P1", "school_year": 2025}]})
    assert ok.status_code == 200 and ok.json["licences"][0]["school_year"] == 2025
    bad = client.post("/_admin/seed", json={"licences": [{"school_code": SCHOOL,
                                                          "grade": "J1"}]})
    assert bad.status_code == 400 and "P1–P6" in bad.json["error"]["message"]
    state = client.get("/_admin/state").json
    assert [(x["grade"], x["origin"]) for x in state["licences"]] == [("P1", "seed")]


def test_the_launch_log_reads_page_by_page_as_the_state_has_it(world: World) -> None:
    for sub in ("p-1", "p-2", "p-3", "p-4", "p-5"):
        world.launch("tsubasa_book", sub=sub)
    client = world.tools["tsubasa_book"].test_client()
    whole = world.state("tsubasa_book")["launches"]
    assert len(whole) == 5
    pages, after = [], 0
    while after is not None:
        body = client.get(f"/_admin/launches?after={after}&limit=2").json
        assert len(body["launches"]) <= 2
        pages.append(body["launches"])
        after = body["next"]
    assert [rec for page in pages for rec in page] == whole and len(pages) >= 2
    for bad in ("limit=0", "limit=10001", "after=-1", "after=x"):
        resp = client.get(f"/_admin/launches?{bad}")
        assert resp.status_code == 400 and resp.json["error"]["code"] == "invalidPage"
    # the fields a reader asks for (its id always), the same values as the whole entries
    chosen = ["sub", "verified", "roles", "licence", "context_title"]
    part = client.get(f"/_admin/launches?limit=3&fields={','.join(chosen)}").json
    assert part["launches"] == [{k: rec[k] for k in ("id", *chosen)} for rec in whole[:3]]
    assert part["next"] == whole[2]["id"] and part["launches"][0]["licence"]
    for bad in ("sub,token", "", "sub,"):
        resp = client.get(f"/_admin/launches?fields={bad}")
        assert resp.status_code == 400 and resp.json["error"]["code"] == "invalidFields"


def test_a_licence_grant_leaves_the_rows_the_insert_then_update_left() -> None:
    """grant() marks a launch's licence used in its upsert; 300 random seeds and launches
    (the same licence again and again, a school name or none) leave the same rows as the
    insert, update and insert it replaced."""
    app = create_app("tsubasa_book", {"DATABASE": ":memory:"})
    rng = random.Random(18)
    old = sqlite3.connect(":memory:", isolation_level=None)
    old.executescript(LICENCES_SQL)
    with app.app_context():
        db = get_db()
        for step in range(300):
            school, grade = rng.choice(["S1", "S2"]), rng.choice(["P1", "P2"])
            name = rng.choice([None, "A小", "B小"])
            sub = rng.choice([None, "u1", "u2", "u3"])
            now = f"2026-04-01T09:{step // 60:02d}:{step % 60:02d}Z"
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr("mocks.lti_tool.textbook._now", lambda now=now: now)
                grant(db, PRODUCT, school_code=school, grade=grade, school_year=2026,
                      school_name=name, sub=sub, origin="seed" if sub is None else "launch")
            lid = _licence_id(PRODUCT.name, school, 2026, grade)
            old.execute(
                "INSERT INTO licences (licence_id, product, school_code, school_name, "
                "school_year, grade, subjects, origin, granted_at) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (licence_id) DO UPDATE SET "
                "school_name = COALESCE(excluded.school_name, licences.school_name)",
                (lid, PRODUCT.name, school, name, 2026, grade,
                 json_text(list(PRODUCT.grades[grade])), "seed" if sub is None else "launch",
                 now))
            if sub is not None:
                old.execute("UPDATE licences SET last_used_at = ? WHERE licence_id = ?",
                            (now, lid))
                old.execute("INSERT OR IGNORE INTO licence_users (licence_id, sub, first_at) "
                            "VALUES (?, ?, ?)", (lid, sub, now))
        for table in ("licences", "licence_users"):
            got = [tuple(r) for r in db.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid")]
            want = old.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
            assert got == want and len(want) >= 4
