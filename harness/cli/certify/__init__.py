"""``renkei certify``: certify someone else's system over HTTP on 127.0.0.1.

One module per kind: ``lti-tool`` (:mod:`~harness.cli.certify.lti_tool`), ``lti-platform``
(:mod:`~harness.cli.certify.lti_platform`) and ``oneroster-consumer``
(:mod:`~harness.cli.certify.oneroster_consumer`). What they share (TOML loading with located
errors, the state directory, loopback serving, report output) is in
:mod:`~harness.cli.certify.common`, which imports none of them.
"""

from __future__ import annotations

import argparse

from harness.cli.certify import lti_platform, lti_tool, oneroster_consumer
from harness.cli.common import command_group


def register(subparsers: argparse._SubParsersAction) -> None:
    kinds = command_group(
        subparsers, "certify",
        help="certify an LTI tool or platform, or a OneRoster importer, over HTTP",
        description="Certify someone else's LTI 1.3 system or OneRoster CSV importer.",
        dest="kind", metavar="KIND")
    lti_tool.register(kinds)
    lti_platform.register(kinds)
    oneroster_consumer.register(kinds)
