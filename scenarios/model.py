"""Scenarios as data: a :class:`Scenario` is a list of :class:`Step` records, each naming an
action (a small function in :mod:`scenarios.actions`) and the outcomes it expects, in words a
board of education reads (ja and en) and in checks the runner makes.

A step's result is a list of findings (:class:`harness.core.Finding`) under the ``SC``/``IV``
catalogue of :mod:`scenarios.rules`, so every report format renders it unchanged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.core import Finding, FindingCollector, Severity
from scenarios.rules import REGISTRY


@dataclass(frozen=True)
class Step:
    """One step of a scenario (手順, tejun).

    :param id: stable within the scenario (``"2"``, ``"rerun"``); JUnit names it.
    :param action: the name of a step function in :data:`scenarios.actions.ACTIONS`.
    :param args: the action's arguments (plain data).
    :param expect: named expectations (:data:`scenarios.actions.EXPECTATIONS`) with their
        arguments, checked after the action and before the invariants.
    :param title_ja: what happens, as the board would say it.
    :param outcome_ja: what every system should look like afterwards.
    :param invariants: check the invariants in every system after this step.
    :param launch: launch the affected students into their tools after this step
        (``"affected"``), everyone (``"all"``), a fixed sample (``"sample:N"``, the first N
        by userMasterIdentifier) or nobody (``None``).
    """

    id: str
    action: str
    title_ja: str
    title_en: str
    outcome_ja: str
    outcome_en: str
    args: Mapping[str, Any] = field(default_factory=dict)
    expect: Mapping[str, Any] = field(default_factory=dict)
    invariants: bool = True
    launch: str | None = None


@dataclass(frozen=True)
class Scenario:
    """A scenario (シナリオ): a business story with its expected outcome in every system.

    :param name: the CLI name (``enrolment``, ``rollover`` …).
    :param title_ja: the business name (新入生登録 …).
    :param source: the pilot report section it traces to (``§4.2.1``).
    :param quirks: the c4th quirks the city is seeded with (``"all"``, ``"none"``, a list).
    :param config: pipeline options this scenario needs (grace policy, guard …).
    """

    name: str
    title_ja: str
    title_en: str
    source: str
    summary_ja: str
    summary_en: str
    steps: tuple[Step, ...]
    quirks: str = "none"
    config: Mapping[str, Any] = field(default_factory=dict)
    #: c4th configuration (e.g. the as_of date) and tool configuration overrides
    vendor_config: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    failure_story: bool = False

    def step(self, step_id: str) -> Step:
        for s in self.steps:
            if s.id == step_id:
                return s
        raise KeyError(f"scenario {self.name} has no step {step_id!r}")


class StepFindings:
    """Collects one step's findings, capped per rule (a broken rollover can break thousands)."""

    def __init__(self, scenario: str, step: str, *, cap_per_rule: int = 50) -> None:
        self.scenario = scenario
        self.step = step
        self._collector = FindingCollector(REGISTRY, cap_per_rule=cap_per_rule)

    def add(self, rule: str, *, system: str, record: object = None, **params: object) -> None:
        """Add a finding about ``record`` (a umi, UPN, tool) in ``system``."""
        self._collector.add(rule, file=f"{self.scenario}/{self.step} {system}", value=record,
                            **params)

    @property
    def findings(self) -> list[Finding]:
        return self._collector.findings

    @property
    def counts(self) -> Counter[str]:
        return self._collector.counts

    def suppressed(self) -> dict[str, int]:
        return self._collector.suppressed()

    def errors(self) -> int:
        return sum(n for rule, n in self.counts.items()
                   if REGISTRY[rule].severity is Severity.ERROR)


@dataclass
class StepResult:
    """The outcome of one step: its findings, timings and facts for the reports."""

    scenario: str
    step: Step
    findings: list[Finding]
    counts: dict[str, int]
    suppressed: dict[str, int]
    seconds: float
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def name(self) -> str:
        return f"{self.scenario}/{self.step.id}"

    def explain(self) -> str:
        """Every ERROR finding, one per line (for a failed assertion or a terminal)."""
        lines = [f"{f.rule} {f.location()}: {f.message_en} [{f.value or '-'}]"
                 for f in self.findings if f.severity is Severity.ERROR]
        for rule, n in sorted(self.suppressed.items()):
            lines.append(f"{rule}: {n} more")
        return "\n".join(lines) or "passed"


@dataclass
class ScenarioResult:
    """All steps of one scenario run (stops at the first step that could not run)."""

    scenario: Scenario
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(s.passed for s in self.steps) and len(self.steps) == len(
            self.scenario.steps)
