"""The end-to-end scenario suites, the runner, the invariants and the April rollover rehearsal.

Scenarios are data (:mod:`scenarios.suites`) made of small step functions
(:mod:`scenarios.actions`); the runner (:mod:`scenarios.runner`) runs them against the six
vendor systems (in-process or live, :mod:`scenarios.vendors`) and the real pipeline, checks the
invariants of DESIGN.md in every system after each step (:mod:`scenarios.invariants`) and
launches the affected pupils into every tool that applies (:mod:`scenarios.launches`)::

    from scenarios import SCENARIOS, run_scenario, build_report
    result = run_scenario(SCENARIOS["transfer"], scale="small", seed=1)
    report = build_report([result], subject="transfer")

Stands on fixtures, mocks, pipeline and harness; only harness.cli and the pytest plugin import it.
"""

from scenarios.model import Scenario, ScenarioResult, Step, StepResult
from scenarios.rules import REGISTRY
from scenarios.runner import SCALES, build_report, run_scenario, run_step
from scenarios.suites import SCENARIOS

__all__ = ["REGISTRY", "SCALES", "SCENARIOS", "Scenario", "ScenarioResult", "Step",
           "StepResult", "build_report", "run_scenario", "run_step"]
