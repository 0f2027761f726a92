"""The ground floor shared by every kit: rules, findings and results.

Nothing here imports from the rest of renkei; ``harness.oneroster`` and ``harness.lti`` build on it.
"""

from harness.core.findings import Finding, FindingCollector
from harness.core.rules import Rule, RuleRegistry, Severity

__all__ = ["Finding", "FindingCollector", "Rule", "RuleRegistry", "Severity"]
