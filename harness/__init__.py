"""renkei (連携): conformance tests and mock vendors for Japanese school roster and account
integration (OneRoster 1.2 CSV Japan profile, LTI 1.3).

The simple path::

    from harness import check_bundle
    result = check_bundle("RO_20250401_082201.zip")      # profile jp-eportal-v4
    for finding in result.findings:
        print(finding.location(), finding.rule, finding.message_en)
"""

from harness.core import Finding, Rule, Severity
from harness.oneroster import Bundle, CheckResult, check_bundle, read_bundle, write_bundle
from harness.report import Report, render

__version__ = "0.1.0"

__all__ = [
    "Bundle",
    "CheckResult",
    "Finding",
    "Report",
    "Rule",
    "Severity",
    "check_bundle",
    "read_bundle",
    "render",
    "write_bundle",
]
