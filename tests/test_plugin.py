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
