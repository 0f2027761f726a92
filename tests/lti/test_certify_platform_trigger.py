"""The launch trigger of ``certify lti-platform``: --help, bad settings, a launch_command,
and what the report says when there is no trigger (nothing untested may pass silently)."""

from __future__ import annotations

import json
import sys

import pytest

from harness.cli.main import main
from tests.loopback import free_port
from tests.lti.certifykit import write_platform_toml
from tests.lti.fixture_platform import create_fixture_platform, platform_toml


def run_json(tmp_path, toml_text, port):
    """``certify lti-platform`` with ``toml_text`` on ``port``: (exit code, JSON report)."""
    toml = tmp_path / "platform.toml"
    toml.write_text(toml_text, encoding="utf-8")
    out = tmp_path / "r.json"
    code = main(["certify", "lti-platform", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s"), "--port", str(port), "--format", "json", "--output",
                 str(out)])
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_help_names_the_trigger_and_the_default_port(capsys):
    with pytest.raises(SystemExit):
        main(["certify", "lti-platform", "--help"])
    out = capsys.readouterr().out
    assert "launch_url" in out and "deep_link_url" in out and "launch_command" in out
    assert "8731" in out


@pytest.mark.parametrize("line, message", [
    ('launch_url = "ftp://x"', "launch_url must be an http(s) URL"),
    ('launch_command = ""', "launch_command must be a non-empty string"),
    ('session = { headers = { X = 1 } }', "headers must be a table of strings"),
])
def test_bad_trigger_settings_are_clear_errors(tmp_path, capsys, line, message):
    toml = write_platform_toml(tmp_path / "platform.toml", "https://p.example",
                               "http://127.0.0.1:9")
    toml.write_text(toml.read_text().replace("[platform]\n", "[platform]\n" + line + "\n"))
    code = main(["certify", "lti-platform", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s"), "--port", str(free_port())])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_without_a_trigger_the_report_says_what_was_not_tested(tmp_path, serve, capsys):
    from harness.lti.platform_app import create_platform_app

    srv = serve(create_platform_app())
    toml = write_platform_toml(tmp_path / "platform.toml", "https://platform.renkei.example",
                               srv.url)
    out = tmp_path / "r.json"
    main(["certify", "lti-platform", "--config", str(toml), "--timeout", "0.3",
          "--state-dir", str(tmp_path / "s"), "--port", str(free_port()), "--format", "json",
          "--output", str(out)])
    doc = json.loads(out.read_text(encoding="utf-8"))
    fams = {f["family"]: f for f in doc["extra"]["families"]}
    assert {f["status"] for f in fams.values()} == {"not tested"}
    assert "no launch trigger" in fams["auth_request"]["why"]
    assert "no Deep Linking request" in fams["deep_linking"]["why"]
    assert "no services offered" in fams["services"]["why"]
    rules = {f["rule"]: f for f in doc["findings"]}
    assert "Deep Linking not tested" in rules["LT706"]["message_en"]
    assert "LT708" in rules
    not_run = [k for k in doc["extra"]["cases"] if k["verdict"] == "not run"]
    assert len([k for k in not_run if k["group"] == "auth_request"]) == 16


def test_launch_command_printing_a_url_drives_the_cases(tmp_path, serve):
    port = free_port()
    srv = serve(create_fixture_platform(f"http://127.0.0.1:{port}", hole="dl_no_nonce"))
    script = tmp_path / "launch.py"
    script.write_text(
        "import os\n"
        f"url = {srv.url + '/start'!r}\n"
        "print('starting a launch')\n"
        "print(url + ('?type=deeplink' if os.environ['RENKEI_LAUNCH_KIND'] == 'deep_link'"
        " else ''))\n", encoding="utf-8")
    text = platform_toml(srv.url)
    text = "\n".join(line for line in text.splitlines()
                     if not line.startswith(("launch_url", "deep_link_url")))
    text = text.replace("[platform]\n", f'[platform]\nlaunch_command = "{sys.executable} '
                        f'{script}"\n')
    code, doc = run_json(tmp_path, text, port)
    failed = {k["case"] for k in doc["extra"]["cases"] if k["verdict"] != "pass"}
    assert code == 1 and failed == {"dl_no_nonce"}


@pytest.mark.parametrize("with_session", [True, False])
def test_session_cookie_and_header_reach_the_trigger_urls(tmp_path, serve, with_session):
    port = free_port()
    srv = serve(create_fixture_platform(f"http://127.0.0.1:{port}",
                                        session={"cookie": "c-1", "header": "h-1"}))
    text = platform_toml(srv.url)
    if with_session:
        text = text.replace("[acceptance]", '[platform.session]\ncookies = { session = "c-1" }'
                            '\nheaders = { X-Session = "h-1" }\n\n[acceptance]')
    code, doc = run_json(tmp_path, text, port)
    verdicts = {k["verdict"] for k in doc["extra"]["cases"]}
    if with_session:
        assert code == 0 and verdicts == {"pass"}
    else:  # nothing launched: nothing passes, and the report says so
        assert code == 1 and "pass" not in verdicts
        assert {f["status"] for f in doc["extra"]["families"]} == {"not tested"}
        stopped = [f for f in doc["findings"] if f["rule"] == "LT703"]
        assert stopped and "HTTP 401" in stopped[0]["message_en"]


@pytest.mark.parametrize("hole", [None, "auth_scope_not_openid"])
def test_attacks_pass_through_a_single_sign_on_host(tmp_path, serve, hole):
    """A launch that crosses another host before the tool: the tampered requests still reach
    the platform (a walk stopped at the SSO host would pass every platform)."""
    from flask import Flask, redirect, request

    sso = Flask("sso")
    sso.add_url_rule("/pass", "pass", lambda: redirect(request.args["next"]))
    sso_srv = serve(sso)
    port = free_port()
    srv = serve(create_fixture_platform(f"http://127.0.0.1:{port}", hole=hole,
                                        sso_url=sso_srv.url))
    code, doc = run_json(tmp_path, platform_toml(srv.url), port)
    failed = {k["case"] for k in doc["extra"]["cases"] if k["verdict"] != "pass"}
    assert failed == ({hole} if hole else set())


def test_not_run_cases_are_skipped_in_junit_and_never_success_in_the_log(tmp_path, serve):
    import xml.etree.ElementTree as ET

    from harness.lti.platform_app import create_platform_app

    srv = serve(create_platform_app())
    toml = write_platform_toml(tmp_path / "platform.toml", "https://platform.renkei.example",
                               srv.url)
    for fmt in ("junit", "1edtech-log"):
        out = tmp_path / f"r.{fmt}"
        main(["certify", "lti-platform", "--config", str(toml), "--timeout", "0.2",
              "--state-dir", str(tmp_path / "s"), "--port", str(free_port()), "--format",
              fmt, "--output", str(out)])
        text = out.read_text(encoding="utf-8")
        if fmt == "junit":
            suite = ET.fromstring(text)
            skipped = {tc.get("name").split()[0] for tc in suite.iter("testcase")
                       if tc.find("skipped") is not None}
            assert "auth_nonce_reused" in skipped and "dl_no_aud" in skipped
            assert int(suite.get("skipped")) == len(skipped)
        else:
            row = next(line for line in text.splitlines()
                       if line.startswith("auth_nonce_reused,"))
            assert ",Not run," in row
