"""bench/pipeline.py's plan child measures the plan as a run makes it: the cyclic collector
paused through the check and each plan, and what they leave frozen (pipeline.run's frozen heap,
plan_export's lasting pass), so no phase of the plan child pays a collector pass a run never
makes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_plan_child_makes_no_collector_pass_in_its_phases() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "pipeline.py"), "--scales",
                           "small", "--no-apply", "--json"],
                          capture_output=True, text=True, check=True, timeout=300)
    plan = json.loads(proc.stdout.strip().splitlines()[-1])["scales"]["small"]["plan"]
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
    phases = json.loads(proc.stdout.strip().splitlines()[-1])["scales"]["small"]["apply"][
        "phases"]
    assert phases["first_night"]["status"] == "applied"
    assert phases["first_night"]["target_calls"] > 0
    cron = phases["nightly_cron"]
    assert cron["status"] == "nothing-to-do"
    assert cron["calls"] == {"c4th.test": 1} and cron["target_calls"] == 0
    assert cron["cpu_s"] > 0 and cron["peak_rss_mb"] > 0
