"""``renkei pipeline``: run the nightly integration, see its state, write an example config."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

from harness.cli.common import UsageError, command_group, write_output

RUN_EPILOG = """\
exit codes:
  0  applied, or nothing to do
  1  applied, with holds needing attention (see the report)
  2  refused: the export was quarantined or the mass-change guard tripped; nothing applied
     (also: a configuration error, named with its key and line)
  3  interrupted: a target failed; what was done is journaled, re-run to finish

The plan is printed as a table (by school and by change type); while applying, a progress bar
per target goes to stderr when it is a terminal. The run report lists every change, hold and
drop with its PL rule id and reason; passwords, tokens and secrets never appear in it.

examples:
  renkei pipeline init city-config/
  RENKEI_M365_CLIENT_SECRET=renkei-dev-secret renkei pipeline run --config city.toml
  renkei pipeline run --config city.toml --dry-run
  renkei pipeline run --config city.toml --export received/RO_20250501_082201.zip \\
      --format html -o report.html
  renkei pipeline status --config city.toml
  renkei pipeline compact --config city.toml --vacuum
"""

COMPACT_DESCRIPTION = """\
An earlier renkei stored each night's plan with the city's roster and the previous one inside
it (4.2 MB a night at Tsukuba's size, 42 MB at 230,000 pupils) and kept them all; this version
keeps a plan's rosters only while it is being delivered. compact rewrites each finished plan an
earlier version stored so: its decisions are kept, byte for byte what this version stores, one
plan per transaction. A plan still to be delivered is left whole (the next run finishes it).
It takes the run's lock: run it when no pipeline run is in progress.
"""

COMPACT_EPILOG = """\
exit codes:
  0  done
  1  done, but a plan could not be read (named; left as it was) or VACUUM failed
  2  a pipeline run holds the state, there is no state yet, or a configuration error

examples:
  renkei pipeline status --config city.toml            # what the state holds, and its size
  renkei pipeline compact --config city.toml --vacuum  # then give the space back to the disk
"""


def register(sub: argparse._SubParsersAction) -> None:
    psub = command_group(
        sub, "pipeline", help="run the nightly integration pipeline (C4th → e-portal, M365, drill)",
        description="The integration pipeline a board of education runs each night: collect "
                    "the C4th export, check, clean, plan, and deliver to the e-portal, "
                    "Microsoft 365 and the drill app.",
        dest="pipeline_command", metavar="SUBCOMMAND")

    run = psub.add_parser("run", help="collect, plan and apply (or --dry-run)",
                          epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--config", required=True, metavar="FILE", help="the municipality's TOML")
    run.add_argument("--export", metavar="FILE",
                     help="use this bundle instead of fetching (replay a kept export)")
    run.add_argument("--dry-run", action="store_true", help="plan and report, apply nothing")
    run.add_argument("--guard-max-share", type=_share, metavar="SHARE",
                     help="the mass-change guard's limit for this run only (e.g. 0.12 on the "
                     "rollover night); the config file's [guard] max_share is left as it is")
    run.add_argument("--format", choices=("text", "json", "html"), default="text",
                     help="run report format (default text)")
    run.add_argument("-o", "--output", metavar="FILE", help="write the report here")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")
    run.set_defaults(func=cmd_run)

    status = psub.add_parser("status", help="the last runs, open holds, interrupted plans "
                             "and what the state holds")
    status.add_argument("--config", required=True, metavar="FILE")
    status.add_argument("--format", choices=("text", "json"), default="text")
    status.add_argument("--limit", type=int, default=10, help="runs to list (default 10)")
    status.set_defaults(func=cmd_status)

    compact = psub.add_parser(
        "compact", help="drop the rosters an earlier renkei kept in every finished plan",
        description=COMPACT_DESCRIPTION, epilog=COMPACT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    compact.add_argument("--config", required=True, metavar="FILE", help="the municipality's TOML")
    compact.add_argument("--vacuum", action="store_true",
                         help="then give the freed space back to the disk (SQLite's VACUUM: "
                              "needs free disk space of the database's size while it runs)")
    compact.add_argument("--format", choices=("text", "json"), default="text",
                         help="what was done and what the state holds: tables or JSON")
    compact.set_defaults(func=cmd_compact)

    init = psub.add_parser("init", help="write a commented example configuration")
    init.add_argument("dir", metavar="DIR")
    init.add_argument("--name", default="city.toml", help="file name (default city.toml)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=cmd_init)


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a share like 0.12, found {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError("expected a share between 0 and 1 (0.12 = 12%)")
    return value


def _load(path: str) -> Any:
    from pipeline.config import ConfigError, load_config
    try:
        return load_config(path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


class _Bars:
    """One rich progress bar per target on stderr (only when stderr is a terminal)."""

    def __init__(self, enabled: bool) -> None:
        self.progress = None
        self.tasks: dict[str, Any] = {}
        if enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
            self.progress = Progress(TextColumn("{task.description:<6}"), BarColumn(),
                                     MofNCompleteColumn(), console=Console(stderr=True),
                                     transient=False)

    def __enter__(self) -> _Bars:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def __call__(self, target: str, done: int, total: int) -> None:
        if self.progress is None:
            return
        if target not in self.tasks:
            self.tasks[target] = self.progress.add_task(target, total=total)
        self.progress.update(self.tasks[target], completed=done, total=total)


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.config import ConfigError
    from pipeline.report import render_report
    from pipeline.report.run import report_for_run
    from pipeline.run import run_pipeline

    config = _load(args.config)
    if args.guard_max_share is not None:
        config = dataclasses.replace(config, guard_max_share=args.guard_max_share)
    export = None
    if args.export:
        export = Path(args.export)
        if not export.exists():
            raise UsageError(f"--export {args.export}: no such file")
    bars_on = not args.no_progress and sys.stderr.isatty()
    try:
        with _Bars(bars_on) as bars:
            result = run_pipeline(config, export=export, dry_run=args.dry_run, progress=bars)
    except ConfigError as exc:  # e.g. a secret's environment variable is not set
        raise UsageError(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 — a clean line, never a traceback (no secrets)
        from pipeline.report.run import safe_error
        print(f"renkei: pipeline error: {safe_error(exc, config)}", file=sys.stderr)
        return 3
    report = report_for_run(result, config, dry_run=args.dry_run)
    if args.format == "text" and args.output is None:
        # the terminal gets the tables, routine decisions counted per rule, and every decision
        # that needs attention; `-o FILE` keeps the full list
        sys.stdout.write(render_report(report, "text", brief=True))
    else:
        _print_plan(report, to_stderr=args.output is None)
        write_output(render_report(report, args.format), args.output)
    return int(report["run"]["exit_code"])


def _print_plan(report: dict[str, Any], *, to_stderr: bool) -> None:
    """The plan table, the delivery table and a one-line verdict."""
    from rich.console import Console

    from pipeline.report.render import delivery_table, plan_table
    console = Console(stderr=to_stderr, highlight=False)
    for table in (plan_table(report), delivery_table(report)):
        if table is not None:
            console.print(table)
    run, summary = report["run"], report["summary"]
    console.print(f"{run['status']} (exit {run['exit_code']}): {summary['decisions']} "
                  f"decisions, {summary['holds']} holds, {summary['drops']} drops")


def cmd_status(args: argparse.Namespace) -> int:
    from pipeline.apply import unfinished
    from pipeline.state import State, StateError

    config = _load(args.config)
    if not Path(config.state_path).exists():
        raise UsageError(f"no state yet at {config.state_path} (run `renkei pipeline run`)")
    try:
        with State(config.state_path) as state:
            data = {"runs": state.runs(args.limit), "holds": state.holds(),
                    "unfinished": [{"plan_id": u.plan_id, "started_at": u.started_at,
                                    "targets": list(u.targets)} for u in unfinished(state)],
                    "state": state.storage()}
    except StateError as exc:
        raise UsageError(str(exc)) from None
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return 0
    _print_status(data)
    return 0


def _print_status(data: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    runs = Table(title="last runs / 最近の実行")
    for col in ("#", "started", "finished", "plan", "dry", "status", "exit"):
        runs.add_column(col)
    for r in data["runs"]:
        runs.add_row(str(r["id"]), str(r["started_at"] or ""), str(r["finished_at"] or ""),
                     str(r["plan_id"] or ""), "yes" if r["dry_run"] else "",
                     str(r["status"] or ""), str(r["exit_code"] if r["exit_code"] is not None
                                                 else ""))
    console.print(runs)
    holds = Table(title=f"open holds / 保留中 ({len(data['holds'])})")
    for col in ("userMasterIdentifier", "since", "last seen", "rules"):
        holds.add_column(col)
    for umi, h in sorted(data["holds"].items(), key=lambda kv: str(kv[1]["since"])):
        holds.add_row(umi, str(h["since"]), str(h["last_seen"]), ", ".join(h["rules"]))
    console.print(holds)
    if data["unfinished"]:
        table = Table(title="interrupted plans / 中断された計画 (the next run finishes them)")
        for col in ("plan", "started", "targets left"):
            table.add_column(col)
        for u in data["unfinished"]:
            table.add_row(u["plan_id"], u["started_at"], ", ".join(u["targets"]))
        console.print(table)
    else:
        console.print("no interrupted plan / 中断された計画はありません")
    console.print(_storage_table(data["state"]))


def _storage_table(held: dict[str, Any]) -> Any:
    """What the state holds and its size: what a board watches for growth."""
    from rich.table import Table

    def mb(n: int) -> str:
        return f"{n / 1e6:,.1f} MB"

    table = Table(title=f"state / 状態: {held['path']}")
    for col in ("what", "count", "size"):
        table.add_column(col, justify="left" if col == "what" else "right")
    table.add_row("database file / データベース", "", mb(held["file_bytes"]))
    table.add_row("  free pages, reused / 再利用される空き", "", mb(held["free_bytes"]))
    for key, label in (("snapshots", "snapshots (last five that differ) / スナップショット"),
                       ("plans", "plans (decisions) / 計画"),
                       ("plans_stored_whole", "  with rosters, by an earlier renkei / 旧形式"),
                       ("uncommitted", "plans being delivered / 配信中の計画"),
                       ("received", "received exports on disk / 受信したエクスポート")):
        table.add_row(label, str(held[key]["count"]), mb(held[key]["bytes"]))
    return table


def cmd_compact(args: argparse.Namespace) -> int:
    from pipeline.compact import compact_state
    from pipeline.run import RunLock
    from pipeline.state import State, StateError

    config = _load(args.config)
    path = Path(config.state_path)
    if not path.exists():
        raise UsageError(f"no state yet at {path}: nothing to compact")
    lock = RunLock(path)
    if not lock.acquire():
        raise UsageError(f"a pipeline run holds {lock.path}: compact when it has finished")
    try:
        with State(path) as state, _Bars(sys.stderr.isatty()) as bars:
            done = compact_state(state, vacuum=args.vacuum,
                                 progress=lambda n, total: bars("plans", n, total))
            held = state.storage()
    except StateError as exc:
        raise UsageError(str(exc)) from None
    finally:
        lock.release()
    data = {"compacted": dataclasses.asdict(done), "state": held}
    if args.format == "json":
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        from rich.console import Console
        from rich.markup import escape
        console = Console(highlight=False)
        plans = f"{done.plans} plan" + ("" if done.plans == 1 else "s")
        console.print(f"compacted {plans}: {done.bytes_before / 1e6:,.1f} MB → "
                      f"{done.bytes_after / 1e6:,.1f} MB"
                      + (f"; the file gave back {done.vacuumed / 1e6:,.1f} MB"
                         if args.vacuum else "; --vacuum gives the space back to the disk"))
        if done.pending:
            console.print(f"left whole: {done.pending} plans still to be delivered (the next "
                          "run finishes them; compact again after it)")
        for plan_id, why in done.unreadable.items():
            console.print(f"[red]not read, left as it was[/red]: {escape(plan_id)}: "
                          f"{escape(why)}")
        if done.vacuum_error:
            console.print(f"[red]VACUUM failed[/red] (the plans stay compacted; free disk "
                          f"space and run it again): {escape(done.vacuum_error)}")
        console.print(_storage_table(held))
    return 1 if done.unreadable or done.vacuum_error else 0


def cmd_init(args: argparse.Namespace) -> int:
    from pipeline.config import example_config

    target = Path(args.dir) / args.name
    if target.exists() and not args.force:
        raise UsageError(f"{target} exists (use --force to overwrite)")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(example_config(), encoding="utf-8")
    print(f"wrote {target}: edit it, set RENKEI_M365_CLIENT_SECRET, then "
          f"`renkei pipeline run --config {target} --dry-run`")
    return 0
