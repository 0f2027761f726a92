"""``renkei rehearse``: the April rollover rehearsal (年次更新のリハーサル), the main job."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from fixtures.profiles import BUILTIN
from harness.cli.common import UsageError, write_output

EPILOG = """\
Without --export: a full 年次更新 at Tsukuba scale on the embedded default (SQLite, the six
vendor mocks in-process): this year's accounts everywhere, then the rollover (graduates out,
everyone up a grade, new classes, new entrants in) through the real pipeline; every invariant
checked in every system, every pupil launched into every tool that applies (LTI 1.3).
Writes DIR/rehearsal.html (Japanese, English toggle, works offline) and DIR/rehearsal.json.

With --export and --config: the 準備状況レポート (preparation report) on YOUR export and
configuration, touching no real system (--probe only reads): the model schedule's preparation
tasks, each with a status, a deadline and who fixes what, where. Writes DIR/preparation.html,
DIR/preparation.json and DIR/schools/<学校コード>_<学校名>.csv (fix lists for the schools), and
adds a line (counts only) to the preview history.

exit codes: 0 every invariant and launch holds (preview: nothing blocks April); 1 something
broke (preview: people will be held); 2 bad arguments or unusable input (preview: the export
or the plan would be refused).

examples:
  renkei rehearse                                   Tsukuba scale, report in ./renkei-rehearsal-…/
  renkei rehearse --scale small -o out/             a quick one
  renkei rehearse --workers 2 --seed 7
  renkei rehearse --export RO_20260401_082201.zip --config city.toml -o preview/
  renkei rehearse --export RO_20260401_082201.zip --config city.toml --probe -o preview/
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "rehearse", help="rehearse the April rollover (年次更新) end to end",
        description="Rehearse the April rollover on a copy of every system.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", choices=tuple(BUILTIN), default="tsukuba",
                   help="the synthetic city's size (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1, help="the city's seed (default: 1)")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="processes for the launches (default: all cores)")
    p.add_argument("--live", action="store_true",
                   help="serve the mocks as real HTTP servers on 127.0.0.1")
    p.add_argument("--output", "-o", metavar="DIR",
                   help="where the reports go (default: ./renkei-rehearsal-<time>/)")
    p.add_argument("--export", metavar="ZIP", help="preview YOUR export (needs --config)")
    p.add_argument("--config", metavar="TOML", help="your pipeline configuration")
    p.add_argument("--probe", action="store_true",
                   help="with --export: reach each configured system, read only (C4th's "
                   "export URL, the e-portal's and drill app's user lists, a Microsoft 365 "
                   "token); nothing is written")
    p.add_argument("--history", metavar="DIR",
                   help="with --export: keep the preview history here (default: the config's "
                   "state folder)")
    p.set_defaults(func=run)


def _out_dir(args: argparse.Namespace, kind: str) -> Path:
    if args.output:
        return Path(args.output)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(f"renkei-{kind}-{stamp}")


def run(args: argparse.Namespace) -> int:
    if bool(args.export) != bool(args.config):
        raise UsageError("--export and --config go together (a preview of your own data)")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    if (args.probe or args.history) and not args.export:
        raise UsageError("--probe and --history go with --export (the preparation report)")
    if args.export:
        return _preview(args)
    return _rehearse(args)


def _preview(args: argparse.Namespace) -> int:
    from scenarios.preparation import PreparationError, prepare, write_preparation
    from scenarios.preparation.probe import Prober

    try:
        prepared = prepare(args.export, args.config, probe=Prober() if args.probe else None,
                           history_dir=args.history)
    except PreparationError as exc:
        raise UsageError(str(exc)) from None
    out = _out_dir(args, "preparation")
    files = write_preparation(prepared, out)
    data = prepared.data
    print(data["headline"]["ja"])
    for task in data["tasks"]:
        print(f"  {task['ja']}: {task['status_ja']}（期限 {task['deadline']}）")
        guard, ahead = task.get("guard"), task.get("rollover_forecast")
        if ahead:  # a weekly preview: the rollover night foreseen
            print(f"    {ahead['say_ja']}")
        elif guard and guard["tripped"]:  # the rollover export itself: the exact answer
            print(f"    安全装置で止まります。その夜だけ通すには: {guard['let_through']}")
    print(f"reports: {out / 'preparation.html'}, {out / 'preparation.json'}, "
          f"{len(files) - 2} fix list(s) in {out / 'schools'}")
    return prepared.exit_code


def _rehearse(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scenarios.rehearsal import PHASES, rehearse
    from scenarios.rehearsal_html import PHASES_JA, render_rehearsal_html
    from scenarios.runner import ScenarioSetupError, exit_on_sigterm

    console = Console(stderr=True)
    out = _out_dir(args, "rehearsal")
    # a stopped rehearsal still removes its state (RAM in /dev/shm)
    with exit_on_sigterm(), Progress(TextColumn("{task.description:<34}"), BarColumn(), TextColumn(
            "{task.completed:>6.0f}/{task.total:<6.0f}"), TimeElapsedColumn(),
            console=console, disable=not console.is_terminal) as bar:
        tasks = {p: bar.add_task(f"{PHASES_JA.get(p, p)} {p}", total=1, start=False)
                 for p in PHASES}

        def progress(phase: str, done: int, total: int | None) -> None:
            task = tasks.get(phase)
            if task is None:
                return
            bar.start_task(task)
            if total is not None:
                bar.update(task, completed=done, total=total)
        try:
            result = rehearse(scale=args.scale, seed=args.seed, workers=args.workers,
                              live=args.live, progress=progress)
        except ScenarioSetupError as exc:
            raise UsageError(f"cannot start the systems: {exc}") from None
    data = result.to_json()
    write_output(render_rehearsal_html(data), str(out / "rehearsal.html"))
    write_output(json.dumps(data, ensure_ascii=False, indent=1) + "\n",
                 str(out / "rehearsal.json"))
    _summary(console, data, out)
    return 0 if result.passed else 1


def _summary(console: Any, data: dict[str, Any], out: Path) -> None:
    from rich.table import Table

    t = data["totals"]
    table = Table(title="年次更新リハーサル / rollover rehearsal", show_header=True)
    for col in ("students", "created", "promoted", "moved", "graduated", "held"):
        table.add_column(col, justify="right")
    table.add_row(*(str(t.get(c, 0)) for c in ("students", "created", "promoted", "moved",
                                               "graduated", "held")))
    console.print(table)
    broken = sum(r["broken"] for r in data["invariants"] if r["severity"] == "ERROR")
    launched = sum(s.get("launched", 0) for s in data["launches"].values())
    failed = sum(s.get("failed", 0) for s in data["launches"].values())
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in data["phases"].items())
    console.print(f"invariants broken: {broken}; launches: {launched} ({failed} failed)")
    console.print(f"phases: {phases}")
    verdict = "[green]PASS[/green]" if data["passed"] else "[red]FAIL[/red]"
    console.print(f"{verdict}  reports: {out / 'rehearsal.html'}, {out / 'rehearsal.json'}")
