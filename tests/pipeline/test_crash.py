"""Kill the pipeline with SIGKILL at many points of an apply, re-run, and find nothing lost or
duplicated in any mock.

The mocks run as real servers on loopback (mocks.serve.MockServers, SQLite files in a state
folder) in this process, so they outlive the killed pipeline subprocess. Kill points are of
two kinds: right after the N-th HTTP response (the target applied the request, the pipeline has
not journaled it yet: the most dangerous moment), and at a random time. ``RENKEI_CRASH_POINTS``
sets how many points the default test loops over (default 4); the ``scale`` run uses 30.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from tests.pipeline.e2ekit import (
    CLIENT_SECRET,
    FAST,
    SECRET_ENV,
    Admin,
    check_invariants,
    config_text,
    quick_retries,
    state_holds,
)

DRIVER = textwrap.dedent('''
    import sys, time
    from dataclasses import replace
    import requests
    from pipeline.config import load_config
    from pipeline.run import run_pipeline

    config = load_config(sys.argv[1])
    config = replace(config, delivery_retry=replace(config.delivery_retry, backoff=0.01))
    stop_at = int(sys.argv[2])
    count = 0

    def hook(resp, *args, **kwargs):
        global count
        count += 1
        if count == stop_at:  # the target has answered; the pipeline has not recorded it
            sys.stdout.write("STOP\\n")
            sys.stdout.flush()
            time.sleep(600)
        return resp

    def factory():
        s = requests.Session()
        s.hooks["response"].append(hook)
        return s

    result = run_pipeline(config, session_factory=factory)
    print("EXIT", result.exit_code, result.status, count, flush=True)
''')


@pytest.fixture
def servers(tmp_path):
    from mocks.serve import MockServers
    names = ["c4th", "lgate", "m365", "interactive_study"]
    with MockServers(names, port_base=0, state_dir=str(tmp_path / "mocks"),
                     config=FAST) as served:
        yield served


def _start(script: Path, config: Path, stop_at: int) -> subprocess.Popen[str]:
    env = {**os.environ, SECRET_ENV: CLIENT_SECRET}
    return subprocess.Popen([sys.executable, str(script), str(config), str(stop_at)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _ended(proc: subprocess.Popen[str], out: str, err: str) -> str:
    """The outcome line of a child that ended on its own; a test failure showing its stderr
    when it failed (exited non-zero or printed no outcome)."""
    lines = out.strip().splitlines()
    assert proc.returncode == 0 and lines, (
        f"the pipeline child failed (exit {proc.returncode}); its stderr:\n{err}")
    return lines[-1]


def _run_killed(script: Path, config: Path, *, stop_at: int = 0,
                after: float | None = None) -> str:
    """Run the pipeline and SIGKILL it at the point asked for; the outcome line."""
    proc = _start(script, config, stop_at)
    if after is not None:
        try:
            out, err = proc.communicate(timeout=after)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate()
            return "KILLED (timer)"
        return _ended(proc, out, err)
    line = proc.stdout.readline() if proc.stdout else ""
    if line.startswith("STOP"):
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        return f"KILLED (after response {stop_at})"
    out, err = proc.communicate(timeout=120)
    return _ended(proc, line + out, err)


def _run_to_end(config: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The next night, in this process (only the killed run needs its own process)."""
    from pipeline.config import load_config
    from pipeline.run import run_pipeline
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    result = run_pipeline(quick_retries(load_config(config), backoff=0.01))
    assert result.exit_code in (0, 1), result.message
    resumed = f", finished {len(result.resumed)} interrupted" if result.resumed else ""
    return f"EXIT {result.exit_code} {result.status}{resumed}"


def _crash_loop(tmp_path: Path, servers, points: int, seed: int,
                monkeypatch: pytest.MonkeyPatch) -> list[str]:
    rng = random.Random(seed)
    admin = Admin(requests.Session(), servers.urls)
    admin.seed_city("small", 1, "2025-05-01")
    admin.save_passwords(tmp_path / "passwords", 1)
    config = tmp_path / "city.toml"
    config.write_text(config_text(tmp_path, servers.urls, guard=0.5), encoding="utf-8")
    script = tmp_path / "driver.py"
    script.write_text(DRIVER, encoding="utf-8")
    log = []
    for i in range(points):
        if i:  # life goes on between nights: the next plan has creates, moves and leavers
            for _ in range(2):
                admin.event("enrol")
            admin.event("transfer")
            admin.event("transfer_out")
            admin.save_passwords(tmp_path / "passwords", i + 1, only_new=True)
        requests_before = sum(len(admin.get(n, "/_admin/requests")["requests"])
                              for n in ("lgate", "m365", "interactive_study"))
        if rng.random() < 0.7:
            # the first night makes ~50 calls, the later ones 7 (export, bulk, passwords,
            # token, lookup and write $batch, delta)
            outcome = _run_killed(script, config, stop_at=rng.randint(1, 50 if i == 0 else 7))
        else:
            outcome = _run_killed(script, config, after=rng.uniform(0.5, 4.0))
        finished = _run_to_end(config, monkeypatch)
        log.append(f"{i}: {outcome} → {finished}")
        found = check_invariants(admin, state_holds(tmp_path / "state" / "renkei.sqlite"))
        assert found["m365"] >= found["checked"], log
        requests_after = sum(len(admin.get(n, "/_admin/requests")["requests"])
                             for n in ("lgate", "m365", "interactive_study"))
        assert requests_after > requests_before or "EXIT" in outcome, log
    return log


def test_sigkill_at_many_points_then_rerun_loses_and_duplicates_nothing(tmp_path, servers,
                                                                       monkeypatch):
    points = int(os.environ.get("RENKEI_CRASH_POINTS", "4"))
    log = _crash_loop(tmp_path, servers, points, seed=points, monkeypatch=monkeypatch)
    print("\n".join(log))
    assert sum("KILLED" in line for line in log) >= points // 2, log


@pytest.mark.scale
def test_sigkill_thirty_points(tmp_path, servers, monkeypatch):
    log = _crash_loop(tmp_path, servers, 30, seed=30, monkeypatch=monkeypatch)
    assert sum("KILLED" in line for line in log) >= 15, log


def test_dropped_connections_and_throttling_on_loopback_are_retried(tmp_path, servers,
                                                                    monkeypatch):
    """Real sockets closed mid-response (waitress) and 429s: retried, nothing doubled."""
    admin = Admin(requests.Session(), servers.urls)
    admin.seed_city("small", 1, "2025-05-01")
    admin.save_passwords(tmp_path / "passwords", 1)
    for name, route in (("m365", r"\$batch"), ("lgate", "/oneroster/bulk"),
                        ("interactive_study", "/oneroster/delta"),
                        ("c4th", "/oneroster/export")):
        admin.fault(name, kind="drop", route=route, count=2)
    admin.fault("m365", kind="status", status=429, retry_after=0, route=r"\$batch", count=2)
    config = tmp_path / "city.toml"
    config.write_text(config_text(tmp_path, servers.urls), encoding="utf-8")
    assert _run_to_end(config, monkeypatch).startswith("EXIT")
    dropped = [r for r in admin.get("m365", "/_admin/requests")["requests"] if r["fault"]]
    assert len(dropped) == 4
    found = check_invariants(admin, state_holds(tmp_path / "state" / "renkei.sqlite"))
    assert found["m365"] == found["checked"] == found["lgate"]
