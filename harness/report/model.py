"""The Report object every formatter reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from harness.core import Finding, RuleRegistry, Severity

#: The states a checked item can end in once a baseline is applied: it passed, it failed, it
#: failed as the baseline expects (XFAIL), or it is listed in the baseline but passed (XPASS).
PASS, FAIL, XFAIL, XPASS = "pass", "fail", "xfail", "xpass"


@dataclass(frozen=True)
class Expected:
    """One entry of a baseline (known failures accepted for now, as the OpenID Foundation's
    conformance suite keeps expected-failures files).

    Either ``case`` (a certification case id; it covers that case and every finding about it)
    or ``rule`` with an optional ``file`` (every finding of that rule, in that file).

    :param reason: why the failure is accepted; shown in every report.
    :param line: the entry's line in the baseline file (for messages).
    """

    reason: str
    case: str | None = None
    rule: str | None = None
    file: str | None = None
    line: int = 0

    @property
    def key(self) -> str:
        if self.case is not None:
            return f"case {self.case}"
        return f"{self.rule} in {self.file}" if self.file else f"{self.rule}"

    def covers(self, finding: Finding) -> bool:
        if self.case is not None:
            return finding.file == self.case
        return finding.rule == self.rule and (self.file is None or finding.file == self.file)


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
    #: the baseline in force (``--baseline``); see :mod:`harness.report.baseline`
    baseline: list[Expected] = field(default_factory=list)
    baseline_file: str | None = None

    @property
    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings if not self.expected_for(f)),
                   default=None)

    @property
    def passed(self) -> bool:
        """No ERROR finding that the baseline does not expect."""
        return self.worst is None or self.worst < Severity.ERROR

    def expected_for(self, finding: Finding) -> Expected | None:
        """The baseline entry that accepts ``finding`` (an XFAIL), or None."""
        return next((e for e in self.baseline if e.covers(finding)), None)

    def state_of(self, finding: Finding) -> str:
        """``xfail`` for an accepted finding; ``fail`` for an ERROR; else ``pass``."""
        if self.expected_for(finding):
            return XFAIL
        return FAIL if finding.severity is Severity.ERROR else PASS

    def xfails(self) -> list[Expected]:
        """Baseline entries that matched a failure this run (expected failures)."""
        return [e for e in self.baseline if e not in self.xpasses()]

    def xpasses(self) -> list[Expected]:
        """Baseline entries that matched nothing: the case or rule passes now (XPASS)."""
        failing_cases = {str(c.get("case")) for c in self.case_rows()
                         if c.get("verdict") in (FAIL, XFAIL, "not reached")}
        out = []
        for e in self.baseline:
            if e.case is not None:  # a case counts as failing, not for a WARN about it
                hit = e.case in failing_cases or any(
                    e.covers(f) and f.severity is Severity.ERROR for f in self.findings)
            else:
                hit = any(e.covers(f) for f in self.findings)
            if not hit:
                out.append(e)
        return out

    def case_rows(self) -> list[dict[str, object]]:
        """The certification cases (``extra['cases']``), as mutable dicts."""
        cases = self.extra.get("cases")
        return [c for c in cases if isinstance(c, dict)] if isinstance(cases, list) else []

    def sorted_findings(self) -> list[Finding]:
        """Worst first, then by place, so a reader sees what blocks import before the rest."""
        return sorted(
            self.findings,
            key=lambda f: (-f.severity, f.file or "", f.line or 0, f.column or 0, f.rule),
        )
