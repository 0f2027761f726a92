"""The weekly autumn preview foresees the April rollover night: will the mass-change guard
refuse it at the config's ``max_share``, and if so, which one-night command lets it through?

A small city runs nightly from May; pupils leave in September and October; the grace policy
(182 days) disables the October leavers exactly on the rollover night, the September leaver on
an earlier night. The preview in October predicts the rollover; then the city really runs until
the eve, C4th turns the 年度 (``advance_year``) and the real rollover plan's guard is compared.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jsonschema
import pytest

from pipeline.config import parse_config
from pipeline.run import run_pipeline
from scenarios.preparation import prepare, write_preparation
from tests.pipeline.e2ekit import World, config_text
from tests.scenarios.prepkit import SCHEMA, with_m365_secret

GRACE = 182  # 2025-10-01 + 182 days = 2026-04-01, the rollover night
SEPTEMBER = dt.datetime(2025, 9, 15, tzinfo=dt.UTC)
OCTOBER = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
PREVIEW = dt.datetime(2025, 10, 8, 9, tzinfo=dt.UTC)
EVE = dt.datetime(2026, 3, 31, tzinfo=dt.UTC)
NIGHT = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
TIGHT, USUAL = 0.005, 0.05


class Autumn:
    """The city, its autumn export applied nightly, and the config at two guard limits."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.world = World.seeded(tmp)
        assert self.run(dt.datetime(2025, 5, 1, tzinfo=dt.UTC)).status == "applied"
        self.world.event("transfer_out")
        assert self.run(SEPTEMBER).status == "applied"  # grace ends 2026-03-16, before April
        for _ in range(3):
            self.world.event("transfer_out")
        self.export = self.fetch("RO_20251001.zip")
        assert self.run(OCTOBER, self.export).status == "applied"  # grace ends on 2026-04-01
        # the weekly previews, at two limits (before the year goes on below)
        self.tight = self.preview(TIGHT, "tight")
        self.usual = self.preview(USUAL, "usual")
        # then the year really goes on: the same export every night until the eve (the
        # September leaver is disabled on the night their grace ends), and C4th turns the 年度
        self.eve = self.run(EVE, self.export)
        self.world.event("advance_year")
        self.rollover = self.fetch("RO_20260401.zip")
        self.real = self.run(NIGHT, self.rollover, guard=TIGHT, dry_run=True)

    def config(self, guard: float) -> Path:
        path = self.tmp / f"city-{guard}.toml"
        path.write_text(config_text(self.tmp, self.world.bases, guard=guard, grace_days=GRACE),
                        "utf-8")
        return path

    def run(self, now: dt.datetime, export: Path | None = None, *, guard: float = USUAL,
            dry_run: bool = False):  # noqa: ANN201 (pipeline.run.RunResult)
        config = parse_config(self.config(guard).read_text("utf-8"), path=self.config(guard))
        return run_pipeline(config, session_factory=self.world.session, export=export,
                            now=now, dry_run=dry_run)

    def fetch(self, name: str) -> Path:
        resp = self.world.s.get(self.world.bases["c4th"] + "/oneroster/export", timeout=60)
        resp.raise_for_status()
        path = self.tmp / name
        path.write_bytes(resp.content)
        return path

    def preview(self, guard: float, out: str) -> dict:
        prepared = prepare(self.export, self.config(guard), now=PREVIEW,
                           history_dir=self.tmp / f"history-{out}")
        write_preparation(prepared, self.tmp / out)
        return next(t for t in prepared.data["tasks"] if t["id"] == "settings") | {
            "_data": prepared.data}


@pytest.fixture(scope="module")
def autumn(tmp_path_factory):
    yield from with_m365_secret(lambda: Autumn(tmp_path_factory.mktemp("autumn")))


def test_a_rollover_night_over_the_limit_is_a_settings_task_naming_the_one_night_flag(autumn):
    settings = autumn.tight
    jsonschema.validate(settings["_data"], SCHEMA)
    assert not settings["guard"]["tripped"]  # this week's plan goes through …
    ahead = settings["rollover_forecast"]
    assert ahead["predicted"] and ahead["night"] == "2026-04-01"
    assert ahead["tripped"] and settings["status"] == "todo"  # … the rollover night would not
    assert ahead["counts"]["disable"] == 3 and ahead["eve_disabled"] == 1
    assert ahead["let_through"] == (f"renkei pipeline run --config city-{TIGHT}.toml "
                                    "--guard-max-share 0.01")
    assert ahead["let_through"] in ahead["say_ja"] and "予測" in ahead["say_ja"]
    assert ahead["assumes_ja"] and len(ahead["assumes_ja"]) == len(ahead["assumes_en"])
    page = (autumn.tmp / "tight" / "preparation.html").read_text("utf-8")
    assert 'id="rollover-forecast"' in page and "--guard-max-share 0.01" in page
    assert "A prediction. It assumes:" in page


def test_a_rollover_night_under_the_limit_is_done_with_the_room_left(autumn):
    settings = autumn.usual
    ahead = settings["rollover_forecast"]
    assert not ahead["tripped"] and ahead["let_through"] == ""
    assert settings["status"] == "done"
    assert ahead["room"] == ahead["limit_people"] - ahead["count"] > 0
    assert f"あと {ahead['room']} 名まで" in ahead["say_ja"]


def test_the_prediction_agrees_with_the_real_rollover_of_c4th(autumn):
    ahead, real = autumn.tight["rollover_forecast"], autumn.real
    assert autumn.eve.guard["disable"] == 1  # the September leaver, before the night
    assert real.status == "refused" and real.guard["tripped"] == ahead["tripped"]
    assert real.guard["count"] == ahead["count"] and real.guard["total"] == ahead["total"]
    assert abs(real.guard["share"] - ahead["share"]) < 0.01  # the rounding stated: a percent
    assert real.guard["share"] <= ahead["let_through_share"]  # the command would let it pass


def test_a_rollover_export_keeps_the_exact_answer(autumn, tmp_path):
    prepared = prepare(autumn.rollover, autumn.config(TIGHT), now=NIGHT, history_dir=tmp_path)
    settings = next(t for t in prepared.data["tasks"] if t["id"] == "settings")
    assert settings["rollover_forecast"] is None
    assert settings["guard"]["rollover_plan"] and settings["guard"]["tripped"]
    assert settings["guard"]["let_through"].endswith("--guard-max-share 0.01")
    assert prepared.exit_code == 2
