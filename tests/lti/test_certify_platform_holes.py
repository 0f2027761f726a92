"""``renkei certify lti-platform`` with a launch trigger, against a small platform written
apart from renkei's (tests/lti/fixture_platform.py): the strict platform passes every case;
a platform with one hole fails exactly the case named after that hole."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from harness.cli.main import main
from tests.loopback import free_port
from tests.lti.fixture_platform import HOLES, create_fixture_platform, platform_toml


def certify(tmp_path, serve, hole=None, fmt="json"):
    port = free_port()
    srv = serve(create_fixture_platform(f"http://127.0.0.1:{port}", hole=hole))
    toml = tmp_path / "platform.toml"
    toml.write_text(platform_toml(srv.url), encoding="utf-8")
    out = tmp_path / f"report.{fmt}"
    code = main(["certify", "lti-platform", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s"), "--port", str(port), "--format", fmt, "--output",
                 str(out)])
    return code, out.read_text(encoding="utf-8")


def verdicts(text):
    return {k["case"]: k["verdict"] for k in json.loads(text)["extra"]["cases"]}


def test_strict_platform_passes_every_case(tmp_path, serve):
    code, text = certify(tmp_path, serve)
    doc = json.loads(text)
    got = verdicts(text)
    assert {v for v in got.values()} == {"pass"}, {k: v for k, v in got.items() if v != "pass"}
    assert set(HOLES) <= set(got)
    assert code == 0, doc["findings"]
    assert {f["status"] for f in doc["extra"]["families"]} == {"tested, passed"}


@pytest.mark.parametrize("hole", HOLES)
def test_each_hole_fails_exactly_its_case(tmp_path, serve, hole):
    code, text = certify(tmp_path, serve, hole)
    failed = {k for k, v in verdicts(text).items() if v != "pass"}
    assert code == 1
    assert failed == {hole}


def test_junit_has_one_test_case_per_case(tmp_path, serve):
    code, text = certify(tmp_path, serve, "auth_redirect_other_host", fmt="junit")
    suite = ET.fromstring(text)
    names = [tc.get("name").split()[0] for tc in suite.iter("testcase")]
    assert {"auth_redirect_other_host", "dl_no_nonce", "svc_jti_replayed", "message-1"} \
        <= set(names)
    assert len(names) == len(set(names))
    failed = [tc for tc in suite.iter("testcase") if tc.find("failure") is not None]
    assert "auth_redirect_other_host" in {tc.get("name").split()[0] for tc in failed}
    text = "".join(tc.find("failure").text or "" for tc in failed)
    assert "attacker.example" in text  # the stolen token's destination is shown
