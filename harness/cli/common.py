"""Helpers shared by command modules: the usage error, command groups, writing outputs
safely."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path

from harness.report import Report
from harness.report.baseline import (
    BaselineError,
    apply_baseline,
    baseline_from,
    load_baseline,
)
from harness.report.model import Expected


class UsageError(Exception):
    """Bad arguments or unusable input named by the user; printed without a traceback."""


def command_group(subparsers: argparse._SubParsersAction, name: str, *, help: str,
                  description: str, dest: str = "action", metavar: str = "ACTION"
                  ) -> argparse._SubParsersAction:
    """Add the command ``name`` whose own subcommands (one required) go in the returned
    action, e.g. ``renkei mock`` with ``list`` and ``up``."""
    parser = subparsers.add_parser(name, help=help, description=description)
    sub = parser.add_subparsers(dest=dest, metavar=metavar)
    sub.required = True
    return sub


def add_names_or_all(p: argparse.ArgumentParser, *, names_help: str, all_help: str) -> None:
    """Positional NAMEs, or ``--all`` (:func:`names_or_all` reads them)."""
    p.add_argument("names", nargs="*", metavar="NAME", help=names_help)
    p.add_argument("--all", action="store_true", help=all_help)


def names_or_all(args: argparse.Namespace, what: str, every: list[str]) -> list[str]:
    """``every`` for ``--all``, else the NAMEs given (maybe none); both is a UsageError."""
    if args.all and args.names:
        raise UsageError(f"give {what} names or --all, not both")
    return every if args.all else args.names


def write_output(text: str, output: str | None) -> None:
    """Print ``text``, or write it to ``output`` atomically (a temp file renamed into place),
    so an interrupted run never leaves a half-written report."""
    if output is None or output == "-":
        sys.stdout.write(text)
        return
    target = Path(output)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- baselines (known failures accepted in CI) ------------------------------------------------
def baseline_options(p: argparse.ArgumentParser) -> None:
    """``--baseline`` and ``--write-baseline``, the same for every checking command."""
    p.add_argument("--baseline", metavar="TOML",
                   help="known failures to accept: a listed failure is reported as expected "
                   "(XFAIL) and does not fail the run; a listed entry that passes is "
                   "reported (XPASS)")
    p.add_argument("--write-baseline", metavar="FILE",
                   help="write a baseline accepting every failure of this run, with reasons")


def read_baseline(args: argparse.Namespace, *, command: str, known_cases: Collection[str] = (),
                  case_pattern: str | None = None, known_rules: Collection[str] = ()
                  ) -> list[Expected] | None:
    """The ``--baseline`` entries (None without the option); a bad file is a UsageError."""
    if not getattr(args, "baseline", None):
        return None
    try:
        return load_baseline(args.baseline, command=command, known_cases=known_cases,
                             case_pattern=case_pattern, known_rules=known_rules)
    except BaselineError as exc:
        raise UsageError(str(exc)) from None


def settle_baseline(report: Report, args: argparse.Namespace, entries: list[Expected] | None,
                    *, command: str) -> int:
    """Apply the baseline to ``report``, write ``--write-baseline``; return the exit code
    (0 when every failure is expected, else 1)."""
    if entries is not None:
        apply_baseline(report, entries, source=args.baseline)
    target = getattr(args, "write_baseline", None)
    if target:
        write_output(baseline_from(report, command=command), target)
        print(f"renkei: baseline written to {target}", file=sys.stderr)
    return 0 if report.passed else 1

