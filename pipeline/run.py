"""One nightly run: collect → validate → preprocess → link → reconcile → guard → apply → record.

:func:`run_pipeline` is what ``renkei pipeline run`` and every scenario call. Exit codes:

- 0: applied, or nothing to do;
- 1: applied, with holds needing attention;
- 2: refused — the export was quarantined or unreadable, or the mass-change guard tripped;
  nothing was applied;
- 3: interrupted — a source or target failed; safe to re-run (the next run first finishes the
  interrupted plan from the delivery journal, then makes a new one).

The state (key map, snapshot, absent people, holds) moves on only when a plan was applied to
every target, in one transaction; a dry run, a refusal or an interruption leave it as it was.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core.gcpause import frozen_heap
from pipeline import apply as delivery
from pipeline.clients import DrillClient, LgateClient
from pipeline.collect import CollectError, Received, collect, prune
from pipeline.config import Config
from pipeline.http import RetryingHttpClient, SessionFactory
from pipeline.model import Decision, Plan
from pipeline.plan import first_run, plan_export, plan_id_for
from pipeline.reconcile import Outcome
from pipeline.state import State
from pipeline.validate import Validation

log = logging.getLogger("pipeline.run")

EXIT_OK, EXIT_HOLDS, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 3
Progress = Callable[[str, int, int], None]


@dataclass
class RunResult:
    """What a run did. ``status``: applied, nothing-to-do, dry-run, refused, quarantined,
    interrupted. ``decisions`` are the plan's (or, without a plan, the run's own)."""

    exit_code: int
    status: str
    run_id: int = 0
    plan: Plan | None = None
    received: Received | None = None
    validation: Validation | None = None
    apply: Any = None
    resumed: list[Any] = field(default_factory=list)
    guard: dict[str, Any] = field(default_factory=dict)
    holds: dict[str, Any] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    message: str = ""
    started_at: str | None = None
    finished_at: str | None = None

    def summary(self) -> dict[str, Any]:
        """Counts for the run log and reports (never a name or a password)."""
        counts: dict[str, int] = {}
        for d in self.decisions:
            counts[d.action] = counts.get(d.action, 0) + 1
        return {"status": self.status, "exit_code": self.exit_code, "actions": counts,
                "holds": len(self.holds), "guard": self.guard, "message": self.message,
                "export": self.received.filename if self.received else None}


def _decision(rule: str, action: str, subject: str, **fields: object) -> Decision:
    return Decision(rule, action, subject, "all", {k: str(v) for k, v in fields.items()})


def run_pipeline(config: Config, *, session_factory: SessionFactory | None = None,
                 export: str | os.PathLike[str] | None = None, dry_run: bool = False,
                 progress: Progress | None = None, now: dt.datetime | None = None
                 ) -> RunResult:
    """Run the pipeline once for ``config``; see the module docstring for the exit codes.

    :param export: replay this file instead of collecting (``--export``).
    :param now: the run's time (tests and rehearsals); default the clock, in UTC.
    """
    now = now or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    if not dry_run and config.m365 is not None:
        config.m365_client_secret()  # a missing secret is a ConfigError before anything runs
    lock = RunLock(config.state_path)
    if not lock.acquire():
        return RunResult(EXIT_INTERRUPTED, "interrupted",
                         message=f"another run holds {lock.path}; nothing was done")
    try:
        return _locked_run(config, session_factory, export, dry_run, progress, now)
    finally:
        lock.release()


class RunLock:
    """One run at a time per state (an overlapping cron job must not deliver twice). An
    advisory ``flock``: the kernel drops it when the process dies, even by ``kill -9``."""

    def __init__(self, state_path: Path) -> None:
        self.path = state_path.with_name(state_path.name + ".lock")
        self.fd: int | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def _locked_run(config: Config, session_factory: SessionFactory | None,
                export: str | os.PathLike[str] | None, dry_run: bool,
                progress: Progress | None, now: dt.datetime) -> RunResult:
    with State(config.state_path) as state:
        run_id = state.start_run(now.isoformat(), dry_run=dry_run)
        try:
            # what is alive now, and the plan once made, stay out of the collector's passes
            # until the run ends (the delivery's own freeze nests in this one)
            with frozen_heap():
                result = _run(config, state, session_factory, export, dry_run, progress, now,
                              run_id)
        except BaseException as exc:
            # the run log says the run died and how (the message never carries a secret:
            # no pipeline error puts one in); the caller reports the exception itself
            state.finish_run(run_id, dt.datetime.now(dt.UTC).isoformat(), status="failed",
                             exit_code=EXIT_INTERRUPTED, plan_id=None, export_sha256=None,
                             summary={"error": type(exc).__name__})
            raise
        result.run_id = run_id
        result.started_at = now.isoformat()
        result.finished_at = dt.datetime.now(dt.UTC).isoformat()
        state.finish_run(run_id, result.finished_at, status=result.status,
                         exit_code=result.exit_code,
                         plan_id=result.plan.id if result.plan else None,
                         export_sha256=result.received.sha256 if result.received else None,
                         summary=result.summary())
        log.info("run %s: %s (exit %s) %s", run_id, result.status, result.exit_code,
                 result.message)
        return result


def _run(config: Config, state: State, session_factory: SessionFactory | None,
         export: str | os.PathLike[str] | None, dry_run: bool, progress: Progress | None,
         now: dt.datetime, run_id: int) -> RunResult:
    """Finish any interrupted plan, then receive the export, plan, and apply the plan."""
    resumed: list[Any] = []
    if not dry_run:
        stopped = _finish_interrupted(config, state, session_factory, progress, now, resumed)
        if stopped is not None:
            return stopped
    intake = _receive(config, state, session_factory, export, now)
    if isinstance(intake, RunResult):
        intake.resumed = resumed
        return intake
    planned = _plan(config, state, session_factory, intake, now, run_id)
    if isinstance(planned, RunResult):
        planned.resumed = resumed
        return planned
    planned.result.resumed = resumed
    return _apply(config, state, session_factory, progress, planned, dry_run, now)


@dataclass
class _Intake:
    """An export received and kept: what planning starts from."""

    received: Received
    #: the run's own decisions so far (received, pruned)
    notes: list[Decision]


@dataclass
class _Planned:
    """A plan and the run result that reports it (its status not yet decided)."""

    outcome: Outcome
    result: RunResult
    #: what the state takes on once the plan is applied
    commit: dict[str, Any]


def _receive(config: Config, state: State, session_factory: SessionFactory | None,
             export: str | os.PathLike[str] | None, now: dt.datetime) -> _Intake | RunResult:
    """Collect the export and prune old ones; a RunResult if nothing could be collected."""
    try:
        received = collect(config, state, session_factory=session_factory, export=export,
                           now=now)
    except CollectError as exc:
        return RunResult(EXIT_INTERRUPTED, "interrupted", message=f"no export collected: {exc}")
    notes = [_decision("PL105" if received.replay else "PL101", "report", received.sha256,
                       file=received.filename, sha256=received.sha256)]
    pruned = prune(config, state, now, keep_sha=received.sha256)
    if pruned:
        notes.append(_decision("PL106", "report", "received", count=pruned))
    return _Intake(received, notes)


def _plan(config: Config, state: State, session_factory: SessionFactory | None,
          intake: _Intake, now: dt.datetime, run_id: int) -> _Planned | RunResult:
    """Check, read and plan the export through :func:`pipeline.plan.plan_export` (listing the
    targets' accounts on the first run); a RunResult if it stops there."""
    received = intake.received
    planning = plan_export(
        received.path, config, state, export_sha256=received.sha256, now=now,
        accounts=lambda: _existing_accounts(config, state, session_factory),
        plan_id=f"{plan_id_for(now, received.sha256)}-r{run_id}")
    if planning.status == "no-accounts":
        return RunResult(EXIT_INTERRUPTED, "interrupted", received=received,
                         validation=planning.validation, decisions=intake.notes,
                         message=f"initial link: cannot list accounts: {planning.message}")
    notes = intake.notes + planning.notes
    if planning.outcome is None:
        errors = ", ".join(sorted(planning.validation.errors)) or "unreadable"
        reason = "unreadable" if planning.status == "unreadable" else f"ERROR findings: {errors}"
        state.mark_quarantined(received.sha256, reason)
        return RunResult(EXIT_REFUSED, "quarantined", received=received,
                         validation=planning.validation, decisions=notes,
                         message=planning.message)
    outcome = planning.outcome
    # the plan is made: the export as the check parsed it is not needed again, and the run's
    # result (held until the run ends) must not keep it through the delivery
    planning.validation.bundle = None
    plan = outcome.plan
    plan.decisions[:0] = notes
    result = RunResult(EXIT_OK, "", plan=plan, received=received,
                       validation=planning.validation, guard=outcome.guard,
                       holds=_holds_json(outcome), decisions=plan.decisions)
    return _Planned(outcome, result, _commit_data(outcome))


def _apply(config: Config, state: State, session_factory: SessionFactory | None,
           progress: Progress | None, planned: _Planned, dry_run: bool, now: dt.datetime
           ) -> RunResult:
    """Record the plan, and deliver it unless it is refused, a dry run or empty."""
    outcome, base, commit = planned.outcome, planned.result, planned.commit
    plan = outcome.plan
    if plan.refused:
        state.save_plan(plan, "refused", base.summary(), commit)
        base.exit_code, base.status = EXIT_REFUSED, "refused"
        base.message = (f"mass-change guard: {outcome.guard['count']} of "
                        f"{outcome.guard['total']} users; nothing applied")
        return base
    held_code = EXIT_HOLDS if outcome.holds else EXIT_OK
    if dry_run:
        state.save_plan(plan, "dry-run", base.summary(), commit)
        base.exit_code, base.status = held_code, "dry-run"
        return base
    if plan.is_empty():
        plan.decisions.append(_decision("PL502", "report", "plan"))
        # nothing to deliver: the plan's record and the state's move are one transaction
        with state.transaction():
            state.save_plan(plan, "applied", base.summary(), commit)
            _commit(state, plan, commit, now)
        base.exit_code, base.status = held_code, "nothing-to-do"
        return base
    state.save_plan(plan, "applying", base.summary(), commit)
    applied = delivery.apply_plan(plan, config=config, state=state,
                                  session_factory=session_factory, progress=progress)
    base.apply = applied
    if not applied.ok:
        state.set_plan_status(plan.id, "interrupted")
        base.exit_code, base.status = EXIT_INTERRUPTED, "interrupted"
        base.message = f"interrupted: {', '.join(applied.failed)} failed; safe to re-run"
        return base
    _commit(state, plan, commit, now)
    base.exit_code, base.status = held_code, "applied"
    return base


def _finish_interrupted(config: Config, state: State, session_factory: SessionFactory | None,
                        progress: Progress | None, now: dt.datetime, resumed: list[Any]
                        ) -> RunResult | None:
    """Deliver every interrupted plan first; a RunResult (exit 3) if one still fails.

    Two crash windows are closed here: a plan the delivery journal lists as unfinished is
    delivered again (each step is idempotent and journaled); a plan the journal finished but
    whose state commit never happened (a crash between the two) is committed without a call.
    """
    pending = {item.plan_id: item for item in delivery.unfinished(state)}
    finished = {row["plan_id"] for row in delivery.Journal(state).recent(100)
                if row["status"] == "done"}
    for plan_id in state.plans_with_status("applying", "interrupted"):
        if plan_id in finished and plan_id not in pending:
            plan = state.load_plan(plan_id)
            if plan is not None:
                _commit(state, plan, state.load_commit(plan_id), now)
    for item in pending.values():
        plan = item.plan or state.load_plan(item.plan_id)
        if plan is None:
            continue
        note = _decision("PL501", "report", plan.id, plan=plan.id,
                         targets=", ".join(item.targets) or "-")
        applied = delivery.apply_plan(plan, config=config, state=state,
                             session_factory=session_factory, progress=progress)
        resumed.append(applied)
        if not applied.ok:
            state.set_plan_status(plan.id, "interrupted")
            return RunResult(EXIT_INTERRUPTED, "interrupted", plan=plan, apply=applied,
                             decisions=[note], resumed=resumed,
                             message=f"interrupted plan {plan.id} still fails: "
                             f"{', '.join(applied.failed)}; safe to re-run")
        _commit(state, plan, state.load_commit(plan.id), now)
    for plan_id in state.plans_with_status("applying"):
        if plan_id not in pending and plan_id not in finished:
            # saved but delivery never began (a crash in between): superseded by a new plan
            state.set_plan_status(plan_id, "abandoned")
    return None


def _existing_accounts(config: Config, state: State, session_factory: SessionFactory | None
                       ) -> dict[str, list[dict[str, Any]]] | None:
    """On the first run only: the accounts the e-portal and the drill app already hold."""
    if not first_run(state):
        return None
    accounts: dict[str, list[dict[str, Any]]] = {}
    for name, target, cls in (("lgate", config.lgate, LgateClient),
                              ("drill", config.drill, DrillClient)):
        if target is None:
            continue
        token = config.env(target.token_env, key=f"targets.{name}.token_env")
        ca = target.ca_file
        http = RetryingHttpClient(session_factory, target=name, policy=config.retry,
                                  verify=str(ca) if ca else True)
        client = cls(http, target.url, token=token)
        try:
            accounts[name] = client.list_users()
        finally:
            client.http.close()
    return accounts


def _holds_json(outcome: Outcome) -> dict[str, Any]:
    return {umi: {"rules": rules, "detail": detail}
            for umi, (rules, detail) in outcome.holds.items()}


def _commit_data(outcome: Outcome) -> dict[str, Any]:
    # the key rows as they are (tuples encode as the same JSON arrays): a list copy of each
    # would be a city's worth of new objects, kept through the whole delivery
    return {"absent": outcome.absent, "holds": _holds_json(outcome),
            "key_rows": outcome.key_rows}


def _commit(state: State, plan: Plan, commit: dict[str, Any], now: dt.datetime) -> None:
    """Move the state on to ``plan``: snapshot, key map, absent people, holds — atomically
    (the plan's kept rosters are dropped with it: :meth:`State.set_plan_status`)."""
    when = now.isoformat()
    with state.transaction():
        state.save_snapshot(plan.id, plan.roster, when, previous=plan.previous)
        state.put_keys(commit.get("key_rows", []), when)
        state.replace_absent(commit.get("absent", {}))
        state.replace_holds({u: (h["rules"], h["detail"])
                             for u, h in commit.get("holds", {}).items()}, when)
        state.set_plan_status(plan.id, "applied")
