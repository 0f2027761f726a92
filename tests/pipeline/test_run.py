"""run_pipeline: quarantine, replay, retention, dry runs, interruptions, secrets, collection."""

from __future__ import annotations

import datetime as dt
import gc
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import responses

import pipeline.apply
import pipeline.state
from harness.oneroster.csvstream import CsvStream
from pipeline.config import ConfigError, load_config
from pipeline.run import run_pipeline
from tests.pipeline.rosterkit import P_SCHOOL, Env, rules, umi_for, upn_for

NOW = dt.datetime(2025, 5, 1, 20, tzinfo=dt.UTC)


class FakeApply:
    """Stands in for delivery: records each plan, succeeds or fails as told."""

    def __init__(self, ok: bool = True) -> None:
        self.ok = ok
        self.plans: list[Any] = []

    def __call__(self, plan: Any, **kw: Any) -> Any:
        self.plans.append(plan)
        return SimpleNamespace(ok=self.ok, failed=[] if self.ok else ["m365"],
                               to_json=lambda: {"ok": self.ok})


@pytest.fixture
def fake_apply(monkeypatch: pytest.MonkeyPatch) -> FakeApply:
    fake = FakeApply()
    monkeypatch.setattr(pipeline.apply, "apply_plan", fake)
    monkeypatch.setattr(pipeline.apply, "unfinished", lambda state: [])
    return fake


@pytest.fixture
def env(tmp_path: Path) -> Env:
    env = Env(tmp_path)
    env.kit.fill(6)
    return env


def test_a_bundle_with_errors_is_quarantined_and_nothing_applied(env: Env,
                                                                 fake_apply: FakeApply) -> None:
    env.kit.add(99, P_SCHOOL, "1年1組", "P1", umi="12345")  # OR517: not a UUID v4
    result = env.run()
    assert (result.exit_code, result.status) == (2, "quarantined")
    refuse = next(d for d in result.decisions if d.rule == "PL103")
    assert "OR517" in refuse.fields["rules"]
    assert not fake_apply.plans
    with env.state() as state:
        kept = state.received()
        assert kept[0]["quarantined"] == 1 and Path(kept[0]["path"]).is_file()
        assert state.previous_roster() is None
        assert state.runs()[0]["exit_code"] == 2


def test_a_run_parses_the_export_once_for_the_check_and_the_plan(
        env: Env, fake_apply: FakeApply, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real = CsvStream.__init__

    def counting(self: CsvStream, raw: Any, filename: str, *args: Any, **kw: Any) -> None:
        opened.append(filename)
        real(self, raw, filename, *args, **kw)

    monkeypatch.setattr(CsvStream, "__init__", counting)
    result = env.run()
    assert result.status == "applied" and result.plan.roster.people
    assert opened.count("users.csv") == 1 and opened.count("manifest.csv") == 1


def test_the_same_export_twice_gives_an_empty_second_plan(env: Env,
                                                          fake_apply: FakeApply) -> None:
    first = env.run()
    assert first.status == "applied" and len(fake_apply.plans) == 1
    replay = run_pipeline(env.config, export=first.received.path, now=NOW)
    assert replay.plan.is_empty() and replay.status == "nothing-to-do"
    assert ("PL105", first.received.sha256) in rules(replay, "report")
    assert ("PL502", "plan") in rules(replay, "report")
    assert len(fake_apply.plans) == 1  # nothing was sent


def test_a_no_change_night_stores_its_decisions_and_no_roster(
        env: Env, fake_apply: FakeApply, monkeypatch: pytest.MonkeyPatch) -> None:
    # the roster is the newest snapshot's: the night packs its plan's decisions alone, keeps
    # no roster of its own and adds no snapshot; the next night plans from the same one
    first = env.run()
    packed: list[Any] = []
    real = pipeline.state.pack
    monkeypatch.setattr(pipeline.state, "pack", lambda data: packed.append(data) or real(data))
    again = run_pipeline(env.config, export=first.received.path, now=NOW + dt.timedelta(days=1))
    assert again.status == "nothing-to-do" and len(packed) == 1
    assert "roster" not in packed[0].values and "decisions" in packed[0].values
    with env.state() as state:
        assert state.conn.execute("SELECT count(*) FROM snapshots").fetchone() == (1,)
        assert state.conn.execute("SELECT count(*) FROM uncommitted").fetchone() == (0,)
        assert [r["status"] for r in state.plan_rows()] == ["applied", "applied"]
        assert state.previous_roster() == first.plan.roster
    third = run_pipeline(env.config, export=first.received.path, now=NOW + dt.timedelta(days=2))
    assert third.status == "nothing-to-do" and len(fake_apply.plans) == 1


def test_a_run_keeps_its_plan_out_of_the_collector_and_gives_the_heap_back(
        env: Env, fake_apply: FakeApply, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(pipeline.apply, "apply_plan", lambda plan, **kw: (
        seen.append(not any(o is plan for o in gc.get_objects())) or fake_apply(plan, **kw)))
    result = env.run()
    assert result.status == "applied" and seen == [True]  # frozen while it was delivered
    assert gc.get_freeze_count() == 0
    assert any(o is result.plan for o in gc.get_objects())


def test_replay_of_an_outside_file_keeps_a_copy(env: Env, fake_apply: FakeApply,
                                                tmp_path: Path) -> None:
    outside = env.kit.write(tmp_path / "elsewhere" / "RO_20250501_089901.zip")
    result = run_pipeline(env.config, export=outside, now=NOW)
    assert result.received.replay and result.received.path != outside
    assert result.received.path.read_bytes() == outside.read_bytes()
    assert result.received.path.stat().st_mode & 0o777 == 0o600


def test_the_newest_file_in_the_drop_folder_is_taken(env: Env, fake_apply: FakeApply) -> None:
    env.export()
    env.kit.add(40, P_SCHOOL, "1年1組", "P1")
    newest = env.export()
    result = env.run(export=False)
    assert result.received.filename == newest.name
    assert umi_for(40) in result.plan.roster.people


def test_retention_keeps_the_configured_count(tmp_path: Path, fake_apply: FakeApply) -> None:
    env = Env(tmp_path, extra="")
    text = (tmp_path / "renkei.toml").read_text(encoding="utf-8")
    (tmp_path / "renkei.toml").write_text(
        text.replace('path = "state/renkei.sqlite"', 'path = "state/renkei.sqlite"\n'
                     'keep_count = 2'), encoding="utf-8")
    env.config = load_config(tmp_path / "renkei.toml")
    env.kit.fill(3)
    results = [env.run(day=d) for d in (1, 2, 3, 4)]
    assert ("PL106", "received") in rules(results[-1], "report")
    with env.state() as state:
        kept = state.received()
    assert len(kept) == 2
    assert len(list((tmp_path / "state" / "received").glob("*.zip"))) == 2


def test_retention_by_days(env: Env, fake_apply: FakeApply) -> None:
    env.run(day=1, month=5)
    env.run(day=1, month=9)  # 123 days later: the May file is past the 90-day default
    with env.state() as state:
        assert [r["received_at"][:10] for r in state.received()] == ["2025-09-01"]


def test_a_dry_run_changes_no_state(env: Env, fake_apply: FakeApply) -> None:
    result = env.run(dry_run=True)
    assert result.status == "dry-run" and result.exit_code == 0
    assert not fake_apply.plans
    with env.state() as state:
        assert state.previous_roster() is None and state.keymap_empty()
        assert state.plan_rows()[0]["status"] == "dry-run"
    assert env.run().status == "applied"


def test_an_interrupted_plan_is_safe_to_rerun(env: Env, fake_apply: FakeApply) -> None:
    fake_apply.ok = False
    failed = env.run(day=1)
    assert (failed.exit_code, failed.status) == (3, "interrupted")
    with env.state() as state:
        assert state.previous_roster() is None
        assert state.plan_rows()[0]["status"] == "interrupted"
    fake_apply.ok = True
    again = env.run(day=2)
    assert again.status == "applied" and len(again.plan.by_action("create")) > 0


def test_an_interrupted_plan_is_finished_before_a_new_one(
        env: Env, fake_apply: FakeApply, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_apply.ok = False
    failed = env.run(day=1)
    pending = [SimpleNamespace(plan_id=failed.plan.id, targets=("m365",), plan=None)]
    monkeypatch.setattr(pipeline.apply, "unfinished", lambda state: pending)
    fake_apply.ok = True
    result = run_pipeline(env.config, export=failed.received.path,
                          now=NOW + dt.timedelta(days=1))
    assert [p.id for p in fake_apply.plans] == [failed.plan.id, failed.plan.id]
    assert len(result.resumed) == 1
    # the finished plan moved the state on, so the same export now needs nothing
    assert result.plan.is_empty() and result.status == "nothing-to-do"


def test_an_interrupted_plan_that_fails_again_blocks_new_plans(
        env: Env, fake_apply: FakeApply, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_apply.ok = False
    failed = env.run(day=1)
    monkeypatch.setattr(pipeline.apply, "unfinished", lambda state: [
        SimpleNamespace(plan_id=failed.plan.id, targets=("m365",), plan=None)])
    result = env.run(day=2)
    assert result.exit_code == 3 and result.received is None
    assert ("PL501", failed.plan.id) in rules(result)


def test_holds_give_exit_code_1(env: Env, fake_apply: FakeApply) -> None:
    result = env.run(skip_passwords=(1,))
    assert result.exit_code == 1 and result.status == "applied"
    assert umi_for(1) in result.holds and result.holds[umi_for(1)]["rules"] == ["PL252"]


def test_a_missing_secret_stops_the_run_before_anything(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    extra = ('[targets.m365]\ngraph_url = "http://m365.test"\ntenant = "t"\n'
             'client_id = "renkei-pipeline"\nclient_secret_env = "RENKEI_TEST_SECRET"\n')
    env = Env(tmp_path, extra=extra)
    monkeypatch.delenv("RENKEI_TEST_SECRET", raising=False)
    with pytest.raises(ConfigError, match="RENKEI_TEST_SECRET"):
        env.run()
    assert not (tmp_path / "state").exists()


def test_no_secret_or_password_reaches_results_logs_or_state(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_apply: FakeApply,
        caplog: pytest.LogCaptureFixture) -> None:
    secret = "s3cr3t-Graph-Client-Value"
    extra = ('[targets.m365]\ngraph_url = "http://m365.test"\ntenant = "t"\n'
             'client_id = "renkei-pipeline"\nclient_secret_env = "RENKEI_TEST_SECRET"\n')
    env = Env(tmp_path, extra=extra)
    env.kit.fill(5)
    monkeypatch.setenv("RENKEI_TEST_SECRET", secret)
    caplog.set_level("DEBUG")
    results = [env.run(day=1, skip_passwords=(2,)), env.run(day=2)]
    texts = [caplog.text] + [repr(r) + str(r.summary()) for r in results]
    blobs = b"".join(p.read_bytes() for p in (tmp_path / "state").glob("renkei.sqlite*"))
    import zlib  # plans and snapshots are stored compressed: look inside them too
    with env.state() as state:
        for (body,) in state.conn.execute("SELECT body FROM plans UNION ALL "
                                          "SELECT body FROM uncommitted"):
            blobs += zlib.decompress(body)
        for (roster,) in state.conn.execute("SELECT roster FROM snapshots"):
            blobs += zlib.decompress(roster)
    for needle in [secret] + [f"Init-Pass-{n:04d}!" for n in range(1, 6)]:
        assert all(needle not in t for t in texts), needle
        assert needle.encode() not in blobs, needle


@responses.activate
def test_collect_over_http_and_link_on_the_first_run(tmp_path: Path) -> None:
    env = Env(tmp_path, extra='[targets.lgate]\nurl = "http://lgate.test"\n')
    text = (tmp_path / "renkei.toml").read_text(encoding="utf-8")
    (tmp_path / "renkei.toml").write_text(text.replace(
        'drop_dir = "drop"', 'url = "http://c4th.test/oneroster/export"'), encoding="utf-8")
    env.config = load_config(tmp_path / "renkei.toml")
    env.kit.fill(3)
    env.kit.write_passwords(tmp_path / "passwords.csv")
    zipped = env.kit.write(tmp_path / "x.zip").read_bytes()
    responses.get("http://c4th.test/oneroster/export", body=zipped,
                  content_type="application/zip",
                  headers={"Content-Disposition": 'attachment; filename="RO_20250501_089901.zip"'})
    lgate_user = {"sourcedId": "lgate-1", "username": upn_for(1),
                  "userIds": [{"type": "Office365", "identifier": upn_for(1)}],
                  "userMasterIdentifier": umi_for(1), "familyName": "山田", "givenName": "太郎",
                  "roles": [{"role": "student"}]}
    responses.get("http://lgate.test/ims/oneroster/rostering/v1p2/users",
                  json={"users": [lgate_user]}, headers={"X-Total-Count": "1"})
    result = run_pipeline(env.config, dry_run=True, now=NOW)
    assert result.received.filename == "RO_20250501_089901.zip"
    assert result.plan.roster.people[umi_for(1)].sourced_id == "lgate-1"
    assert ("PL401", umi_for(1)) in rules(result, "link")


@responses.activate
def test_an_unreachable_source_interrupts_safely(tmp_path: Path) -> None:
    env = Env(tmp_path)
    text = (tmp_path / "renkei.toml").read_text(encoding="utf-8")
    (tmp_path / "renkei.toml").write_text(text.replace(
        'drop_dir = "drop"', 'url = "http://c4th.test/oneroster/export"'), encoding="utf-8")
    env.config = load_config(tmp_path / "renkei.toml")
    responses.get("http://c4th.test/oneroster/export", status=404)
    result = run_pipeline(env.config, dry_run=True, now=NOW)
    assert (result.exit_code, result.status) == (3, "interrupted")
    assert "c4th" in result.message


def test_a_crash_between_delivery_and_the_state_commit_is_recovered(
        env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.run as run_module

    real_commit = run_module._commit

    def crash(*a: Any, **k: Any) -> None:
        raise KeyboardInterrupt("killed after delivery")

    monkeypatch.setattr(run_module, "_commit", crash)
    with pytest.raises(KeyboardInterrupt):
        env.run(day=1)  # delivery (no targets configured) is journaled done, state not moved
    with env.state() as state:
        assert state.previous_roster() is None
        assert state.runs()[0]["status"] == "failed"
    monkeypatch.setattr(run_module, "_commit", real_commit)
    result = env.run(day=2, export=False)  # the same export, still the newest in the folder
    assert result.plan.is_empty() and result.status == "nothing-to-do"
    with env.state() as state:
        assert len(state.previous_roster().people) == 6


def test_a_file_that_is_not_a_bundle_is_quarantined(env: Env, fake_apply: FakeApply) -> None:
    (env.root / "drop" / "RO_20250501_089901.zip").write_bytes(b"%PDF-1.4 not a zip")
    result = env.run(export=False)
    assert (result.exit_code, result.status) == (2, "quarantined")
    assert any(d.rule == "PL103" and "OR100" in d.fields["rules"] for d in result.decisions)
    assert not fake_apply.plans


def test_an_empty_drop_folder_is_a_clean_interruption(env: Env) -> None:
    result = env.run(export=False)
    assert (result.exit_code, result.status) == (3, "interrupted")
    assert "holds no file" in result.message


def test_only_one_run_at_a_time(env: Env, fake_apply: FakeApply) -> None:
    from pipeline.run import RunLock

    other = RunLock(env.config.state_path)
    assert other.acquire()
    try:
        blocked = env.run()
        assert (blocked.exit_code, blocked.status) == (3, "interrupted")
        assert "another run" in blocked.message and not fake_apply.plans
    finally:
        other.release()
    assert env.run(export=False).status == "applied"


def test_state_and_kept_exports_are_owner_only(env: Env, fake_apply: FakeApply) -> None:
    result = env.run()
    assert env.config.state_path.stat().st_mode & 0o777 == 0o600
    assert result.received.path.stat().st_mode & 0o777 == 0o600
