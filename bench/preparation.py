"""Benchmark: the board's 準備状況レポート (``renkei rehearse --export … --config …``) at
Tsukuba scale.

Run: ``python bench/preparation.py [--profile tsukuba] [--repeat N]``.

The synthetic city with every quirk is exported (and its ID・初期パスワード file written); two
previews are measured, each in its own child process (peak RSS is that process's VmHWM):

- ``first``: an empty state (before the initial link), the preview of this year's export;
- ``rollover``: the state holds last year's applied plan (committed as ``pipeline run`` would),
  and the export is the next 年度's after C4th's year change — the preview the board makes in
  March, with every section filled.

Each preview is the whole job: read and check the export, plan on a copy of the state, build
the report, write preparation.json, preparation.html and the per-school CSV files, append the
history. Target: ≤ 5 s and ≤ 500 MB per preview.

Measured (Python 3.11.7, Linux x86-64, 2 vCPU container shared with other jobs; seed 1, all
quirks, as of 2025-05-01; 2026-12-06). Wall time depends on what else runs on the two cores:

  tsukuba 22,900 pupils  first     wall 2.15 s  CPU 1.93 s  peak RSS 207 MB   (load ~7, a
                         rollover  wall 2.71 s  CPU 2.42 s  peak RSS 266 MB    quiet moment)
                         first     wall 9.23 s  CPU 2.32 s  peak RSS 206 MB   (load 12.1,
                         rollover  wall 10.26 s CPU 2.68 s  peak RSS 264 MB    contended)
  (rollover: 2,756 people to fix, 42 files written)

Both targets (≤ 5 s, ≤ 500 MB) hold when the preview has a core to itself: it is one
single-threaded process, and its wall time is then about its CPU time.
In-process breakdown of the rollover preview under load:
the pipeline's plan path (validate, read, preprocess, reconcile on the state copy) about 80%,
the report's own build 0.4–0.6 s, writing JSON 0.2 s, HTML 0.7–1.0 s, CSV 0.1–0.3 s.

2026-12-06, issue 15's last parts (--repeat 5, least CPU of five runs each, load 9–14 on
2 cores from other jobs, so neither the wall times nor the quiet figures above compare):
the first preview now also foresees the rollover night (two more reconciles); then the export
is parsed once, the checker keeping the bundle it parses for the plan
(``check_bundle(keep_bundle=True)``) instead of a second read:

  before (parsed twice)  first     CPU 2.39 s  peak RSS 223 MB
                         rollover  CPU 2.66 s  peak RSS 279 MB
  after (parsed once)    first     CPU 2.18 s  peak RSS 223 MB
                         rollover  CPU 2.39 s  peak RSS 279 MB

In-process, best of three (Tsukuba export, 4.8 MB zip): check 0.56 s + read 0.42 s before;
check keeping the bundle 0.67 s after (what remains is building the rows' dicts).
Then the forecast under the cyclic-GC pause, and without the eve's re-plan when no grace
policy is set (those nights change nothing then): the forecast itself costs about 0.3 s of
CPU (in process: plan path 1.43 s, with the forecast 1.81 s; a grace policy adds one more
reconcile). Least of five, load 14–15: first CPU 1.90 s, 221 MB; rollover CPU 2.28 s,
278 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

CONFIG = '''
[municipality]
name = "ベンチ市"
board_code = "{board}"
[state]
path = "{tmp}/state/renkei.sqlite"
[source]
url = "http://127.0.0.1:9/"
[targets.lgate]
url = "http://127.0.0.1:9/"
[targets.m365]
graph_url = "http://127.0.0.1:9/"
tenant = "renkei"
client_id = "renkei-pipeline"
client_secret_env = "RENKEI_M365_CLIENT_SECRET"
[accounts]
password_file = "{tmp}/passwords.csv"
[special_needs.terms]
"（知的障害）" = ""
"（自閉症・情緒障害）" = ""
"（肢体不自由）" = ""
"（病弱・身体虚弱）" = ""
"（弱視）" = ""
"（難聴）" = ""
"（言語障害）" = ""
'''

_PREVIEW = r"""
import datetime as dt, json, sys, time
sys.path[:0] = [{root!r}]
t0 = time.perf_counter()
from scenarios.preparation import prepare, write_preparation
from scenarios.preparation.build import build_preparation
tmp, zip_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
t, cpu = time.perf_counter(), time.process_time()
prepared = prepare(zip_path, tmp + "/city.toml", now=dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
                   history_dir=tmp + "/history")
files = write_preparation(prepared, __import__("pathlib").Path(out))
total, cpu = time.perf_counter() - t, time.process_time() - cpu
print(json.dumps({{"total_s": total, "cpu_s": cpu, "import_s": t - t0,
                   "people_to_fix": prepared.data["summary"]["people_to_fix"],
                   "files": len(files), "exit_code": prepared.exit_code,
                   "peak_rss_mb": next(int(l.split()[1]) for l in open("/proc/self/status")
                                       if l.startswith("VmHWM")) / 1024}}))
"""


def _child(tmp: Path, export: Path, out: Path, repeat: int = 1) -> dict:
    """The preview in a fresh process, ``repeat`` times: the least CPU and wall time (the
    run least disturbed by other jobs) and the highest peak RSS."""
    runs = []
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, "-c", _PREVIEW.format(root=str(ROOT)),
                               str(tmp), str(export), str(out)], capture_output=True,
                              text=True, check=False)
        if proc.returncode != 0:
            raise SystemExit(proc.stderr)
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    best = dict(runs[0])
    best.update(total_s=min(r["total_s"] for r in runs), cpu_s=min(r["cpu_s"] for r in runs),
                peak_rss_mb=max(r["peak_rss_mb"] for r in runs))
    return best


def _commit_first_plan(tmp: Path, export: Path) -> None:
    """The state after last year's nightly run, as ``pipeline run`` leaves it."""
    import hashlib

    from pipeline.config import load_config
    from pipeline.plan import plan_export
    from pipeline.run import _commit, _commit_data
    from pipeline.state import State

    config = load_config(tmp / "city.toml")
    now = dt.datetime(2025, 5, 1, 2, 0, tzinfo=dt.UTC)
    with State(config.state_path) as state:
        planning = plan_export(export, config, state, now=now,
                               export_sha256=hashlib.sha256(export.read_bytes()).hexdigest())
        assert planning.outcome is not None
        _commit(state, planning.outcome.plan, _commit_data(planning.outcome), now)


def main() -> None:
    from fixtures import QUIRKS, export_city, generate_city, load_profile
    from fixtures.events import apply_event
    from fixtures.passwords import write_password_file_for

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--profile", default="tsukuba")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each preview N times; report the least CPU and wall time")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="renkei-bench-prep-") as name:
        tmp = Path(name)
        t = time.perf_counter()
        city = generate_city(load_profile(args.profile), 1, as_of=dt.date(2025, 5, 1),
                             quirks=frozenset(QUIRKS))
        export = export_city(city, tmp / "c4th")
        write_password_file_for(city, tmp / "passwords.csv")
        config = CONFIG.format(board=city.profile.board_code, tmp=tmp)
        (tmp / "city.toml").write_text(config, "utf-8")
        print(f"city {args.profile}: {len(city.students):,} pupils, export and password file "
              f"in {time.perf_counter() - t:.1f} s (not timed below)")
        first = _child(tmp, export, tmp / "out-first", args.repeat)
        _show("first", first)
        _commit_first_plan(tmp, export)
        apply_event(city, "advance-year")
        rolled = export_city(city, tmp / "c4th")
        rollover = _child(tmp, rolled, tmp / "out-rollover", args.repeat)
        _show("rollover", rollover)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              "(wall time grows with it; CPU time much less)")
        for name_, r in (("first", first), ("rollover", rollover)):
            ok = r["total_s"] <= 5 and r["peak_rss_mb"] <= 500
            print(f"{name_}: target ≤ 5 s and ≤ 500 MB {'holds' if ok else 'MISSED'} "
                  f"(CPU {r['cpu_s']:.2f} s)")


def _show(name: str, r: dict) -> None:
    print(f"{name:<9} {r['total_s']:.2f} s (CPU {r['cpu_s']:.2f} s)  peak RSS "
          f"{r['peak_rss_mb']:.0f} MB  people to fix {r['people_to_fix']:,}  files {r['files']}")

if __name__ == "__main__":
    main()
