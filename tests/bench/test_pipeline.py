"""bench/pipeline.py's plan child measures the plan as a run makes it: the cyclic collector
paused through the check and each plan, and what they leave frozen (pipeline.run's frozen heap,
plan_export's lasting pass), so no phase of the plan child pays a collector pass a run never
makes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.benchkit import load_bench

ROOT = Path(__file__).resolve().parents[2]


def test_the_plan_child_makes_no_collector_pass_in_its_phases() -> None:
    """Also: ``--bracket`` runs the first scale once more, after the others, under ``again``."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "pipeline.py"), "--scales",
                           "small", "--no-apply", "--json", "--bracket"],
                          capture_output=True, text=True, check=True, timeout=300)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for plan in (out["scales"]["small"]["plan"], out["again"]["small"]["plan"]):
        assert plan["people"] > 0 and plan["nightly_empty"]
        passes = {name: plan["phases"][name]["gc_passes"] for name in ("read", "plan_first",
                                                                         "plan_nightly")}
        assert passes == {"read": 0, "plan_first": 0, "plan_nightly": 0}


def test_the_cron_night_runs_in_its_own_process_on_the_first_nights_state() -> None:
    """The no-change night again as cron starts it: a new process with new, empty target
    mocks. Nothing to do and no target call show it planned from the state on disk (a new
    state would make a first night, creating every account)."""
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "pipeline.py"), "--scales",
                           "small", "--json"],
                          capture_output=True, text=True, check=True, timeout=300)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "again" not in out  # one scale: nothing to bracket
    phases = out["scales"]["small"]["apply"]["phases"]
    assert phases["first_night"]["status"] == "applied"
    assert phases["first_night"]["target_calls"] > 0
    cron = phases["nightly_cron"]
    assert cron["status"] == "nothing-to-do"
    assert cron["calls"] == {"c4th.test": 1} and cron["target_calls"] == 0
    assert cron["cpu_s"] > 0 and cron["peak_rss_mb"] > 0
    # the machine's speed is probed around each timed night, outside its figures
    for night in ("first_night", "nightly", "nightly_cron"):
        floor = phases[night]["floor"]
        assert len(floor) == 2 and all(isinstance(f, int) and f > 0 for f in floor)
    assert "floor" not in phases["seed_mocks"]


def _load_bench() -> ModuleType:
    return load_bench("pipeline")


def test_the_ratio_at_equal_speed_divides_out_the_machines_slowdown() -> None:
    bench = _load_bench()

    def scale(cpu: float, floor: list[int] | None) -> dict:
        phase: dict = {"cpu_s": cpu, "wall_s": cpu, "peak_rss_mb": 100}
        if floor is not None:
            phase["floor"] = floor
        return {"plan": {"phases": {"plan_first": phase, "plan_nightly": {**phase, "floor": []}}}}

    out = bench.ratios(scale(1.0, [3300, 3300]), scale(11.0, [3000, 3000]))
    assert out["plan_first"] == {"cpu": 11.0, "wall": 11.0, "speed": 1.1,
                                 "cpu_at_equal_speed": 10.0}
    assert out["targets"]["plan_first_ratio_le_10"] is False  # judged on the CPU ratio
    assert "speed" not in out["plan_nightly"]  # no floors, no speed
    assert "11.00x CPU; the machine 10.0% slower" in bench._speed_lines(out)[0]
    out = bench.ratios(scale(1.0, None), scale(11.0, [3000, 3000]))
    assert "speed" not in out["plan_first"] and not bench._speed_lines(out)


def test_a_bracketed_small_scale_is_judged_on_the_mean_of_its_runs_before_and_after() -> None:
    """Tsukuba run again after the prefecture (``--bracket``): the ratio's small side is the
    mean of both runs, both kept; the speed is over all of their floors."""
    bench = _load_bench()

    def scale(cpu: float, floor: list[int]) -> dict:
        return {"apply": {"phases": {"first_night": {"cpu_s": cpu, "wall_s": cpu,
                                                     "peak_rss_mb": 100, "floor": floor}}}}

    out = bench.ratios(scale(20.0, [3000, 3000]), scale(210.0, [3000, 3000]),
                       scale(22.0, [3300, 3300]))
    assert out["first_night"] == {"cpu": 10.0, "wall": 10.0, "small_cpu_s": [20.0, 22.0],
                                  "speed": 1.05, "cpu_at_equal_speed": 9.52}
    assert out["targets"]["first_night_ratio_le_10"] is True
    # without the run after, the same figures judge on the first run alone: 10.5x, not met
    out = bench.ratios(scale(20.0, [3000, 3000]), scale(210.0, [3000, 3000]))
    assert out["first_night"]["cpu"] == 10.5 and "small_cpu_s" not in out["first_night"]
    assert out["targets"]["first_night_ratio_le_10"] is False
