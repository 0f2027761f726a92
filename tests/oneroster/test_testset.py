"""The conformance test set: every bundle raises exactly the rule ids it names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.oneroster import REGISTRY, check_bundle, profile_ids
from harness.oneroster.testset import CASES, cases_for, write_case, write_testset
from harness.oneroster.testset.cases import UNCASED

PROFILES = profile_ids()


PAIRS = [(case, profile) for profile in PROFILES for case in cases_for(profile)]


@pytest.mark.parametrize(("case", "profile"), PAIRS, ids=[f"{p}-{c.id}" for c, p in PAIRS])
def test_case_raises_exactly_its_rules(case, profile, tmp_path):
    bundle = write_case(case, profile, tmp_path)
    result = check_bundle(bundle, profile=profile)
    assert sorted(result.rule_ids()) == list(case.expected_for(profile))


@pytest.mark.parametrize("profile", PROFILES)
def test_valid_cases_pass_and_invalid_ones_fail(profile, tmp_path):
    for case in cases_for(profile):
        result = check_bundle(write_case(case, profile, tmp_path), profile=profile)
        if case.valid:
            assert result.exit_code == 0, case.id
        elif any(REGISTRY[r].severity.name == "ERROR" for r in case.expected_for(profile)):
            assert result.exit_code in (1, 2), case.id


def test_every_active_rule_has_a_failing_case():
    covered = {rule for case in CASES for rule in case.expected}
    missing = [r.id for r in REGISTRY.active() if r.id not in covered]
    assert missing == sorted(UNCASED)
    assert all(REGISTRY[r].family == "importer practice" for r in UNCASED)


def test_testset_covers_every_family():
    families = {case.family for case in CASES}
    assert set(REGISTRY.families()) <= families
    assert "valid" in families


def test_write_testset_writes_expected_json(tmp_path):
    doc = write_testset(tmp_path, "jp-eportal-v4")
    on_disk = json.loads((tmp_path / "expected.json").read_text(encoding="utf-8"))
    assert on_disk == doc
    for entry in doc["cases"]:
        assert (tmp_path / entry["bundle"]).exists()
    assert {Path(e["bundle"]).parts[0] for e in doc["cases"]} == {"valid", "invalid"}
