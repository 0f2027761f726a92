"""lgate as the LTI 1.3 platform: full launches in-process through the OIDC flow, claims from
the account store, unknown user/tool, NRPS and AGS from a tool, Deep Linking, external tools
from config, and restart persistence of keys, guid and accounts."""

from __future__ import annotations

import datetime
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.exceptions import NotFound
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from fixtures import build_bundle, generate_city, load_profile
from harness.lti import constants as c
from harness.lti.browser import Browser, WsgiTransport
from harness.lti.http import LtiHttpClient
from harness.lti.jwks import http_fetcher
from harness.lti.service_client import ServiceClient
from harness.lti.tool_app import ACCEPTED, create_tool_app
from harness.lti.tool_app import tool as tool_of
from harness.oneroster.ids import is_uuid4
from harness.oneroster.writer import write_bundle
from harness.transport import mount_wsgi
from mocks.lgate import create_app
from mocks.lgate.lti import ToolConfigError

LGATE = "http://lgate.test"
TSUBASA = "http://tsubasa-book.test"
EXTERNAL = "http://vendor-tool.test"


@pytest.fixture(scope="module")
def bundle_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    city = generate_city(load_profile("small"), seed=7, as_of=datetime.date(2025, 5, 1))
    out = tmp_path_factory.mktemp("lgate-lti") / "RO_20250501_089901.zip"
    return write_bundle(build_bundle(city), out).read_bytes()


def _tool(base: str, client_id: str, session: requests.Session, *, profile: str = "core",
          keys: str | None = None) -> Any:
    """A harness.lti tool app whose platform is lgate (keys fetched in-process)."""
    # PLATFORM_SIDE: the tool records the verified claims, so the test can read them
    return create_tool_app({
        "BASE_URL": base, "PROFILE": profile, "PLATFORM_SIDE": True, "STATE_DIR": keys,
        "PLATFORMS": [{"issuer": LGATE, "client_id": client_id,
                       "auth_login_url": f"{LGATE}/lti/auth",
                       "auth_token_url": f"{LGATE}/lti/token",
                       "key_set_url": f"{LGATE}/lti/jwks", "deployment_ids": ["renkei-1"]}],
        "FETCH": http_fetcher(LtiHttpClient(session=session))})


class World:
    """lgate plus a tool standing where the tsubasa_book mock lives (under /lti), and an
    external vendor tool registered from config, all in-process."""

    def __init__(self, bundle: bytes, db: str = ":memory:", keys: Path | None = None,
                 **cfg: Any) -> None:
        """:param keys: a directory to keep every app's keys in (made once, then loaded)."""
        self.session = requests.Session()
        self.tool_app = _tool(f"{TSUBASA}/lti", "tsubasa-book", self.session,
                              profile="jp-eportal", keys=keys and str(keys / "tsubasa"))
        self.external = _tool(EXTERNAL, "vendor-1", self.session,
                              keys=keys and str(keys / "external"))
        if keys is not None:
            cfg.setdefault("LTI_KEY_DIR", str(keys / "lgate"))
        self.lgate = create_app({
            "DATABASE": db, "BASE_URL": LGATE, "HTTP_SESSION": self.session,
            "PEERS": {"lgate": LGATE, "tsubasa_book": TSUBASA},
            "TOOLS": {"vendor": {"client_id": "vendor-1", "login_url": f"{EXTERNAL}/login",
                                 "redirect_uris": [f"{EXTERNAL}/launch"],
                                 "jwks_url": f"{EXTERNAL}/jwks", "deployment_id": "dep-9"}},
            **cfg})
        self.tsubasa = DispatcherMiddleware(NotFound(), {"/lti": self.tool_app})
        mount_wsgi(self.session, {LGATE: self.lgate, TSUBASA: self.tsubasa,
                                  EXTERNAL: self.external})
        self.client = self.lgate.test_client()
        if bundle:
            assert self.client.post("/oneroster/bulk", data=bundle,
                                    content_type="application/zip").status_code == 200

    def browser(self) -> Browser:
        return Browser(WsgiTransport({LGATE: self.lgate, TSUBASA: self.tsubasa,
                                      EXTERNAL: self.external}))

    def pupil(self, grade: str = "P3") -> dict[str, Any]:
        users = self.client.get("/_admin/state").get_json()["users"]
        return next(u for u in users if u["grades"] == [grade])

    def tool_launches(self, app: Any = None) -> list[dict[str, Any]]:
        return (app or self.tool_app).extensions["renkei_lti_tool_log"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Key directories shared by the module's worlds: RSA keys are made once, then loaded
    (the tests on keys themselves make their own)."""
    return tmp_path_factory.mktemp("lgate-lti-keys")


@pytest.fixture
def world(bundle_bytes: bytes, keys: Path) -> World:
    return World(bundle_bytes, keys=keys)


@pytest.fixture(scope="module")
def shared(bundle_bytes: bytes, keys: Path) -> World:
    """One world for the tests that change nothing lgate keeps."""
    return World(bundle_bytes, keys=keys)


def _claims(world: World, umi: str, tool: str = "tsubasa_book") -> dict[str, Any]:
    """Launch ``umi`` into ``tool`` and return the id_token claims lgate issued."""
    page = world.browser().go("GET", f"{LGATE}/launch?user={umi}&tool={tool}")
    assert page.status == 200, page.text
    assert ACCEPTED in page.text
    assert world.lgate.extensions["renkei_lti"].platform.log[-1]["sub"] == umi
    entry = world.tool_launches()[-1]
    assert entry["accepted"], entry
    return entry["claims"]


def test_launch_runs_the_whole_oidc_flow_with_claims_from_the_store(world: World) -> None:
    pupil = world.pupil("P3")
    claims = _claims(world, pupil["userMasterIdentifier"])
    assert claims["sub"] == pupil["userMasterIdentifier"]
    assert claims[c.ROLES] == [c.LEARNER, c.STUDENT]
    assert claims[c.DEPLOYMENT_ID] == "renkei-1"
    state = world.client.get("/_admin/state").get_json()
    home = next(k for k in state["classes"] if k["sourcedId"] == pupil["homeClass"])
    assert claims[c.CONTEXT]["id"] == home["sourcedId"]
    assert claims[c.CONTEXT]["title"] == home["title"]
    org = next(o for o in state["orgs"] if o["sourcedId"] == home["schoolSourcedId"])
    custom = claims[c.CUSTOM]
    assert custom["grade"] == "P3"
    assert custom["class_name"] == home["title"] == custom["classname"]
    assert custom["school_code"] == org["identifier"]
    assert custom["school_name"] == org["name"]
    guid = claims[c.TOOL_PLATFORM]["guid"]
    assert is_uuid4(guid) and uuid.UUID(guid).version == 4
    assert guid == state["platform"]["guid"]
    # the jp-eportal profile checks (LT5xx) found nothing to warn about; the only note is
    # LT119 (WARN), because the in-process issuer is the http base URL
    assert world.tool_launches()[-1]["rules"] == ["LT119"]
    assert state["launches"][-1]["user"] == pupil["userMasterIdentifier"]
    assert state["launches"][-1]["context_id"] == home["sourcedId"]


def test_teacher_entered_by_hand_launches_as_instructor(world: World) -> None:
    cls = world.client.get("/_admin/state").get_json()["classes"][0]
    assert world.client.post("/_admin/seed", json={"users": [{
        "userMasterIdentifier": "t-0001", "username": "t0001@sakura.example.ed.jp",
        "givenName": "花子", "familyName": "先生", "role": "teacher",
        "classSourcedIds": [cls["sourcedId"]]}]}).status_code == 200
    claims = _claims(world, "t-0001")
    assert claims[c.ROLES] == [c.INSTRUCTOR, c.FACULTY]
    assert claims[c.CONTEXT]["id"] == cls["sourcedId"]


@pytest.mark.parametrize(("query", "needle"), [
    ("user=nobody&tool=tsubasa_book", "nobody"),
    ("user={umi}&tool=no_such_tool", "no_such_tool"),
])
def test_unknown_user_or_tool_is_a_clear_404(shared: World, query: str, needle: str) -> None:
    query = query.format(umi=shared.pupil()["userMasterIdentifier"])
    page = shared.client.get(f"/launch?{query}")
    assert page.status_code == 404
    assert needle in page.get_data(as_text=True)
    as_json = shared.client.get(f"/launch?{query}", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.get_json()["error"]["code"] == "notFound"


def test_launch_without_parameters_is_a_400(shared: World) -> None:
    resp = shared.client.get("/launch")
    assert resp.status_code == 400
    assert "tsubasa_book" in resp.get_json()["error"]["message"]


def test_auth_endpoint_requires_the_user_logged_in_by_launch(shared: World) -> None:
    umi = shared.pupil()["userMasterIdentifier"]
    first = shared.client.get(f"/launch?user={umi}&tool=tsubasa_book")
    params = dict(re.findall(r"([a-z_]+)=([^&]+)", first.headers["Location"].split("?", 1)[1]))
    # another browser (no lgate session) cannot redeem the hint
    stranger = shared.lgate.test_client()
    resp = stranger.get("/lti/auth", query_string={
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
        "prompt": "none", "client_id": "tsubasa-book", "nonce": "n1", "state": "s1",
        "redirect_uri": f"{TSUBASA}/lti/launch", "login_hint": umi,
        "lti_message_hint": params["lti_message_hint"]})
    assert resp.status_code == 401
    assert "login_required" in resp.get_data(as_text=True)


def test_platform_demo_launcher_is_not_exposed(shared: World) -> None:
    assert shared.client.get("/lti/launch/tsubasa-book").status_code == 404


def test_external_tool_from_config_is_launched_with_its_deployment(world: World) -> None:
    tool_of(world.external).registrations[0].deployment_ids = ["dep-9"]
    pupil = world.pupil("P5")
    page = world.browser().go("GET", f"{LGATE}/launch?user={pupil['userMasterIdentifier']}"
                                     "&tool=vendor")
    assert ACCEPTED in page.text, page.text
    entry = world.tool_launches(world.external)[-1]
    assert entry["claims"][c.DEPLOYMENT_ID] == "dep-9"
    assert entry["claims"]["aud"] == "vendor-1"
    tools = world.client.get("/_admin/state").get_json()["tools"]
    assert tools["vendor"]["login_url"] == f"{EXTERNAL}/login"


@pytest.mark.parametrize(("tools", "message"), [
    ({"x": {"login_url": "http://x.test/login", "redirect_uris": ["http://x.test/l"],
            "jwks_url": "http://x.test/jwks"}}, "client_id"),
    ({"x": {"client_id": "x", "login_url": "http://x.test/login",
            "jwks_url": "http://x.test/jwks"}}, "redirect_uris"),
    ({"x": {"client_id": "x", "login_url": "http://x.test/login",
            "redirect_uris": ["http://x.test/l"]}}, "jwks_url"),
    ({"x": {"client_id": "x", "login_url": "u", "redirect_uris": ["r"], "jwks_url": "j",
            "colour": "red"}}, "colour"),
    ({"x": {"client_id": "tsubasa-book", "login_url": "u", "redirect_uris": ["r"],
            "jwks_url": "j"}}, "registered twice"),
    (["not", "a", "mapping"], "TOOLS must map"),
])
def test_bad_tool_config_is_refused_with_the_key_named(tools: Any, message: str) -> None:
    with pytest.raises(ToolConfigError, match=message):
        create_app({"DATABASE": ":memory:", "TOOLS": tools,
                    "PEERS": {"lgate": LGATE, "tsubasa_book": TSUBASA}})


def _service_client(world: World) -> ServiceClient:
    tool = tool_of(world.tool_app)
    return ServiceClient(tool, tool.registrations[0], LtiHttpClient(session=world.session))


def test_nrps_lists_the_class_from_the_account_store(world: World) -> None:
    pupil = world.pupil("P2")
    claims = _claims(world, pupil["userMasterIdentifier"])
    url = claims[c.NRPS_CLAIM]["context_memberships_url"]
    assert url == f"{LGATE}/lti/nrps/{pupil['homeClass']}"
    members = _service_client(world).members(url, limit=5)
    state = world.client.get("/_admin/state").get_json()
    in_class = {e["userSourcedId"] for e in state["enrollments"]
                if e["classSourcedId"] == pupil["homeClass"]}
    expected = {u["userMasterIdentifier"] for u in state["users"] if u["sourcedId"] in in_class}
    assert {m["user_id"] for m in members} == expected
    assert len(members) > 5  # paged through Link: rel="next"
    assert all(m["roles"] == [c.LEARNER, c.STUDENT] for m in members)


def test_nrps_for_an_unknown_class_is_a_404(shared: World) -> None:
    client = _service_client(shared)
    token = client.token(c.SCOPE_NRPS)
    resp = shared.session.get(f"{LGATE}/lti/nrps/no-such-class",
                             headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 404


def test_nrps_without_a_token_is_refused(shared: World) -> None:
    assert shared.session.get(f"{LGATE}/lti/nrps/anything").status_code == 401


def test_ags_line_item_and_score_round_trip(world: World) -> None:
    pupil = world.pupil("P4")
    claims = _claims(world, pupil["userMasterIdentifier"])
    lineitems = claims[c.AGS_CLAIM]["lineitems"]
    client = _service_client(world)
    item = client.create_lineitem(lineitems, {"label": "漢字ドリル 1", "scoreMaximum": 10})
    assert client.post_score(item["id"], {
        "userId": pupil["userMasterIdentifier"], "scoreGiven": 8, "scoreMaximum": 10,
        "timestamp": "2025-05-01T10:00:00+09:00", "activityProgress": "Completed",
        "gradingProgress": "FullyGraded"}) == 204
    results = client.results(item["id"])
    assert [(r["userId"], r["resultScore"]) for r in results] == [
        (pupil["userMasterIdentifier"], 8)]
    platform = world.client.get("/_admin/state").get_json()["platform"]
    assert platform["lineitems"][pupil["homeClass"]][0]["label"] == "漢字ドリル 1"


def test_deep_linking_request_and_response(world: World) -> None:
    cls = world.client.get("/_admin/state").get_json()["classes"][0]
    world.client.post("/_admin/seed", json={"users": [{
        "userMasterIdentifier": "t-dl", "username": "tdl@sakura.example.ed.jp",
        "givenName": "一郎", "familyName": "教員", "classSourcedIds": [cls["sourcedId"]]}]})
    page = world.browser().go("GET", f"{LGATE}/launch?user=t-dl&tool=tsubasa_book"
                                     "&type=deeplink")
    assert page.status == 200 and "received" in page.text, page.text
    responses = world.client.get("/_admin/state").get_json()["platform"]["deep_link_responses"]
    assert responses[-1]["client_id"] == "tsubasa-book"
    assert responses[-1]["content_items"][0]["type"] == "ltiResourceLink"


def test_jwks_is_public_only(shared: World) -> None:
    keys = shared.client.get("/lti/jwks").get_json()["keys"]
    assert keys and all("d" not in k and k["alg"] == "RS256" for k in keys)


def test_restart_with_a_file_database_keeps_accounts_keys_and_guid(
        bundle_bytes: bytes, tmp_path: Path) -> None:
    db = str(tmp_path / "lgate.sqlite")
    first = World(bundle_bytes, db)
    before = first.client.get("/_admin/state").get_json()
    kids = [k["kid"] for k in first.client.get("/lti/jwks").get_json()["keys"]]
    key_dir = tmp_path / "lgate-lti-keys"
    pems = list(key_dir.glob("*.pem"))
    assert pems and all(p.stat().st_mode & 0o777 == 0o600 for p in pems)

    second = World(b"", db)
    after = second.client.get("/_admin/state").get_json()
    assert after["platform"]["guid"] == before["platform"]["guid"]
    assert [k["kid"] for k in second.client.get("/lti/jwks").get_json()["keys"]] == kids
    assert len(after["users"]) == len(before["users"]) > 0
    # and the restarted platform still launches with its kept keys
    umi = after["users"][0]["userMasterIdentifier"]
    assert _claims(second, umi)["sub"] == umi


def test_reset_keeps_the_platform_identity(world: World) -> None:
    guid = world.client.get("/_admin/state").get_json()["platform"]["guid"]
    assert world.client.post("/_admin/reset").status_code == 200
    state = world.client.get("/_admin/state").get_json()
    assert state["users"] == [] and state["platform"]["guid"] == guid


def test_two_instances_have_different_guids_and_keys(bundle_bytes: bytes) -> None:
    a, b = World(b""), World(b"")
    sa, sb = (w.client.get("/_admin/state").get_json()["platform"] for w in (a, b))
    assert sa["guid"] != sb["guid"] and sa["kids"] != sb["kids"]


@pytest.mark.parametrize("body", [b"[1, 2]", b"not json", b""])
def test_ags_bodies_that_are_not_objects_are_a_400(shared: World, body: bytes) -> None:
    token = _service_client(shared).token(c.SCOPE_LINEITEM)
    resp = shared.session.post(f"{LGATE}/lti/ags/some-class/lineitems", data=body,
                              headers={"Authorization": f"Bearer {token}",
                                       "Content-Type": c.LINEITEM_MEDIA})
    assert resp.status_code == 400


def test_disabled_account_cannot_launch(bundle_bytes: bytes, tmp_path: Path) -> None:
    # jp-eportal-v4 bulks carry enabledUser=true only (OR515), so an account is disabled in
    # the e-portal itself; here that is done in its store
    import sqlite3

    db = tmp_path / "lgate.sqlite"
    world = World(bundle_bytes, str(db))
    umi = world.pupil()["userMasterIdentifier"]
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE users SET enabled_user = 0 WHERE user_master_identifier = ?",
                     (umi,))
    resp = world.client.get(f"/launch?user={umi}&tool=tsubasa_book",
                            headers={"Accept": "application/json"})
    assert resp.status_code == 403 and resp.get_json()["error"]["code"] == "accountDisabled"
    assert world.client.get(f"/launch?user={umi}&tool=tsubasa_book").status_code == 403


def test_restart_keeps_ags_line_items_and_scores(bundle_bytes: bytes, tmp_path: Path) -> None:
    db = str(tmp_path / "lgate.sqlite")
    first = World(bundle_bytes, db)
    pupil = first.pupil("P6")
    lineitems = _claims(first, pupil["userMasterIdentifier"])[c.AGS_CLAIM]["lineitems"]
    client = _service_client(first)
    item = client.create_lineitem(lineitems, {"label": "計算ドリル", "scoreMaximum": 20})
    assert client.post_score(item["id"], {
        "userId": pupil["userMasterIdentifier"], "scoreGiven": 17, "scoreMaximum": 20,
        "timestamp": "2025-05-02T09:00:00+09:00", "activityProgress": "Completed",
        "gradingProgress": "FullyGraded"}) == 204

    second = World(b"", db)
    results = _service_client(second).results(item["id"])
    assert [(r["userId"], r["resultScore"]) for r in results] == [
        (pupil["userMasterIdentifier"], 17)]
    assert second.client.post("/_admin/reset").status_code == 200
    third = World(b"", db)
    assert third.client.get("/_admin/state").get_json()["platform"]["lineitems"] == {}


def test_key_rotation_keeps_launches_verifying(bundle_bytes: bytes) -> None:
    world = World(bundle_bytes)  # own keys: rotating must not touch the shared ones
    umi = world.pupil()["userMasterIdentifier"]
    _claims(world, umi)  # the tool has cached the first key set
    old = [k["kid"] for k in world.client.get("/lti/jwks").get_json()["keys"]]
    rotated = world.client.post("/_admin/lti/rotate").get_json()
    assert rotated["kid"] not in old and set(old) < set(rotated["kids"])
    assert _claims(world, umi)["sub"] == umi  # signed with the new kid, re-fetched by the tool
