"""renkei's pytest plugin (entry point ``pytest11: renkei``).

Adds the ``--renkei-profile`` option (ini key ``renkei_profile``), the ``scale`` marker, and
fixtures to check OneRoster bundles in any project's tests::

    def test_our_export_is_conformant(check_oneroster, tmp_path):
        result = check_oneroster(export_roster(tmp_path))
        assert result.exit_code == 0, result.findings
"""

from __future__ import annotations

import pytest

from harness.oneroster.checker import CheckResult, check_bundle
from harness.oneroster.schema import default_profile_id, profile_ids

PROFILE_KEY = pytest.StashKey[str]()


def _profile(value: str) -> str:
    if value not in profile_ids():
        raise pytest.UsageError(
            f"--renkei-profile: unknown profile {value!r}; choose one of {', '.join(profile_ids())}"
        )
    return value


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("renkei", "renkei conformance checks")
    group.addoption("--renkei-profile", dest="renkei_profile", default=None, metavar="PROFILE",
                    help="OneRoster profile the check_oneroster fixture uses "
                    f"(default: ini renkei_profile or {default_profile_id()})")
    parser.addini("renkei_profile", "default OneRoster profile for check_oneroster",
                  default=default_profile_id())


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scale: Tsukuba-scale runs (slow; own tox environment)")
    chosen = config.getoption("renkei_profile") or config.getini("renkei_profile")
    config.stash[PROFILE_KEY] = _profile(chosen)


@pytest.fixture(scope="session")
def renkei_profile(pytestconfig: pytest.Config) -> str:
    """The OneRoster profile chosen for this run."""
    return pytestconfig.stash[PROFILE_KEY]


@pytest.fixture
def check_oneroster(renkei_profile: str):
    """Check a bundle path against the run's profile and return the CheckResult."""

    def check(path, **kwargs) -> CheckResult:
        kwargs.setdefault("profile", renkei_profile)
        return check_bundle(path, **kwargs)

    return check
