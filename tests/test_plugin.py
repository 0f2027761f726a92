"""renkei's pytest plugin, tested the way pytest tests plugins: with pytester."""

from __future__ import annotations

from typing import Any

# Imported before any in-process pytester run: its sys.modules snapshot would otherwise drop
# cryptography's Python modules that a run imported first, and a later import makes new
# classes that cryptography's Rust core (which caches the first ones) refuses ("Encryption
# algorithm must be a KeySerializationEncryption instance").
import harness.lti.keys  # noqa: F401
from tests.loopback import free_port_block

pytest_plugins = ["pytester"]


def test_check_oneroster_fixture_checks_with_the_chosen_profile(pytester):
    pytester.makepyfile(
        """
        from harness.oneroster import write_bundle
        from harness.oneroster.testset.base import sample_bundle

        def test_sample(check_oneroster, renkei_profile, tmp_path):
            assert renkei_profile == "or-1.2.1"
            path = write_bundle(sample_bundle(renkei_profile), tmp_path / "b.zip")
            result = check_oneroster(path)
            assert result.report.profile == "or-1.2.1"
            assert result.exit_code == 0
        """
    )
    result = pytester.runpytest("--renkei-profile", "or-1.2.1", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_profile_from_ini(pytester):
    pytester.makeini("[pytest]\nrenkei_profile = jp-k12-v1\n")
    pytester.makepyfile("def test_p(renkei_profile):\n    assert renkei_profile == 'jp-k12-v1'\n")
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_unknown_profile_is_a_usage_error(pytester):
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("--renkei-profile", "jp-9", "-p", "no:cacheprovider")
    assert result.ret == 4  # pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*unknown profile 'jp-9'*jp-eportal-v4*"])


def test_scale_marker_is_registered(pytester):
    result = pytester.runpytest("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["@pytest.mark.scale:*"])


# --- the synthetic city, the vendor systems and the scenarios -------------------------------

def test_scenario_and_browser_markers_are_registered(pytester):
    result = pytester.runpytest("--markers", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(["@pytest.mark.scenario(*names):*", "@pytest.mark.browser:*"])


def test_bad_scale_and_seed_are_usage_errors(pytester):
    pytester.makepyfile("def test_x():\n    pass\n")
    result = pytester.runpytest("--renkei-scale", "village", "-p", "no:cacheprovider")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*unknown scale 'village'*small*tsukuba*"])
    result = pytester.runpytest("--renkei-seed", "abc", "-p", "no:cacheprovider")
    assert result.ret == 4
    result.stderr.fnmatch_lines(["*--renkei-seed: not a whole number*"])


def test_scenario_marker_makes_one_test_per_step(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.scenario("holds", "truncated-export")
        def test_scenario(scenario_step):
            assert scenario_step.passed
        """
    )
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines([
        "*test_scenario?holds/seed?", "*test_scenario?holds/passwords?",
        "*test_scenario?holds/first-run?", "*test_scenario?truncated-export/guarded?",
    ])
    result.stdout.fnmatch_lines(["*10 tests collected*"])


def test_unknown_scenario_in_the_marker_is_a_usage_error(pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.scenario("no-such-story")
        def test_scenario(scenario_step):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret in (2, 4)
    result.stdout.fnmatch_lines(["*unknown scenario*no-such-story*enrolment*"])


def test_junit_has_one_test_case_per_scenario_step(pytester):
    import xml.etree.ElementTree as ET

    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.scenario("holds")
        def test_scenario(scenario_step):
            assert scenario_step.passed, scenario_step.explain()
        """
    )
    result = pytester.runpytest("--junitxml=out.xml", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)
    cases = ET.parse(pytester.path / "out.xml").getroot().iter("testcase")
    assert [c.get("name") for c in cases] == [
        "test_scenario[holds/seed]", "test_scenario[holds/passwords]",
        "test_scenario[holds/first-run]"]


def test_a_vendor_tests_their_tool_with_the_citys_pupils(pytester):
    pytester.makepyfile(
        """
        def test_every_elementary_pupil_reaches_tsubasa_book(vendors, pipeline, launch, city):
            run = pipeline.run()
            assert run.exit_code in (0, 1), run.error
            pupils = [s for s in city.students.values() if s.grade.startswith("P")][:3]
            for pupil in pupils:
                outcome = launch(pupil.umi, "tsubasa_book")
                assert outcome.ok, outcome.reason
            refused = launch(pupils[0].umi, "mirai_school")   # junior high only
            assert not refused.ok and "P" in refused.reason
        """
    )
    # In a subprocess: the mocks' key loading and cryptography do not survive pytester's
    # in-process module snapshot.
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_lgate_launches_a_vendors_own_tool_live_with_the_launch_fixture(pytester):
    """A vendor registers their own tool (the LTI kit's) with lgate and has it launched, for
    real over loopback, with the city's pupils (--renkei-live), judged by its acceptance."""
    base = free_port_block()
    pytester.makeconftest(
        f"""
        import threading

        import pytest
        from werkzeug.serving import make_server

        from harness.lti.tool_app import create_tool_app

        LGATE = "http://127.0.0.1:{base + 1}"


        @pytest.fixture(scope="session")
        def our_tool():
            app = create_tool_app({{
                "BASE_URL": "http://127.0.0.1:0",
                "PLATFORMS": [{{"issuer": LGATE, "client_id": "our-tool",
                               "auth_login_url": LGATE + "/lti/auth",
                               "key_set_url": LGATE + "/lti/jwks",
                               "deployment_ids": ["renkei-1"]}}]}})
            server = make_server("127.0.0.1", 0, app, threaded=True)
            url = f"http://127.0.0.1:{{server.server_port}}"
            app.config["BASE_URL"] = url
            from harness.lti.tool_app import tool
            tool(app).redirect_uri = url + "/launch"
            threading.Thread(target=server.serve_forever, daemon=True).start()
            yield url
            server.shutdown()


        @pytest.fixture
        def renkei_vendor_config(our_tool):
            return {{"lgate": {{"TOOLS": {{"our_tool": {{
                "login_url": our_tool + "/login", "redirect_uris": [our_tool + "/launch"],
                "jwks_url": our_tool + "/jwks", "client_id": "our-tool",
                "deployment_id": "renkei-1",
                "acceptance": {{"status": 200, "marker": "renkei-launch-accepted"}}}}}}}}}}
        """
    )
    pytester.makepyfile(
        """
        def test_every_pupil_launches(vendors, pipeline, launch, city):
            run = pipeline.run()
            launched = 0
            for pupil in list(city.students.values())[:25]:
                if pupil.umi not in run.held:
                    outcome = launch(pupil.umi, "our_tool")
                    assert outcome.ok, outcome.reason
                    assert outcome.judged == "acceptance" and outcome.step == "launch"
                    launched += 1
            assert launched >= 20
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--renkei-live",
                                           "--renkei-port-base", str(base))
    result.assert_outcomes(passed=1)


# --- a vendor's own tool: misconfiguration says its cause (issue 21) -----------------------

OWN_TOOL_CONFTEST = """
import pytest

@pytest.fixture
def renkei_vendor_config():
    return {"lgate": {"TOOLS": {"our_tool": {
        "login_url": "http://127.0.0.1:9/init/", "redirect_uris": ["http://127.0.0.1:9/launch/"],
        "jwks_url": "http://127.0.0.1:9/jwks", "client_id": "our-tool"}}}}
"""


def test_an_own_tool_without_live_fails_at_setup_naming_the_option(pytester):
    pytester.makeconftest(OWN_TOOL_CONFTEST)
    pytester.makepyfile("def test_x(vendors):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*renkei: your tool our_tool (lgate's TOOLS) is outside this process, so the mocks "
        "must be real servers: add --renkei-live --renkei-port-base N*"])
    result.stdout.no_fnmatch_line("*Traceback*")


def test_an_own_tool_without_a_fixed_port_base_fails_at_setup_naming_the_option(pytester):
    pytester.makeconftest(OWN_TOOL_CONFTEST)
    pytester.makepyfile("def test_x(vendors):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--renkei-live")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        "*renkei: your tool our_tool knows lgate by the issuer it registered, and without a "
        "fixed port base lgate's URL changes every run: add --renkei-port-base N*"])


def test_a_port_in_use_names_the_pytest_option(pytester):
    import socket

    base = free_port_block()
    pytester.makeconftest(OWN_TOOL_CONFTEST)
    pytester.makepyfile("def test_x(vendors):\n    pass\n")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", base + 1))
        busy.listen()
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--renkei-live",
                                               "--renkei-port-base", str(base))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([
        f"*renkei: cannot serve the live mocks: lgate: port {base + 1} on 127.0.0.1 is already "
        "in use. Stop what uses it or run with another --renkei-port-base*"])
    result.stdout.no_fnmatch_line("*--port NAME=PORT*")


# --- one result per pupil (issue 21) ---------------------------------------------------------

def test_launch_all_gives_one_junit_case_per_pupil_and_a_summary(pytester):
    import xml.etree.ElementTree as ET

    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.launch_all("tsubasa_book", grades=["P1"])
        def test_pupil(pupil_launch):
            assert pupil_launch.ok, pupil_launch.reason

        @pytest.mark.launch_all("mirai_school", grades=["P2"])   # junior high only: refused
        def test_refused(pupil_launch):
            assert pupil_launch.ok, pupil_launch.reason
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--junitxml=out.xml")
    from fixtures import generate_city, load_profile
    from harness.pytest_plugin import AS_OF

    city = generate_city(load_profile("small"), 1, as_of=AS_OF)
    p1 = [s for s in city.students.values() if s.grade == "P1"]
    p2 = [s for s in city.students.values() if s.grade == "P2"]
    result.assert_outcomes(passed=len(p1), failed=len(p2))
    cases = list(ET.parse(pytester.path / "out.xml").getroot().iter("testcase"))
    names = {c.get("name") for c in cases}
    assert {f"test_pupil[tsubasa_book/{s.school}/{s.umi}]" for s in p1} <= names
    assert len(cases) == len(p1) + len(p2)
    first = next(c for c in cases if c.get("name").startswith("test_refused"))
    props = {p.get("name"): p.get("value") for p in first.iter("property")}
    assert props["renkei.result"] == "rejected" and props["renkei.status"] == "403"
    result.stdout.fnmatch_lines([
        "*= renkei launches =*",
        f"{len(p1) + len(p2)} pupils: {len(p1) + len(p2)} launched, {len(p1)} accepted, "
        f"{len(p2)} rejected, 0 held",
        "rejected, by reason:",
        f"*{len(p2):>5}  the tool answered HTTP 403 at http://mirai-school.test/lti/launch "
        "(at the tool's launch, after its login step)*学年 P2 には提供していません*",
    ])


def test_pupil_launch_without_the_marker_is_a_usage_error(pytester):
    pytester.makepyfile("def test_x(pupil_launch):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*pupil_launch needs @pytest.mark.launch_all(*"])


def test_the_summary_groups_reasons_whatever_the_pupil():
    from types import SimpleNamespace

    from harness.pytest_world import LaunchTally

    tally = LaunchTally()
    rows = [("umi-1", "accepted", "", "status only"),
            ("umi-2", "rejected", "HTTP 500 for umi-2", ""),
            ("umi-3", "rejected", "HTTP 500 for umi-3", ""),
            ("umi-4", "held", "PL301 no password", "")]
    for umi, result, reason, judged in rows:
        props = [("renkei.pupil", umi), ("renkei.result", result), ("renkei.reason", reason),
                 ("renkei.judged", judged)]
        tally.pytest_runtest_logreport(SimpleNamespace(nodeid=umi, user_properties=props))
    lines = tally.lines()
    assert lines[0] == "4 pupils: 3 launched, 1 accepted, 2 rejected, 1 held"
    assert "      2  HTTP 500 for <pupil>" in lines
    assert "      1  PL301 no password" in lines
    assert lines[-1].startswith("note: only the HTTP status could be seen")


# --- xdist in live mode: one world for every worker (issue 21) ------------------------------

def _kit_tool(lgate: str) -> tuple[object, Any]:
    """The LTI kit's own tool on a free loopback port, registered with ``lgate`` as issuer
    (as a vendor registers their tool with lgate's platform settings)."""
    from harness.lti.tool_app import create_tool_app, tool
    from tests.loopback import Server

    app = create_tool_app({"BASE_URL": "http://127.0.0.1:0", "PLATFORMS": [{
        "issuer": lgate, "client_id": "our-tool", "auth_login_url": lgate + "/lti/auth",
        "key_set_url": lgate + "/lti/jwks", "deployment_ids": ["renkei-1"]}]})
    server = Server(app)
    app.config["BASE_URL"] = server.url
    tool(app).redirect_uri = server.url + "/launch"
    return server, app


def test_xdist_live_workers_share_one_world_and_launch_every_pupil_once(pytester):
    import collections

    import requests

    from fixtures import generate_city, load_profile
    from harness.pytest_plugin import AS_OF

    base = free_port_block()
    server, _ = _kit_tool(f"http://127.0.0.1:{base + 1}")
    try:
        pytester.makeconftest(f"""
            import pytest

            TOOL = "{server.url}"

            @pytest.fixture(scope="session")
            def renkei_vendor_config():
                return {{"lgate": {{"TOOLS": {{"our_tool": {{
                    "login_url": TOOL + "/login", "redirect_uris": [TOOL + "/launch"],
                    "jwks_url": TOOL + "/jwks", "client_id": "our-tool",
                    "acceptance": {{"status": 200, "marker": "renkei-launch-accepted"}}}}}}}}}}
            """)
        for name, grade in (("test_elementary", "P"), ("test_junior", "J")):
            pytester.makepyfile(**{name: f"""
                import os

                import pytest

                @pytest.mark.launch_all("our_tool", grades=["{grade}"])
                def test_pupil(pupil_launch):
                    assert pupil_launch.ok, pupil_launch.reason
                    assert pupil_launch.judged == "acceptance"
                    with open("{pytester.path}/workers.txt", "a") as f:
                        f.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
                """})
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                               "--renkei-live", "--renkei-port-base", str(base))
        launches = requests.get(server.url + "/inspect", timeout=10).json()["launches"]
    finally:
        server.stop()
    city = generate_city(load_profile("small"), 1, as_of=AS_OF)
    pupils = {s.umi for s in city.students.values()}
    result.assert_outcomes(passed=len(pupils))
    result.stdout.fnmatch_lines([f"{len(pupils)} pupils: {len(pupils)} launched, "
                                 f"{len(pupils)} accepted, 0 rejected, 0 held"])
    assert result.stdout.str().count("= renkei launches =") == 1  # the controller's alone
    subs = collections.Counter(rec["sub"] for rec in launches
                               if rec.get("step") == "launch" and rec.get("accepted"))
    assert set(subs) == pupils and set(subs.values()) == {1}  # every pupil, once, one issuer
    # both workers launched: one into the servers it started, one attached to them
    workers = (pytester.path / "workers.txt").read_text().split()
    assert set(workers) == {"gw0", "gw1"} and len(workers) == len(pupils)


def test_a_live_worker_that_never_launches_does_not_keep_the_session_waiting(pytester):
    base = free_port_block()
    pytester.makepyfile(
        test_launches="""
            import pytest

            @pytest.mark.launch_all("tsubasa_book", grades=["P1"])
            def test_pupil(pupil_launch):
                assert pupil_launch.ok, pupil_launch.reason
            """,
        test_other="""
            import pytest

            @pytest.mark.parametrize("n", range(5))
            def test_plain(n):
                assert n < 5
            """)
    # loadfile: one worker gets the launches and serves the world, the other never attaches;
    # the first must still stop once the second is done (a hang would hit the timeout)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2",
                                           "--dist", "loadfile", "--renkei-live",
                                           "--renkei-port-base", str(base), timeout=300)
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*pupils: * launched, * accepted, 0 rejected, 0 held"])


def test_the_vendors_fixture_under_xdist_live_names_what_to_use_instead(pytester):
    pytester.makepyfile("def test_x(vendors):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", "--renkei-live",
                                           "--renkei-port-base", str(free_port_block()))
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*xdist workers would all bind the ports of "
                                 "--renkei-port-base: under -n, launch with "
                                 "@pytest.mark.launch_all*"])


# --- the README's vendor example, as written (issue 21) --------------------------------------

def _readme_example() -> dict[str, str]:
    """The README's vendor section: its conftest, its test, the registration and commands."""
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    section = text[text.index("### Test your own system"):text.index("## Layout")]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    python = next(body for lang, body in blocks if lang == "python")
    conftest, test = python.split("# test_our_tool.py\n")
    commands = [body.strip() for lang, body in blocks if lang == "sh"]
    return {"conftest": conftest, "test": test,
            "registration": next(body for lang, body in blocks if lang == "json"),
            "settings": next(c for c in commands if c.startswith("renkei ")),
            "pytest": next(c for c in commands if c.startswith("pytest "))}


def test_the_readme_vendor_example_works_as_written(pytester, capsys):
    """The README's registration, conftest, test and command, with only its ports moved to
    free ones (8100 → a free base, 9001 → the tool's port), against a PyLTI1p3 tool."""
    import json
    import shlex
    import tomllib

    from werkzeug.exceptions import NotFound
    from werkzeug.middleware.dispatcher import DispatcherMiddleware

    from harness.cli.main import main
    from tests.loopback import Server
    from tests.lti.pylti_tool import create_pylti_tool

    example = _readme_example()
    base = free_port_block()

    def moved(text: str, tool: str = "http://127.0.0.1:9001") -> str:
        return (text.replace("8101", str(base + 1)).replace("8100", str(base))
                .replace("http://127.0.0.1:9001", tool))

    # the tool, registered with lgate exactly as the README's worked registration says
    [(issuer, [registration])] = json.loads(moved(example["registration"])).items()
    server = Server(lambda url: DispatcherMiddleware(NotFound(), {"/lti": create_pylti_tool(
        issuer=issuer, client_id=registration["client_id"],
        auth_login_url=registration["auth_login_url"],
        auth_token_url=registration["auth_token_url"],
        key_set_url=registration["key_set_url"],
        deployment_ids=registration["deployment_ids"], base_url=url + "/lti",
        accepted_page="LAUNCH-OK")}))
    registration["issuer"] = issuer
    try:
        # the registration the README shows is what platform-settings prints
        assert main(shlex.split(moved(example["settings"]))[1:]) == 0
        printed = tomllib.loads(capsys.readouterr().out)["platform"]
        for key in ("issuer", "auth_login_url", "auth_token_url", "key_set_url"):
            assert printed[key] == registration[key], key
        pytester.makeconftest(moved(example["conftest"], server.url))
        pytester.makepyfile(test_our_tool=example["test"])
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider",
                                               *shlex.split(moved(example["pytest"]))[1:])
    finally:
        server.stop()
    result.stdout.fnmatch_lines(["*= renkei launches =*",
                                 "435 pupils: 435 launched, 435 accepted, 0 rejected, 0 held"])
    assert result.ret == 0
    assert (pytester.path / "launches.xml").exists()


def test_the_guide_quotes_the_mistakes_messages_exactly():
    """docs/test-your-tool.md's three commonest mistakes (and the port in use), as the code
    says them."""
    from pathlib import Path

    from harness.pytest_plugin import misconfiguration, serve_failure
    from scenarios.launches import refusal_reason

    guide = (Path(__file__).resolve().parent.parent / "docs" / "test-your-tool.md").read_text()
    config = {"lgate": {"TOOLS": {"our_tool": {}}}}
    assert misconfiguration(config, live=False, port_base=0) in guide
    assert misconfiguration(config, live=True, port_base=0) in guide
    assert refusal_reason(500, "http://127.0.0.1:9001/lti/login?iss=x", "login",
                          "Server Error", None, "http://127.0.0.1:9101", False) in guide
    assert serve_failure("lgate: port 8101 on 127.0.0.1 is already in use; stop what uses it "
                         "or choose another with --port lgate=PORT or --port-base") in guide


def test_renkei_tls_serves_the_vendors_over_https_and_the_pipeline_trusts_the_ca(pytester):
    pytester.makepyfile(
        """
        def test_https(vendors, pipeline):
            assert all(url.startswith("https://127.0.0.1:") for url in vendors.urls.values())
            assert vendors.ca_file is not None and vendors.ca_file.name == "ca.pem"
            run = pipeline.run()
            assert run.exit_code in (0, 1), run.error
            assert vendors.call("m365", "GET", "/_admin/state")["users"]
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider", "--renkei-live",
                                  "--renkei-tls").assert_outcomes(passed=1)
