"""The ``renkei check oneroster`` and ``renkei testset oneroster`` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.oneroster.docs import rules_markdown

ROOT = Path(__file__).resolve().parents[2]


def test_clean_bundle_exits_0(make_bundle, capsys):
    assert main(["check", "oneroster", str(make_bundle())]) == 0
    assert "PASS" in capsys.readouterr().out


def test_errors_exit_1_and_list_every_finding(make_bundle, capsys):
    def edit(b):
        for u in b.tables["users"]:
            u["userMasterIdentifier"] = "x"

    assert main(["check", "oneroster", str(make_bundle(edit))]) == 1
    out = capsys.readouterr().out
    assert out.count("OR517") == 4


def test_unreadable_bundle_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "RO_20250501_082201.zip"
    bad.write_bytes(b"not a zip")
    assert main(["check", "oneroster", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    assert "OR100" in captured.out


def test_output_file_and_format(make_bundle, tmp_path, capsys):
    out = tmp_path / "reports" / "r.json"
    assert main(["check", "oneroster", str(make_bundle()), "--format", "json", "-o",
                 str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["passed"] is True
    assert "report written to" in capsys.readouterr().err


def test_list_rules_json_is_the_catalogue(capsys):
    assert main(["check", "oneroster", "--list-rules", "--format", "json"]) == 0
    rules = json.loads(capsys.readouterr().out)
    assert {r["id"] for r in rules} >= {"OR100", "OR528", "OR605"}
    assert all(r["message_ja"] and r["message_en"] and r["spec"] for r in rules)


def test_sample_checks_clean(capsys):
    assert main(["check", "oneroster", "--sample"]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "oneroster"], "give a BUNDLE"),
        (["check", "oneroster", "x.zip", "--sample"], "not both"),
    ],
)
def test_usage_errors_are_explained(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_bad_option_value_is_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["check", "oneroster", "x.zip", "--max-per-rule", "0"])
    assert exc.value.code == 2
    assert "must be at least 1" in capsys.readouterr().err


def test_testset_verify(tmp_path, capsys):
    assert main(["testset", "oneroster", str(tmp_path), "--verify"]) == 0
    out = capsys.readouterr().out
    assert "0 failed" in out and (tmp_path / "expected.json").exists()


def test_rules_doc_is_current():
    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert doc == rules_markdown(), "regenerate: python -m harness.oneroster.docs > docs/rules.md"


def test_consumer_rules_doc_is_current_and_linked_from_the_catalogue():
    from harness.oneroster.docs import consumer_rules_markdown

    doc = (ROOT / "docs" / "consumer-rules.md").read_text(encoding="utf-8")
    assert doc == consumer_rules_markdown(), (
        "regenerate: python -m harness.oneroster.docs consumer > docs/consumer-rules.md")
    assert all(f"### {rule}" in doc for rule in ("OC700", "OC701", "OC702", "OC703"))
    assert "(consumer-rules.md)" in (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_a_baseline_accepts_a_rule_in_a_file_while_the_vendor_migrates(make_bundle, tmp_path,
                                                                        capsys):
    def legacy(b):  # legacy enrollment ids (OR701, WARN) and one bad umi (OR517, ERROR)
        for e in b.tables["enrollments"]:
            e["sourcedId"] = "e-" + e["sourcedId"][:4]
        b.tables["users"][0]["userMasterIdentifier"] = "x"

    bundle = str(make_bundle(legacy))
    known = tmp_path / "known.toml"
    assert main(["check", "oneroster", bundle, "--write-baseline", str(known)]) == 1
    written = known.read_text(encoding="utf-8")
    assert 'rule = "OR701"\nfile = "enrollments.csv"' in written and "OR517" in written
    assert main(["check", "oneroster", bundle, "--baseline", str(known)]) == 0
    out = capsys.readouterr().out
    assert "XFAIL OR701 in enrollments.csv" in out and "XFAIL OR517 in users.csv" in out
    # accept only OR701: the ERROR fails the run again
    known.write_text('command = "check oneroster"\n[[expected]]\nrule = "OR701"\n'
                     'file = "enrollments.csv"\nreason = "legacy ids until April"\n',
                     encoding="utf-8")
    assert main(["check", "oneroster", bundle, "--baseline", str(known)]) == 1
    # a clean bundle: the listed rule passes now (XPASS), prompting an update
    assert main(["check", "oneroster", str(make_bundle()), "--baseline", str(known)]) == 0
    assert "XPASS OR701 in enrollments.csv" in capsys.readouterr().out


def test_a_baseline_naming_an_unknown_rule_exits_2(make_bundle, tmp_path, capsys):
    known = tmp_path / "known.toml"
    known.write_text('[[expected]]\nrule = "OR9999"\nreason = "r"\n', encoding="utf-8")
    assert main(["check", "oneroster", str(make_bundle()), "--baseline", str(known)]) == 2
    err = capsys.readouterr().err
    assert "known.toml:1: unknown rule 'OR9999'" in err and "Traceback" not in err
