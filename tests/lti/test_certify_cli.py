"""``renkei certify lti-tool`` and ``lti-platform`` over loopback HTTP."""

from __future__ import annotations

import json

import pytest

from harness.cli.main import main
from harness.lti.cases import all_cases
from harness.lti.tool_app import create_tool_app
from tests.loopback import free_port
from tests.lti.certifykit import (
    register_renkei_tool,
    start_certify,
    write_platform_toml,
    write_tool_toml,
)


def settings(capsys, toml, state_dir, port):
    assert main(["certify", "lti-tool", "--config", str(toml), "--state-dir", str(state_dir),
                 "--port", str(port), "--show-platform"]) == 0
    return json.loads(capsys.readouterr().out)


def test_show_platform_then_certify_renkeis_own_tool(tmp_path, capsys, serve):
    port = free_port()
    state_dir = tmp_path / "state"
    placeholder = write_tool_toml(tmp_path / "tool.toml", "http://127.0.0.1:9")
    shown = settings(capsys, placeholder, state_dir, port)
    assert shown["auth_login_url"] == f"http://127.0.0.1:{port}/auth"
    assert shown["public_jwk"]["kid"] and "d" not in shown["public_jwk"]
    assert settings(capsys, placeholder, state_dir, port) == shown  # keys persist

    srv = serve(lambda url: create_tool_app({"BASE_URL": url, "PLATFORMS": [{
        "issuer": shown["issuer"], "client_id": "cert-tool",
        "auth_login_url": shown["auth_login_url"], "auth_token_url": shown["auth_token_url"],
        "key_set_url": shown["key_set_url"], "deployment_ids": ["1"]}]}))
    toml = write_tool_toml(tmp_path / "tool.toml", srv.url)
    report = tmp_path / "report.json"
    code = main(["certify", "lti-tool", "--config", str(toml), "--state-dir", str(state_dir),
                 "--port", str(port), "--format", "json", "--output", str(report)])
    doc = json.loads(report.read_text(encoding="utf-8"))
    failed = [c for c in doc["extra"]["cases"] if not c["ok"]]
    assert code == 0, failed
    assert len(doc["extra"]["cases"]) == len(all_cases()) == 72 and doc["summary"]["passed"]


def lax_tool(shown_auth_url: str):
    """A tool that does the OIDC login but accepts whatever is posted to /launch."""
    from urllib.parse import urlencode

    from flask import Flask, redirect, request

    lax = Flask("lax")

    @lax.route("/login", methods=["GET", "POST"])
    def login():
        v = request.values
        return redirect(shown_auth_url + "?" + urlencode({
            "scope": "openid", "response_type": "id_token", "response_mode": "form_post",
            "prompt": "none", "client_id": "cert-tool", "redirect_uri": request.host_url +
            "launch", "login_hint": v["login_hint"], "state": "s", "nonce": "n",
            "lti_message_hint": v.get("lti_message_hint", "")}))

    @lax.post("/launch")
    def launch():
        return "hello"

    return lax


def test_a_tool_that_accepts_everything_fails_certification(tmp_path, capsys, serve):
    port = free_port()
    srv = serve(lax_tool(f"http://127.0.0.1:{port}/auth"))
    toml = write_tool_toml(tmp_path / "tool.toml", srv.url, marker="hello", jwks=False)
    code = main(["certify", "lti-tool", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s"), "--port", str(port), "--cases",
                 "good_student_plain,bad_no_kid,bad_alg_none,bad_no_exp,"
                 "bad_form_reposted_without_cookie"])
    out = capsys.readouterr().out
    assert code == 1
    assert "ok   good_student_plain" in out
    for case in ("bad_no_kid", "bad_alg_none", "bad_no_exp", "bad_form_reposted_without_cookie"):
        assert f"FAIL {case}" in out
    assert "LT701" in out


@pytest.mark.parametrize("content, message", [
    ("[tool\nclient_id=", "not valid TOML"),
    ("[tool]\nclient_id = 'x'\n", "'login_url' is required"),
    ("[tool]\nclient_id='x'\nlogin_url='http://127.0.0.1:9/l'\nredirect_uris=['u']\n"
     "target_link_uri='t'\n", "[acceptance] needs"),
])
def test_bad_config_is_a_usage_error_without_traceback(tmp_path, capsys, content, message):
    toml = tmp_path / "bad.toml"
    toml.write_text(content, encoding="utf-8")
    code = main(["certify", "lti-tool", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_unreachable_tool_is_a_clear_error(tmp_path, capsys):
    toml = write_tool_toml(tmp_path / "tool.toml", f"http://127.0.0.1:{free_port()}", jwks=False)
    code = main(["certify", "lti-tool", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s"), "--port", str(free_port()), "--cases", "bad_no_kid"])
    err = capsys.readouterr().err
    assert code == 2 and "did not answer" in err and "Traceback" not in err


def test_certify_platform_times_out_cleanly_without_stdin(tmp_path, capsys, serve, monkeypatch):
    from harness.lti.platform_app import create_platform_app

    monkeypatch.setattr("sys.stdin", None)
    srv = serve(create_platform_app())
    toml = write_platform_toml(tmp_path / "platform.toml", "https://platform.renkei.example",
                               srv.url)
    code = main(["certify", "lti-platform", "--config", str(toml), "--timeout", "0.5",
                 "--state-dir", str(tmp_path / "s"), "--port", str(free_port())])
    captured = capsys.readouterr()
    assert code == 1
    assert "/login" in captured.err and "Waiting" in captured.err
    assert "LT702" in captured.out


def test_certify_renkeis_platform_with_launches_and_services(tmp_path, capsys, serve):
    from harness.lti.browser import Browser, RequestsTransport
    from harness.lti.cases import CONTEXT, person
    from harness.lti.platform import LaunchSpec
    from harness.lti.platform_app import create_platform_app, set_base_url, state

    papp = create_platform_app()
    srv = serve(papp)
    set_base_url(papp, srv.url)
    st = state(papp)
    port = free_port()
    register_renkei_tool(papp, port)
    toml = write_platform_toml(tmp_path / "platform.toml", st.platform.issuer, srv.url)
    report = tmp_path / "platform.json"
    worker, result = start_certify([
        "certify", "lti-platform", "--config", str(toml), "--timeout", "20", "--messages", "2",
        "--state-dir", str(tmp_path / "s"), "--port", str(port), "--profile", "jp-eportal",
        "--format", "json", "--output", str(report)], port)
    for role in ("student", "instructor"):
        url, params = st.platform.initiate_login("renkei", LaunchSpec(person(role),
                                                                      context=dict(CONTEXT)))
        page = Browser(RequestsTransport()).go("POST", url, params)
        assert page.status == 200, page.text
    worker.join(30)
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert result["code"] == 0, doc["findings"]
    assert doc["extra"]["messages"] == 2
    # NRPS and AGS were called with separately scoped tokens: a score arrived
    assert sum(len(h) for item in st.services.scores.values() for h in item.values()) == 1
    granted = {scopes for _, scopes, _ in st.services.tokens.values()}
    assert len([s for s in granted if len(s) == 1]) >= 2
    services = {k["case"]: k["verdict"] for k in doc["extra"]["cases"]
                if k["group"] == "services"}
    assert services["svc_nrps"] == services["svc_ags"] == "pass"
    # the misuse cases ran and were refused
    assert services["svc_jti_replayed"] == services["svc_assertion_expired"] == "pass"


def test_certify_platform_flags_whitespace_in_claims(tmp_path):
    from harness.core import FindingCollector
    from harness.lti.checks import check_whitespace
    from harness.lti.rules import REGISTRY

    out = FindingCollector(REGISTRY)
    check_whitespace({"given_name": "太郎 ", "https://x/claim/custom": {"grade": " P3"}}, out,
                     case="m")
    assert [(f.rule, f.value) for f in out.findings] == [("LT218", "'太郎 '"),
                                                          ("LT218", "' P3'")]


def test_a_wrongly_typed_key_is_named_with_its_line(tmp_path, capsys):
    toml = tmp_path / "tool.toml"
    toml.write_text("[tool]\nclient_id = 'x'\nlogin_url = 'http://127.0.0.1:9/l'\n"
                    "redirect_uris = 'http://127.0.0.1:9/launch'\n", encoding="utf-8")
    code = main(["certify", "lti-tool", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s")])
    err = capsys.readouterr().err
    assert code == 2 and f"{toml}:4: [tool] 'redirect_uris' is required (list)" in err


def test_a_baseline_turns_the_lax_tools_known_failures_into_xfail(tmp_path, capsys, serve):
    port = free_port()
    srv = serve(lax_tool(f"http://127.0.0.1:{port}/auth"))
    toml = write_tool_toml(tmp_path / "tool.toml", srv.url, marker="hello", jwks=False)
    base = ["certify", "lti-tool", "--config", str(toml), "--state-dir", str(tmp_path / "s"),
            "--port", str(port), "--cases", "good_student_plain,bad_no_kid,bad_alg_none"]
    known = tmp_path / "known.toml"
    assert main([*base, "--write-baseline", str(known)]) == 1
    capsys.readouterr()
    written = known.read_text(encoding="utf-8")
    assert 'case = "bad_no_kid"' in written and "good_student_plain" not in written
    assert main([*base, "--baseline", str(known)]) == 0
    out = capsys.readouterr().out
    assert "XFAIL case bad_no_kid" in out and "XFAIL case bad_alg_none" in out
    assert "  XFAIL bad_no_kid" in out and "  ok   good_student_plain" in out  # the table
    # the table's count is of the rows as the baseline left them: one right, two expected
    assert "1/3 cases as the certification guide requires; 2 failing as the baseline " \
        "expects (XFAIL)\n" in out
    # a listed case that passes is an XPASS with a prompt; still exit 0
    known.write_text(written + '[[expected]]\ncase = "good_student_plain"\nreason = "r"\n',
                     encoding="utf-8")
    junit = tmp_path / "r.xml"
    assert main([*base, "--baseline", str(known), "--format", "junit", "-o", str(junit)]) == 0
    doc = junit.read_text(encoding="utf-8")
    assert doc.count("<skipped") == 2 and "XPASS case good_student_plain" in doc
    # one listed case fewer: its failure fails the run again
    known.write_text(written.split("[[expected]]")[0] + "[[expected]]" +
                     written.split("[[expected]]")[1], encoding="utf-8")
    assert main([*base, "--baseline", str(known)]) == 1


@pytest.mark.parametrize("content, message", [
    ('[[expected]]\ncase = "no_such_case"\nreason = "r"\n', "unknown case 'no_such_case'"),
    ('[[expected]]\nrule = "LT999"\nreason = "r"\n', "unknown rule 'LT999'"),
    ("[[expected]\n", "not valid TOML"),
])
def test_a_bad_baseline_exits_2_before_anything_runs(tmp_path, capsys, content, message):
    known = tmp_path / "known.toml"
    known.write_text(content, encoding="utf-8")
    toml = write_tool_toml(tmp_path / "tool.toml", f"http://127.0.0.1:{free_port()}", jwks=False)
    code = main(["certify", "lti-tool", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s"), "--port", str(free_port()), "--baseline", str(known)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err


def test_a_platform_baseline_accepts_a_rule_and_runtime_case_ids(tmp_path, capsys, serve,
                                                                  monkeypatch):
    from harness.lti.platform_app import create_platform_app

    monkeypatch.setattr("sys.stdin", None)
    srv = serve(create_platform_app())
    toml = write_platform_toml(tmp_path / "platform.toml", "https://platform.renkei.example",
                               srv.url)
    known = tmp_path / "known.toml"
    known.write_text('command = "certify lti-platform"\n[[expected]]\nrule = "LT702"\n'
                     'reason = "we launch by hand"\n[[expected]]\ncase = "message-1"\n'
                     'reason = "no launch yet"\n', encoding="utf-8")
    code = main(["certify", "lti-platform", "--config", str(toml), "--timeout", "0.5",
                 "--state-dir", str(tmp_path / "s"), "--port", str(free_port()),
                 "--baseline", str(known)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "XFAIL LT702: we launch by hand" in out and "XPASS case message-1" in out
