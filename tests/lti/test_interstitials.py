"""Interstitial pages in front of a tool's OIDC login: understood, or the case is "not
reached" (never a pass, never a rejection)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from pylti1p3.cookies_allowed_check import CookiesAllowedCheckPage

from harness.cli.main import main
from harness.lti.browser import Page
from harness.lti.cases import bad_cases
from harness.lti.interstitials import understand
from harness.lti.runner import CaseResult, judge
from tests.loopback import free_port
from tests.lti.certifykit import write_tool_toml

LOGIN = "http://tool.test/lti/login"


def page(text: str, url: str = LOGIN) -> Page:
    return Page("POST", url, 200, {}, text)


def test_pylti1p3_cookie_check_reloads_the_login_with_new_window():
    params = {"lti1p3_new_window": "1", "iss": "https://p.example", "login_hint": "u&1",
              "target_link_uri": "http://tool.test/launch", "lti_message_hint": "h<x>"}
    html = CookiesAllowedCheckPage(params, "http", "main", "click", "loading").get_html()
    step = understand(page(html))
    assert step is not None and step.kind == "pylti1p3 cookie check"
    parts = urlsplit(step.url)
    assert parts.netloc == "tool.test" and parts.path == "/lti/login"
    got = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert got == params  # HTML escapes undone, every value URL-encoded once


def test_pylti1p3_cookie_check_keeps_the_query_of_a_get_login():
    params = {"lti1p3_new_window": "1", "iss": "https://p.example", "login_hint": "u"}
    html = CookiesAllowedCheckPage(params, "http", "m", "c", "l").get_html()
    step = understand(page(html, LOGIN + "?iss=https%3A%2F%2Fp.example&login_hint=u"))
    assert step is not None
    assert step.url == LOGIN + "?iss=https%3A%2F%2Fp.example&login_hint=u&lti1p3_new_window=1"


# the shape of the LTI 1.3 PHP library's hybrid redirect (its 302 cookie comes by Set-Cookie)
PHP_HYBRID = """
<a id="try-again" target="_blank">If you are not automatically redirected, click here</a>
<script>
document.getElementById('try-again').href=window.location.href;
var canAccessCookies = function() { return document.cookie.indexOf('LTI_302_Redirect') !== -1; };
if (canAccessCookies()) {
    window.location = 'https://platform.example/auth?scope=openid&state=s1';
} else {
    window.open(document.getElementById('try-again').href, '_blank');
}
</script>"""


@pytest.mark.parametrize("html, kind, url", [
    (PHP_HYBRID, "script redirect", "https://platform.example/auth?scope=openid&state=s1"),
    ('<script type="text/javascript">window.location="https://p.example/auth?a=1&b=2";'
     "</script>", "script redirect", "https://p.example/auth?a=1&b=2"),
    ("<script>location.replace('\\/auth?x=\\u0026y')</script>", "script redirect",
     "http://tool.test/auth?x=&y"),
    ('<html><head><meta http-equiv="Refresh" content="0; URL=/next?a=1&amp;b=2"></head></html>',
     "meta refresh", "http://tool.test/next?a=1&b=2"),
])
def test_known_redirect_pages_are_followed(html, kind, url):
    step = understand(page(html))
    assert step is not None and (step.kind, step.url) == (kind, url)


@pytest.mark.parametrize("html", [
    "<script>var u = atob('aHR0cDovL3AvYXV0aA=='); window.location = u;</script>",
    "<script>if (a) { location.href = '/a'; } else { location.href = '/b'; }</script>",
    "<p>Please enable cookies and try again.</p>",
    '{"accepted": true}',
])
def test_pages_renkei_cannot_read_are_not_guessed(html):
    assert understand(page(html)) is None


def test_not_reached_is_neither_a_pass_nor_a_rejection():
    case = next(k for k in bad_cases() if k.id == "bad_no_kid")
    r = CaseResult(case, None, 200, "stopped", reached=False, stopped_at="POST /login")
    assert not r.ok and r.observed == "not reached"
    assert r.as_dict()["verdict"] == "not reached"
    assert [f.rule for f in judge([r]).findings] == ["LT703"]


def opaque_interstitial_tool() -> Flask:
    app = Flask("opaque")

    @app.route("/login", methods=["GET", "POST"])
    def login():  # a cookie check renkei does not know: the target is computed at run time
        return ("<html><body><p>Checking your browser…</p><script>"
                "var t = atob('L2xvZ2luMg=='); setTimeout(function(){ window.location = t +"
                " window.location.search; }, 10);</script></body></html>")

    return app


def test_tool_behind_an_unknown_interstitial_is_not_reached(tmp_path, capsys, serve):
    srv = serve(opaque_interstitial_tool())
    toml = write_tool_toml(tmp_path / "tool.toml", srv.url, marker="Welcome", jwks=False)
    ids = "good_student_plain,good_instructor_plain,bad_no_kid,bad_alg_none"
    report = tmp_path / "r.json"
    code = main(["certify", "lti-tool", "--config", str(toml), "--state-dir",
                 str(tmp_path / "s"), "--port", str(free_port()), "--cases", ids,
                 "--format", "json", "-o", str(report)])
    doc = json.loads(report.read_text(encoding="utf-8"))
    cases = doc["extra"]["cases"]
    assert code == 1
    assert [c["observed"] for c in cases] == ["not reached"] * 4
    assert not any(c["ok"] for c in cases)
    assert all("/login" in c["stopped_at"] and "Checking your browser" in c["stopped_at"]
               for c in cases)
    rules = [f["rule"] for f in doc["findings"]]
    assert rules == ["LT703"] * 4  # no LT700 "rejected a valid launch", no LT701


def test_junit_has_one_testcase_per_certification_case(tmp_path, serve):
    srv = serve(opaque_interstitial_tool())
    toml = write_tool_toml(tmp_path / "tool.toml", srv.url, marker="Welcome", jwks=False)
    out = tmp_path / "r.xml"
    main(["certify", "lti-tool", "--config", str(toml), "--state-dir", str(tmp_path / "s"),
          "--port", str(free_port()), "--cases", "good_student_plain,bad_no_kid",
          "--format", "junit", "-o", str(out)])
    suite = ET.fromstring(out.read_text(encoding="utf-8"))
    cases = list(suite.iter("testcase"))
    assert [tc.get("name").split()[0] for tc in cases] == ["good_student_plain", "bad_no_kid"]
    assert all(tc.find("error") is not None for tc in cases)  # not reached: nothing tested
    assert suite.get("errors") == "2" and suite.get("tests") == "2"


def test_a_tool_that_drops_the_launch_connection_was_reached(pair):
    from harness.lti.http import HttpError
    from harness.lti.runner import Acceptance, run_case
    from tests.lti.conftest import CLIENT_ID, T

    class Dropping:
        def __init__(self) -> None:
            self.inner = pair.transport()

        def send(self, method, url, data):
            if method == "POST" and url.startswith(T + "/launch"):
                raise HttpError(f"{method} {url} failed: ConnectionError")
            return self.inner.send(method, url, data)

    good = next(k for k in bad_cases() if k.id == "bad_no_kid")
    r = run_case(good, pair.platform, CLIENT_ID, Dropping, Acceptance(status=200))
    assert r.reached and r.observed == "reject" and "no answer to the launch" in r.detail
