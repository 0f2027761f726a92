"""``renkei check oneroster``: check a bundle and print or write the report."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from harness.cli.common import (
    UsageError,
    baseline_options,
    command_group,
    read_baseline,
    settle_baseline,
    write_output,
)
from harness.oneroster import REGISTRY, check_bundle, profile_ids, write_bundle
from harness.oneroster.schema import default_profile_id
from harness.report import FORMATS, render

EPILOG = """\
exit codes: 0 no ERROR finding (or only ones the --baseline expects), 1 ERROR findings,
2 the bundle (or the baseline) could not be read at all.

examples:
  renkei check oneroster RO_20250401_082201.zip
  renkei check oneroster export/ --profile jp-k12-v1
  renkei check oneroster bundle.zip --format junit --output reports/oneroster.xml
  renkei check oneroster bundle.zip --format 1edtech-log     the 1EdTech consumer log row
  renkei check oneroster --list-rules --format json          the catalogue, machine-readable
  renkei check oneroster --sample                            check renkei's bundled sample
  renkei check oneroster bundle.zip --baseline known.toml    accept known findings (XFAIL) by
                                                             rule and file; see the README

OR7xx (importer practice, WARN) are not the spec: they name what strict Japanese e-portal
importers refuse (non-UUID-v4 ids, a manifest without source.systemCode, a BOM, unquoted
fields, extra columns, a blank homeClass, unknown subject codes).
"""


COMMAND = "check oneroster"


def register(subparsers: argparse._SubParsersAction) -> None:
    kinds = command_group(subparsers, "check", help="check a bundle against the standards",
                          description="Check data against the standards.", dest="kind",
                          metavar="KIND")
    p = kinds.add_parser(
        "oneroster", help="check a OneRoster CSV bundle (zip or folder)",
        description="Check a OneRoster 1.2 CSV bundle (zip file or folder) against a profile. "
        "Every finding is listed with its rule id, severity, file, line and column.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("bundle", nargs="?", help="the bundle: a .zip file or a folder of CSV files")
    p.add_argument("--profile", choices=profile_ids(), default=default_profile_id(),
                   help="profile to check against (default: %(default)s)")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="report format (default: %(default)s)")
    p.add_argument("--output", "-o", metavar="FILE",
                   help="write the report to FILE instead of standard output")
    p.add_argument("--max-per-rule", type=_positive, default=100, metavar="N",
                   help="findings listed per rule; the rest are counted (default: %(default)s)")
    p.add_argument("--school-year-reading", choices=("start", "end"), default="start",
                   help="schoolYear is the 年度's first year (start, Japanese practice) or the "
                   "year it ends (end, the base spec)")
    p.add_argument("--list-rules", action="store_true",
                   help="print the rule catalogue and exit")
    p.add_argument("--sample", action="store_true",
                   help="check renkei's bundled sample bundle (a quick demonstration)")
    baseline_options(p)
    p.set_defaults(func=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run(args: argparse.Namespace) -> int:
    if args.list_rules:
        write_output(_catalogue(args.format, args.profile), args.output)
        return 0
    if args.sample:
        if args.bundle:
            raise UsageError("give either a BUNDLE or --sample, not both")
        from harness.oneroster.testset.base import sample_bundle

        with tempfile.TemporaryDirectory(prefix="renkei-sample-") as tmp:
            path = write_bundle(sample_bundle(args.profile),
                                Path(tmp) / "RO_20250501_082201.zip")
            return _check(args, path)
    if not args.bundle:
        raise UsageError("give a BUNDLE to check (a .zip file or a folder), "
                         "or --sample, or --list-rules")
    return _check(args, Path(args.bundle))


def _check(args: argparse.Namespace, path: Path) -> int:
    baseline = read_baseline(args, command=COMMAND, known_rules={r.id for r in REGISTRY})
    result = check_bundle(path, profile=args.profile, cap_per_rule=args.max_per_rule,
                          school_year_reading=args.school_year_reading)
    code = settle_baseline(result.report, args, baseline, command=COMMAND)
    if result.exit_code == 2:
        code = 2  # unreadable: no baseline makes it readable
    write_output(render(result.report, args.format), args.output)
    if args.output:
        sev = result.report.summary["by_severity"]
        print(f"renkei: {path}: {sev['ERROR']} error(s), {sev['WARN']} warning(s); "
              f"report written to {args.output}", file=sys.stderr)
    return code


def _catalogue(fmt: str, profile: str) -> str:
    if fmt == "json":
        return json.dumps(REGISTRY.as_json(), ensure_ascii=False, indent=2) + "\n"
    lines = []
    for rule in REGISTRY:
        scope = "" if rule.applies_to(profile) else f"  (not in {profile})"
        lines.append(f"{rule.id} {rule.severity!s:5} {rule.family:17} {rule.title}{scope}")
        lines.append(f"    {rule.message_en}")
        lines.append(f"    {rule.message_ja}")
    return "\n".join(lines) + "\n"
