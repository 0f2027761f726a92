"""The Report object every formatter reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from harness.core import Finding, RuleRegistry, Severity


@dataclass
class Report:
    """The outcome of one check run.

    :param kit: ``oneroster`` or ``lti``.
    :param subject: what was checked (a bundle path, a tool's URL).
    :param rules_run: ids of the rules that were checked; in JUnit each is a test case, so a
        rule that ran and found nothing is a pass.
    :param extra: kit-specific facts a formatter may show (e.g. the files imported).
    """

    kit: str
    subject: str
    profile: str
    registry: RuleRegistry
    findings: list[Finding]
    summary: dict[str, object]
    rules_run: list[str]
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    @property
    def passed(self) -> bool:
        return self.worst is None or self.worst < Severity.ERROR

    def sorted_findings(self) -> list[Finding]:
        """Worst first, then by place, so a reader sees what blocks import before the rest."""
        return sorted(
            self.findings,
            key=lambda f: (-f.severity, f.file or "", f.line or 0, f.column or 0, f.rule),
        )
