"""The ``renkei`` command (also ``python -m harness``).

Each command lives in its own module under ``harness.cli`` with a ``register(subparsers)``
function; this module only assembles them and turns errors into exit codes, never tracebacks.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from harness import __version__
from harness.cli.common import UsageError

#: Command modules, in the order ``renkei --help`` lists them.
COMMANDS: tuple[str, ...] = (
    "check", "testset", "city", "certify", "mock", "pipeline", "scenario", "rehearse",
)

DESCRIPTION = """\
renkei (連携) — conformance tests and mock vendors for Japanese school roster and account
integration: OneRoster 1.2 CSV (Japan profile) and LTI 1.3.

examples:
  renkei check oneroster RO_20250401_082201.zip          check a bundle (text report)
  renkei check oneroster export/ --format json -o r.json  a folder, JSON report to a file
  renkei check oneroster --list-rules                     the rule catalogue
  renkei testset oneroster out/                           write a conformance test set
  renkei city generate --profile tsukuba --seed 1 --out city/   a synthetic Tsukuba
  renkei certify lti-tool --config tool.toml              certify an LTI 1.3 tool
  renkei mock up --all                                    serve every vendor mock on 127.0.0.1
  renkei pipeline run --config city.toml                  one nightly run of the pipeline
  renkei scenario run --all                               every scenario suite (small city)
  renkei rehearse                                         the April rollover, Tsukuba scale
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="renkei", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"renkei {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"harness.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"renkei: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("renkei: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
