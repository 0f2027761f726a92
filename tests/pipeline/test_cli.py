"""``renkei pipeline run|status|init`` against the mocks in-process: tables, reports, exit codes,
clean errors, and no secret in any output."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import jsonschema
import pytest

from harness.accounts.passwords import read_password_file
from harness.cli import pipeline as cli
from harness.cli.main import UsageError
from tests.pipeline.e2ekit import CLIENT_SECRET, SECRET_ENV, World, config_text, quick_retries

SCHEMA = json.loads((Path(__file__).parents[2] / "docs" / "pipeline-report.schema.json")
                    .read_text(encoding="utf-8"))


def renkei(*argv: str) -> int:
    """What `renkei pipeline …` does once registered (main's error handling included)."""
    parser = argparse.ArgumentParser(prog="renkei")
    sub = parser.add_subparsers(dest="command")
    cli.register(sub)
    args = parser.parse_args(["pipeline", *argv])
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"renkei: error: {exc}", file=__import__("sys").stderr)
        return 2


@pytest.fixture
def world(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    w = World.seeded(tmp_path)
    w.config = tmp_path / "city.toml"
    w.config.write_text(config_text(tmp_path, w.bases), encoding="utf-8")
    import pipeline.run
    real = pipeline.run.run_pipeline
    monkeypatch.setattr(pipeline.run, "run_pipeline",
                        lambda config, **kw: real(quick_retries(config),
                                                  session_factory=w.session, **kw))
    return w


def secrets_of(world) -> list[str]:
    entries = read_password_file(next((world.tmp / "passwords").glob("*.csv"))).entries
    return [CLIENT_SECRET, *(e.initial_password for e in entries.values())]


def test_run_json_then_html_then_status(world, capsys):
    report = world.tmp / "report.json"
    code = renkei("run", "--config", str(world.config), "--format", "json", "-o", str(report))
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    data = json.loads(report.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    assert data["run"]["status"] == "applied" and data["run"]["exit_code"] == code
    assert data["delivery"]["m365"]["status"] == "done"
    assert "by school and change type" in out.out and "create" in out.out

    html = world.tmp / "report.html"
    code2 = renkei("run", "--config", str(world.config), "--format", "html", "-o", str(html))
    assert code2 in (0, 1)
    assert "変更はありません" in html.read_text(encoding="utf-8")

    assert renkei("status", "--config", str(world.config)) == 0
    status = capsys.readouterr().out
    assert "last runs" in status and "no interrupted plan" in status
    assert "state / 状態" in status and "plans (decisions)" in status
    assert renkei("status", "--config", str(world.config), "--format", "json") == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed["runs"]) == 2 and listed["unfinished"] == []
    # the second run changed nothing: its plan is kept, with no roster and no new snapshot
    held = listed["state"]
    assert (held["plans"]["count"], held["snapshots"]["count"]) == (2, 1)
    assert held["uncommitted"] == held["plans_stored_whole"] == {"count": 0, "bytes": 0}
    assert held["received"]["count"] == 2 and held["file_bytes"] > held["plans"]["bytes"] > 0

    everything = out.out + out.err + status + report.read_text() + html.read_text()
    for secret in secrets_of(world):
        assert secret not in everything


def test_text_report_to_stdout_and_dry_run(world, capsys):
    code = renkei("run", "--config", str(world.config), "--dry-run")
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "dry-run" in out and "PL301" in out
    assert world.changing_calls() == 0  # a dry run changes nothing anywhere


def test_exit_2_when_the_guard_trips_and_3_when_a_target_fails(world, capsys):
    assert renkei("run", "--config", str(world.config), "--format", "json") in (0, 1)
    world.fault("c4th", kind="truncate", keep=0.3)
    assert renkei("run", "--config", str(world.config)) == 2
    assert "refused" in capsys.readouterr().out
    world.clear_faults("c4th")
    world.event("transfer_out")
    world.fault("m365", kind="status", status=503, route=r"\$batch", count=1000)
    world.fault("interactive_study", kind="drop", route="/oneroster/delta", count=1000)
    assert renkei("run", "--config", str(world.config), "--format", "json") == 3
    out = capsys.readouterr()
    assert json.loads(out.out)["run"]["status"] == "interrupted"
    assert renkei("status", "--config", str(world.config)) == 0
    assert "interrupted plans" in capsys.readouterr().out
    assert renkei("status", "--config", str(world.config), "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["state"]["uncommitted"]["count"] == 1
    world.clear_faults("m365")
    world.clear_faults("interactive_study")
    assert renkei("run", "--config", str(world.config)) in (0, 1)
    for secret in secrets_of(world):
        assert secret not in out.out + out.err


def test_config_error_names_key_and_line_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[municipality]\nname = "x"\nboard_code = 12\n', encoding="utf-8")
    assert renkei("run", "--config", str(bad)) == 2
    err = capsys.readouterr().err
    assert "municipality.board_code" in err and "bad.toml:3:" in err and "Traceback" not in err


def test_missing_secret_is_a_clean_error(world, monkeypatch, capsys):
    monkeypatch.delenv(SECRET_ENV)
    assert renkei("run", "--config", str(world.config)) == 2
    assert SECRET_ENV in capsys.readouterr().err


def test_init_writes_the_example_once(tmp_path, capsys):
    assert renkei("init", str(tmp_path / "cfg")) == 0
    written = tmp_path / "cfg" / "city.toml"
    assert "[targets.m365]" in written.read_text(encoding="utf-8")
    assert renkei("init", str(tmp_path / "cfg")) == 2
    assert "exists" in capsys.readouterr().err
    assert renkei("init", str(tmp_path / "cfg"), "--force") == 0
    from pipeline.config import load_config
    assert load_config(written).m365 is not None


def test_progress_bars_draw_per_target(capsys):
    with cli._Bars(True) as bars:
        bars("lgate", 0, 2)
        bars("lgate", 2, 2)
        bars("m365", 20, 40)
    assert set(bars.tasks) == {"lgate", "m365"}
    with cli._Bars(False) as off:
        off("lgate", 1, 2)
    assert off.tasks == {}


def test_guard_max_share_lets_one_night_through_and_leaves_the_file(world, capsys):
    assert renkei("run", "--config", str(world.config), "--no-progress") in (0, 1)
    world.fault("c4th", kind="truncate", keep=0.8)  # a fifth of the city gone: the guard trips
    text = world.config.read_text(encoding="utf-8")
    assert renkei("run", "--config", str(world.config), "--dry-run") == 2
    code = renkei("run", "--config", str(world.config), "--dry-run", "--guard-max-share", "0.5")
    assert code in (0, 1), capsys.readouterr().err
    assert world.config.read_text(encoding="utf-8") == text  # that night only


@pytest.mark.parametrize("value", ["0", "1.5", "lots"])
def test_guard_max_share_must_be_a_share(world, capsys, value):
    with pytest.raises(SystemExit):
        renkei("run", "--config", str(world.config), "--guard-max-share", value)
    assert "share" in capsys.readouterr().err
