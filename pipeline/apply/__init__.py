"""Delivery: apply a plan to lgate, Microsoft 365 and the drill app, journaled per target.

``apply_plan(plan, config=…, state=…, session_factory=…, progress=…)`` delivers the plan's
roster to every configured target (DESIGN.md rules 11–14):

- each target is its own unit: a failure (after the HTTP client's retries) stops that target,
  leaves it as it was or as planned, and does not stop the others; the plan stays journaled
  as unfinished and :func:`unfinished` hands it to the next run, which finishes it first;
- every step is idempotent, and what each target holds is compared with what it was last
  confirmed to hold, so a re-run of the same export makes no call that changes anything;
- passwords, tokens and client secrets never reach a result, a log line or an exception.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from harness.accounts.passwords import PasswordEntry
from harness.core.gcpause import frozen_heap, keep_frozen
from pipeline.apply import drill, lgate, m365
from pipeline.apply.bundles import BundleRejected, Source
from pipeline.apply.context import ApplyResult, Context, Progress, TargetResult
from pipeline.apply.journal import Journal, Unfinished, unfinished
from pipeline.apply.targets import (
    ORDER,
    PasswordSourceError,
    Targets,
    targets_from_config,
)
from pipeline.http import SessionFactory, TargetError
from pipeline.model import Plan

log = logging.getLogger("pipeline.apply")

STEPS = {"lgate": lgate.STEPS, "m365": m365.STEPS, "drill": drill.STEPS}
_DELIVER: dict[str, Callable[[Context], TargetResult]] = {
    "lgate": lgate.deliver, "m365": m365.deliver, "drill": drill.deliver}

__all__ = [
    "ApplyResult", "BundleRejected", "Journal", "PasswordEntry", "Progress", "Source",
    "TargetResult", "Targets", "Unfinished", "apply_plan", "apply_to", "targets_from_config",
    "unfinished",
]


def apply_plan(plan: Plan, *, config: Any, state: Any,
               session_factory: SessionFactory | None = None,
               progress: Progress | None = None, targets: Targets | None = None,
               sleep: Callable[[float], None] | None = None) -> ApplyResult:
    """Deliver ``plan`` to every target ``config`` enables; see the module docstring.

    :param state: the pipeline's :class:`pipeline.state.State` (or a sqlite3 connection).
    :param progress: ``progress(target, done, total)`` as each target advances.
    :param targets: ready-made clients (tests); default: built from ``config``.
    :param sleep: the HTTP clients' wait between retries (tests pass a no-op).
    """
    if plan.refused:
        raise ValueError(f"plan {plan.id} was refused by the mass-change guard; "
                         "nothing may be applied")
    if targets is None:
        targets = (targets_from_config(config, session_factory) if sleep is None
                   else targets_from_config(config, session_factory, sleep=sleep))
    return apply_to(plan, targets, state, progress=progress)


def apply_to(plan: Plan, targets: Targets, state: Any, *,
             progress: Progress | None = None) -> ApplyResult:
    """Deliver ``plan`` through ready-made ``targets`` (the work behind :func:`apply_plan`).

    The plan and everything else alive when the delivery starts stay out of the cyclic
    collector's full collections while it runs (:func:`harness.core.gcpause.frozen_heap`).
    """
    with frozen_heap():
        return _deliver_all(plan, targets, state, progress)


def _deliver_all(plan: Plan, targets: Targets, state: Any,
                 progress: Progress | None) -> ApplyResult:
    journal = Journal(state)
    names = targets.names()
    journal.begin(plan, names, STEPS)
    ctx = Context(plan, journal, targets, progress)
    result = ApplyResult(plan.id)
    for name in ORDER:
        if name not in names:
            result.targets[name] = TargetResult(name, "skipped", message="not configured")
            continue
        # what the earlier targets left (results, the journal's reads, the passwords) lives
        # until the run ends: out of this target's full collections
        keep_frozen()
        try:
            result.targets[name] = _DELIVER[name](ctx)
        except (TargetError, BundleRejected, PasswordSourceError) as exc:
            # the target keeps its journaled progress; the next run resumes from there
            message = str(exc)
            log.warning("delivery to %s interrupted: %s", name, message)
            for step in STEPS[name]:
                if journal.step_status(plan.id, name, step) != "done":
                    journal.set_step(plan.id, name, step, "failed", message[:500])
            failed = TargetResult(name, "failed", message=message)
            if isinstance(exc, BundleRejected):
                failed.problems = [{"subject": f"{f.file}:{f.line}", "reason":
                                    f"{f.rule} {f.message_en}"} for f in exc.findings[:50]]
            elif isinstance(exc, TargetError) and isinstance(exc.body, dict) and isinstance(
                    exc.body.get("problems"), list):  # item-level problems of our own apply
                failed.problems = exc.body["problems"]
                failed.counts = dict(exc.body.get("counts") or {})
            elif isinstance(exc, TargetError) and isinstance(exc.body, dict):
                error = exc.body.get("error")  # an OAuth error is a string ("invalid_client")
                found = (error.get("findings") if isinstance(error, dict) else None) or []
                failed.problems = [{"subject": f"{f.get('file')}:{f.get('line')}",
                                    "reason": f"{f.get('rule')} {f.get('message_en')}"}
                                   for f in found[:50] if isinstance(f, dict)]
            result.targets[name] = failed
    journal.finish(plan.id, "done" if result.ok else "failed")
    return result
