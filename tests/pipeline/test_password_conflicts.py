"""Conflicts settle nothing by order (DESIGN.md rule 5): the board's ID・初期パスワード file(s)
and the export's GIGA ids.

A GIGA id given to two pupils, or a pupil given two GIGA ids, in one file or across the files
of a glob: every row is set aside, the pupils are held (PL256) with file and lines, and no
password is shown. Two new export records sharing a GIGA id nobody owned are held unless the
evidence points at exactly one current-looking record.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from harness.accounts.passwords import PasswordEntry, write_password_file
from harness.oneroster import read_bundle, write_bundle
from pipeline.plan import make_plan
from pipeline.preprocess.passwords import load_passwords
from pipeline.reconcile import Outcome
from tests.pipeline.rosterkit import GIMU, J_SCHOOL, Env, password_for, umi_for, upn_for

NOW = dt.datetime(2025, 5, 1, 20, tzinfo=dt.UTC)


def plan(env: Env, pattern: Path) -> Outcome:
    path = write_bundle(env.kit.bundle(), env.root / "export.zip")
    with env.state() as state:
        return make_plan(read_bundle(path), env.config, state, export_sha256="0" * 64, now=NOW,
                         passwords=load_passwords(pattern))


def entry(n: int, *, upn_of: int | None = None, password_of: int | None = None
          ) -> PasswordEntry:
    return PasswordEntry(umi_for(n), upn_for(upn_of or n), password_for(password_of or n))


def by_rule(out: Outcome, rule: str) -> dict[str, dict[str, str]]:
    return {d.subject: d.fields for d in out.plan.decisions if d.rule == rule}


@pytest.mark.parametrize("order", ["conflicting row last", "conflicting row first"])
def test_a_giga_id_on_two_pupils_in_one_file_holds_both(tmp_path: Path, order: str) -> None:
    env = Env(tmp_path)
    env.kit.fill(4)
    rows = [entry(n) for n in range(1, 5)] + [entry(2, upn_of=1, password_of=9)]
    if order == "conflicting row first":
        rows.reverse()
    write_password_file(tmp_path / "pw" / "ID_PW_001.csv", rows)
    out = plan(env, tmp_path / "pw" / "*.csv")
    held = by_rule(out, "PL256")
    assert set(held) == {umi_for(1), umi_for(2)}
    lines = {"conflicting row last": "2, ID_PW_001.csv:3, ID_PW_001.csv:6",
             "conflicting row first": "2, ID_PW_001.csv:5, ID_PW_001.csv:6"}[order]
    assert held[umi_for(1)]["rows"] == "ID_PW_001.csv:" + lines
    assert held[umi_for(1)]["upns"] == f"{upn_for(1)}, {upn_for(2)}"
    assert not {umi_for(1), umi_for(2)} & set(out.plan.roster.people)
    assert {umi_for(3), umi_for(4)} <= set(out.plan.roster.people)
    shown = str(out.plan.decisions)
    assert password_for(1) not in shown and password_for(9) not in shown


def test_across_files_a_pupil_with_two_giga_ids_is_held(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(3)
    write_password_file(tmp_path / "pw" / "ID_PW_001.csv", [entry(n) for n in range(1, 4)])
    write_password_file(tmp_path / "pw" / "ID_PW_002.csv", [
        PasswordEntry(umi_for(3), "other@city.example.ed.jp", password_for(7))])
    out = plan(env, tmp_path / "pw" / "*.csv")
    held = by_rule(out, "PL256")
    assert set(held) == {umi_for(3)}
    assert held[umi_for(3)]["rows"] == "ID_PW_001.csv:4, ID_PW_002.csv:2"
    assert umi_for(3) not in out.plan.roster.people


def test_a_later_file_replaces_only_the_same_pupil_with_the_same_giga_id(tmp_path: Path
                                                                        ) -> None:
    env = Env(tmp_path)
    env.kit.fill(2)
    write_password_file(tmp_path / "pw" / "ID_PW_001.csv", [entry(1), entry(2)])
    write_password_file(tmp_path / "pw" / "ID_PW_002.csv", [entry(1, password_of=8)])
    passwords = load_passwords(tmp_path / "pw" / "*.csv")
    assert passwords.entries[umi_for(1)].initial_password == password_for(8)
    assert not passwords.conflicts
    out = plan(env, tmp_path / "pw" / "*.csv")
    assert not by_rule(out, "PL256") and {umi_for(1), umi_for(2)} <= set(out.plan.roster.people)


def test_a_conflict_naming_nobody_in_the_export_is_reported(tmp_path: Path) -> None:
    env = Env(tmp_path)
    env.kit.fill(1)
    write_password_file(tmp_path / "pw.csv", [entry(1), entry(50), entry(51, upn_of=50)])
    out = plan(env, tmp_path / "pw.csv")
    (report,) = [d for d in out.plan.decisions if d.rule == "PL256"]
    assert report.action == "report" and report.subject == "pw.csv:3, pw.csv:4"
    assert umi_for(1) in out.plan.roster.people


# --- the export: two new records share a GIGA id nobody owned before -----------------------

STALE = umi_for(9100)


def _two_records(tmp_path: Path, *, main_current: bool) -> Env:
    env = Env(tmp_path)
    env.kit.fill(3)
    pupil = env.kit.person(1)
    pupil.extra_records.append((STALE, GIMU, "1年1組"))  # current-looking copy, same GIGA id
    if not main_current:
        pupil.primary = J_SCHOOL  # the main record's primaryOrg is another school
    return env


def _files(tmp_path: Path, *extra: PasswordEntry) -> Path:
    write_password_file(tmp_path / "pw" / "ID_PW_001.csv", [entry(2), entry(3)])
    if extra:
        write_password_file(tmp_path / "pw" / "ID_PW_002.csv", list(extra))
    return tmp_path / "pw" / "*.csv"


def test_exactly_one_current_looking_and_no_row_at_the_other_is_kept(tmp_path: Path) -> None:
    env = _two_records(tmp_path, main_current=False)
    out = plan(env, _files(tmp_path, PasswordEntry(STALE, upn_for(1), password_for(1))))
    assert by_rule(out, "PL211")[umi_for(1)]["kept_umi"] == STALE


def test_a_row_pointing_at_the_other_record_holds_both(tmp_path: Path) -> None:
    env = _two_records(tmp_path, main_current=False)
    out = plan(env, _files(tmp_path, entry(1)))  # the row names the not-current record
    assert {umi_for(1), STALE} <= set(by_rule(out, "PL212"))
    assert not {umi_for(1), STALE} & set(out.plan.roster.people)


def test_rows_pointing_at_both_records_hold_both(tmp_path: Path) -> None:
    env = _two_records(tmp_path, main_current=True)
    out = plan(env, _files(tmp_path, entry(1), PasswordEntry(STALE, upn_for(1),
                                                             password_for(1))))
    assert {umi_for(1), STALE} <= set(by_rule(out, "PL212"))
    assert not {umi_for(1), STALE} & set(out.plan.roster.people)


def test_both_current_looking_and_no_row_holds_both(tmp_path: Path) -> None:
    env = _two_records(tmp_path, main_current=True)
    out = plan(env, _files(tmp_path))
    assert {umi_for(1), STALE} <= set(by_rule(out, "PL212"))
