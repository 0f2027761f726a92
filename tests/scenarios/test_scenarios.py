"""Every scenario at the run's scale (default ``small``), one test case per step.

Each step runs the real pipeline against the six vendor mocks in-process and checks the
invariants in every system after it (scenarios.invariants) and, where the step says so, the
LTI launches of the affected pupils. ``--renkei-scale tsukuba`` runs them at Tsukuba scale.
"""

from __future__ import annotations

import pytest


@pytest.mark.scenario()
def test_scenario(scenario_step):
    assert scenario_step.passed, scenario_step.explain()
