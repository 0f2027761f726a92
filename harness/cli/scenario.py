"""``renkei scenario``: list and run the end-to-end scenario suites."""

from __future__ import annotations

import argparse
import sys

from fixtures.profiles import BUILTIN
from harness.cli.common import (
    UsageError,
    add_names_or_all,
    command_group,
    names_or_all,
    write_output,
)
from harness.report import FORMATS as REPORT_FORMATS
from harness.report import render

#: Every report format but the 1EdTech consumer log, which records a OneRoster importer's
#: certification and has no row for a scenario step.
FORMATS = tuple(f for f in REPORT_FORMATS if f != "1edtech-log")

RUN_EPILOG = """\
Each scenario builds the synthetic city in the c4th mock, runs the real pipeline against the
six vendor mocks and after every step checks the invariants in every system (each active pupil
in lgate once with the right school, grade, class and name; one Microsoft 365 account; the
right status in the drill app; nobody lost, duplicated or silently moved), then launches the
affected pupils into every tool that applies through the full LTI 1.3 flow.

exit codes: 0 every step held, 1 a step failed (ERROR findings), 2 bad arguments or a system
could not be started.

examples:
  renkei scenario list
  renkei scenario run transfer                       one scenario, in-process, text report
  renkei scenario run --all --format junit -o scenarios.xml
  renkei scenario run rollover --scale tsukuba --workers 2
  renkei scenario run outage --live                  the mocks as real servers on 127.0.0.1
  renkei scenario run --all --live --tls             … over https from a local CA
  renkei scenario run holds --format html -o holds.html
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    sub = command_group(subparsers, "scenario", help="run the end-to-end scenario suites",
                        description="The end-to-end scenario suites (新入生登録, 転入, "
                        "市内転出入, 転出, 卒業, 年次更新, 初回連携 and the failure stories).")
    ls = sub.add_parser("list", help="list the scenarios and their steps")
    ls.add_argument("--steps", action="store_true", help="also list every step")
    ls.set_defaults(func=run_list)
    run = sub.add_parser("run", help="run scenarios and report",
                         description="Run scenarios against the vendor mocks and the pipeline.",
                         epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_names_or_all(run, names_help="scenarios to run", all_help="run every scenario")
    run.add_argument("--scale", choices=tuple(BUILTIN), default="small",
                     help="the city's size (default: %(default)s)")
    run.add_argument("--seed", type=int, default=1, help="the city's seed (default: 1)")
    run.add_argument("--live", action="store_true",
                     help="serve the mocks as real HTTP servers on 127.0.0.1 (free ports)")
    run.add_argument("--tls", action="store_true",
                     help="with --live: serve https from a local CA the pipeline trusts "
                     "(ca_file)")
    run.add_argument("--workers", type=int, default=None, metavar="N",
                     help="processes: scenarios run side by side, or one scenario's launches "
                     "(default: all cores)")
    run.add_argument("--format", choices=FORMATS, default="text",
                     help="report format (default: %(default)s)")
    run.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE")
    run.add_argument("--quiet", "-q", action="store_true", help="no per-step lines on stderr")
    run.set_defaults(func=run_scenarios)


def run_list(args: argparse.Namespace) -> int:
    from scenarios import SCENARIOS

    for s in SCENARIOS.values():
        kind = " (failure story)" if s.failure_story else ""
        print(f"{s.name:18} {s.title_ja} — {s.title_en}{kind}  [{s.source}]")
        if args.steps:
            for step in s.steps:
                print(f"    {step.id:18} {step.title_ja} / {step.title_en}")
                if step.outcome_en != "—":
                    print(f"    {'':18} → {step.outcome_ja} / {step.outcome_en}")
    return 0


def run_scenarios(args: argparse.Namespace) -> int:
    from scenarios import SCENARIOS, build_report
    from scenarios.launches import default_workers
    from scenarios.runner import ScenarioSetupError, run_many

    names = names_or_all(args, "scenario", list(SCENARIOS))
    if not names:
        raise UsageError("name at least one scenario (renkei scenario list) or give --all")
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise UsageError(f"unknown scenario(s) {', '.join(unknown)}; "
                         f"known: {', '.join(SCENARIOS)}")
    if args.workers is not None and args.workers < 1:
        raise UsageError("--workers must be at least 1")
    workers = args.workers or default_workers()
    if args.tls and not args.live:
        raise UsageError("--tls serves the mocks over https: give --live too")

    def echo(result) -> None:  # noqa: ANN001 - a ScenarioResult
        if args.quiet:
            return
        for step in result.steps:
            mark = "ok  " if step.passed else "FAIL"
            print(f"{mark} {step.name:34} {step.seconds:6.2f}s  {step.step.title_ja}",
                  file=sys.stderr)

    try:
        results = run_many(names, workers=workers, on_result=echo, scale=args.scale,
                           seed=args.seed, live=args.live, tls=args.tls)
    except ScenarioSetupError as exc:
        raise UsageError(f"cannot start the systems: {exc}") from None
    report = build_report(results, subject=", ".join(names), scale=args.scale)
    write_output(render(report, args.format), args.output)
    return 0 if all(r.passed for r in results) else 1
