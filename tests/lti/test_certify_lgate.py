"""``renkei certify lti-platform`` against the lgate mock (it is an LTI platform too), driven
by a launch trigger: lgate's own launch entry point for a pupil of the seeded city. lgate
must pass every case."""

from __future__ import annotations

import datetime
import json

from fixtures import build_bundle, generate_city, load_profile
from harness.cli.main import main
from harness.oneroster.writer import write_bundle
from mocks.lgate import create_app
from tests.loopback import free_port


def test_lgate_passes_every_case(tmp_path, serve):
    port = free_port()
    tool = f"http://127.0.0.1:{port}"
    srv = serve(lambda url: create_app({
        "DATABASE": ":memory:", "BASE_URL": url, "LTI_KEY_DIR": str(tmp_path / "lgate-keys"),
        "TOOLS": {"renkei": {"client_id": "renkei", "login_url": tool + "/login",
                             "redirect_uris": [tool + "/launch"], "jwks_url": tool + "/jwks",
                             "deep_link_url": tool + "/launch"}}}))
    city = generate_city(load_profile("small"), seed=7, as_of=datetime.date(2025, 5, 1))
    bundle = write_bundle(build_bundle(city), tmp_path / "RO_20250501_089901.zip")
    client = srv.app.test_client()
    assert client.post("/oneroster/bulk", data=bundle.read_bytes(),
                       content_type="application/zip").status_code == 200
    users = client.get("/_admin/state").get_json()["users"]
    umi = next(u for u in users if u["grades"] == ["P3"])["userMasterIdentifier"]
    toml = tmp_path / "platform.toml"
    toml.write_text(f"""
[platform]
issuer = "{srv.url}"
client_id = "renkei"
deployment_ids = ["renkei-1"]
auth_login_url = "{srv.url}/lti/auth"
auth_token_url = "{srv.url}/lti/token"
key_set_url = "{srv.url}/lti/jwks"
launch_url = "{srv.url}/launch?user={umi}&tool=renkei"
deep_link_url = "{srv.url}/launch?user={umi}&tool=renkei&type=deeplink"
""", encoding="utf-8")
    out = tmp_path / "lgate.json"
    code = main(["certify", "lti-platform", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s"), "--port", str(port), "--format", "json", "--output",
                 str(out)])
    doc = json.loads(out.read_text(encoding="utf-8"))
    verdicts = {k["case"]: k["verdict"] for k in doc["extra"]["cases"]}
    assert {k: v for k, v in verdicts.items() if v != "pass"} == {}
    assert code == 0, [f for f in doc["findings"] if f["severity"] == "ERROR"]
    assert {f["status"] for f in doc["extra"]["families"]} == {"tested, passed"}
