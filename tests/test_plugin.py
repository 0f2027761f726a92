"""renkei's pytest plugin, tested the way pytest tests plugins: with pytester."""

from __future__ import annotations

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


def _free_port_block(n: int = 6) -> int:
    """A base port with ``n`` free consecutive loopback ports after it."""
    import socket

    for base in range(20100, 40000, 97):
        socks = []
        try:
            for port in range(base, base + n):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port block")


def test_the_readme_example_lgate_launches_a_vendors_own_tool_live(pytester):
    """README: a vendor registers their own tool with lgate and has it launched, for real
    over loopback, with the city's pupils (--renkei-live)."""
    base = _free_port_block()
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
                "deployment_id": "renkei-1"}}}}}}}}
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
                    launched += 1
            assert launched >= 20
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--renkei-live",
                                           "--renkei-port-base", str(base))
    result.assert_outcomes(passed=1)


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
