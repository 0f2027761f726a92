"""``renkei testset oneroster``: write the conformance test set (and optionally verify it)."""

from __future__ import annotations

import argparse
from pathlib import Path

from harness.cli.common import command_group
from harness.oneroster import check_bundle, profile_ids
from harness.oneroster.schema import default_profile_id

EPILOG = """\
The folder gets valid/<case>/ and invalid/<case>/ bundles and expected.json, which names the
rule ids the checker must raise for each bundle. Use it to certify your own importer: it must
accept the valid bundles and reject (or log) every invalid one.

examples:
  renkei testset oneroster out/testset
  renkei testset oneroster out/testset-k12 --profile jp-k12-v1 --verify
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    kinds = command_group(subparsers, "testset", help="write a conformance test set",
                          description="Write conformance test sets.", dest="kind",
                          metavar="KIND")
    p = kinds.add_parser("oneroster", help="valid and one-defect OneRoster bundles",
                         description="Write a OneRoster conformance test set like 1EdTech's.",
                         epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir", help="folder to write into (created if missing)")
    p.add_argument("--profile", choices=profile_ids(), default=default_profile_id(),
                   help="profile the bundles are written for (default: %(default)s)")
    p.add_argument("--verify", action="store_true",
                   help="run renkei's checker on every bundle and compare with expected.json")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from harness.oneroster.testset import write_testset

    root = Path(args.outdir)
    doc = write_testset(root, args.profile)
    cases = doc["cases"]
    valid = sum(1 for c in cases if c["valid"])
    print(f"wrote {len(cases)} bundles ({valid} valid, {len(cases) - valid} invalid) for "
          f"{args.profile} to {root}; expectations in {root / 'expected.json'}")
    if not args.verify:
        return 0
    wrong = 0
    for c in cases:
        got = sorted(check_bundle(root / c["bundle"], profile=args.profile).rule_ids())
        if got != c["expected_rules"]:
            wrong += 1
            print(f"MISMATCH {c['id']}: expected {c['expected_rules']}, got {got}")
    print(f"verify: {len(cases) - wrong} passed, {wrong} failed")
    return 1 if wrong else 0
