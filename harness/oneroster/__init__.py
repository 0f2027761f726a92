"""The OneRoster 1.2 CSV kit (Japan profiles): schema, reader, writer, rules and checker.

Pure library: no network IO and no printing (see README.md in this folder).
"""

from harness.oneroster.checker import CheckResult, check_bundle
from harness.oneroster.container import Limits
from harness.oneroster.model import Bundle
from harness.oneroster.reader import read_bundle
from harness.oneroster.rules import REGISTRY
from harness.oneroster.schema import load_profile, profile_ids
from harness.oneroster.writer import write_bundle

__all__ = [
    "REGISTRY",
    "Bundle",
    "CheckResult",
    "Limits",
    "check_bundle",
    "load_profile",
    "profile_ids",
    "read_bundle",
    "write_bundle",
]
