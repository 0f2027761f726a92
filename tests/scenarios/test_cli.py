"""``renkei scenario`` and ``renkei rehearse``: listing, bad arguments, a real run, a preview."""

from __future__ import annotations

import json

import pytest

from pipeline.example import special_needs_terms


def test_list_names_every_scenario_with_its_source(renkei, capsys):
    assert renkei("scenario", "list", "--steps") == 0
    out = capsys.readouterr().out
    for name in ("enrolment", "transfer-in", "transfer", "transfer-out", "graduation",
                 "rollover", "initial-link", "truncated-export", "outage", "holds",
                 "rejecting-tool"):
        assert name in out
    assert "§4.2.3" in out and "新入生登録" in out and "→" in out


@pytest.mark.parametrize(("args", "message"), [
    (("scenario", "run"), "name at least one scenario"),
    (("scenario", "run", "nope"), "unknown scenario(s) nope"),
    (("scenario", "run", "holds", "--all"), "not both"),
    (("scenario", "run", "holds", "--workers", "0"), "at least 1"),
    (("rehearse", "--export", "x.zip"), "go together"),
])
def test_bad_arguments_are_clear_errors(renkei, capsys, args, message):
    assert renkei(*args) == 2
    assert message in capsys.readouterr().err


def test_a_scenario_run_writes_a_report_in_any_format(renkei, tmp_path, capsys):
    out = tmp_path / "holds.json"
    assert renkei("scenario", "run", "holds", "--format", "json", "-o", out, "-q") == 0
    data = json.loads(out.read_text("utf-8"))
    rules = {f["rule"] for f in data["findings"]}
    assert "SC100" in rules and "IV403" in rules  # steps passed, holds reported
    assert not any(f["severity"] == "ERROR" for f in data["findings"])
    # No initial password of the board's file ever appears in a report.
    import datetime as dt

    from fixtures import generate_city, load_profile
    from fixtures.passwords import password_entries

    city = generate_city(load_profile("small"), 1, as_of=dt.date(2025, 5, 1))
    text = out.read_text("utf-8")
    leaked = [e.user_master_identifier for e in password_entries(city)
              if e.initial_password in text]
    assert leaked == []


def test_preview_of_a_municipalitys_own_export_writes_the_preparation_report(
        renkei, tmp_path, capsys):
    import datetime as dt

    from fixtures import export_city, generate_city, load_profile
    from fixtures.passwords import write_password_file_for

    city = generate_city(load_profile("small"), 3, as_of=dt.date(2025, 5, 1),
                         quirks=frozenset({"gaiji", "missing-external-name"}))
    export = export_city(city, tmp_path / "c4th")
    write_password_file_for(city, tmp_path / "passwords.csv")
    config = tmp_path / "city.toml"
    config.write_text(
        '[municipality]\nname = "さくら市"\nboard_code = "089901"\n'
        '[state]\npath = "state/renkei.sqlite"\n'
        '[source]\nurl = "http://127.0.0.1:9/"\n'  # never contacted
        '[accounts]\npassword_file = "passwords.csv"\n'
        '[special_needs.terms]\n' + special_needs_terms(),
        "utf-8")
    code = renkei("rehearse", "--export", export, "--config", config, "-o", tmp_path / "p")
    out = capsys.readouterr().out
    assert code == 1, out  # gaiji pupils without an external name will be held in April
    assert "4月までに対応が必要" in out and "FAIL" not in out
    # an export of this 年度: the rollover night is foreseen, in the summary too
    assert "予測: " in out and "の年次更新の夜、安全装置では止まりません" in out
    data = json.loads((tmp_path / "p" / "preparation.json").read_text("utf-8"))
    gaiji = {s.umi for s in city.students.values() if s.gaiji and not s.external_name}
    held = {p["umi"] for p in data["people"] if p["held"]}
    assert gaiji and held >= gaiji
    assert all(r["fix_ja"] and r["where_ja"] for p in data["people"] for r in p["reasons"])
    assert (tmp_path / "p" / "preparation.html").read_text("utf-8").startswith("<!doctype html")
    assert not (tmp_path / "state" / "renkei.sqlite").exists(), "no state of theirs is written"


def test_preview_refuses_an_unreadable_export(renkei, tmp_path, capsys):
    config = tmp_path / "city.toml"
    config.write_text('[municipality]\nname = "x"\nboard_code = "089901"\n'
                      '[source]\nurl = "http://127.0.0.1:9/"\n', "utf-8")
    bad = tmp_path / "RO_broken.zip"
    bad.write_bytes(b"not a zip")
    code = renkei("rehearse", "--export", bad, "--config", config, "-o", tmp_path / "p")
    assert code == 2
    assert "OR100" in capsys.readouterr().out
