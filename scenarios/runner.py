"""The scenario runner: builds the systems, runs each step, checks the invariants in every
system after it, launches the affected pupils, and turns it all into findings and a Report.

In-process by default (the six mocks on SQLite files in a work folder, reached through the
WSGI transport); ``live_urls`` for real servers on loopback. A step whose action cannot run
stops its scenario with an ``SC101`` finding; every other step yields ``SC100`` when it passed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from fixtures.profiles import BUILTIN
from harness.core import Finding, RuleRegistry, Severity
from harness.report import Report
from scenarios.actions import ACTIONS, EXPECTATIONS, Context
from scenarios.invariants import check_invariants
from scenarios.launches import launch_pairs, run_launches, verify_launches
from scenarios.model import Scenario, ScenarioResult, Step, StepFindings, StepResult
from scenarios.observe import Observed
from scenarios.pipeline_driver import PipelineDriver, PipelineUnavailable
from scenarios.rules import REGISTRY
from scenarios.vendors import VendorError, Vendors

SCALES = tuple(BUILTIN)
StepHook = Callable[[StepResult], None]


class ScenarioSetupError(RuntimeError):
    """The systems for a scenario could not be built (a mock or the pipeline is missing)."""


def fast_tmp() -> str | None:
    """A RAM-backed temp folder (``/dev/shm``) when there is one: the mocks commit every
    request to SQLite, and on a disk each commit waits for fsync (10x slower launches)."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


@contextlib.contextmanager
def exit_on_sigterm() -> Iterator[None]:
    """While inside, SIGTERM is a plain exit (status 143), so that a stopped run's ``finally``
    blocks remove its state folder: it lives in :func:`fast_tmp` (RAM), gigabytes at
    prefecture scale. Outside the main thread (where no handler can be set) it does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def make_context(scenario: Scenario, *, workdir: str | Path, scale: str = "small",
                 seed: int = 1, live: bool = False, live_urls: Mapping[str, str] | None = None,
                 workers: int = 1, as_of: str = "2025-05-01", tls: bool = False) -> Context:
    """The vendors and the pipeline for one scenario run, in ``workdir``.

    :param live: serve the mocks as real servers on loopback (free ports) in this process.
    :param tls: with ``live``, serve https from a local CA (the pipeline gets ``ca_file``).
    :param live_urls: use servers already running there (``renkei mock up``) instead.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    work = Path(workdir)
    try:
        if live_urls:
            vendors = Vendors.live(live_urls)
        elif live:
            vendors = Vendors.serve(work / "systems", config=scenario.vendor_config, tls=tls)
        else:
            vendors = Vendors.in_process(work / "systems", config=scenario.vendor_config)
    except (VendorError, ImportError) as exc:
        raise ScenarioSetupError(str(exc)) from None
    options = {"guard_max_share": 0.05, **scenario.config}
    driver = PipelineDriver(vendors, work / "pipeline", **options)
    return Context(scenario=scenario, vendors=vendors, driver=driver, scale=scale, seed=seed,
                   workers=workers, as_of=as_of)


def run_step(ctx: Context, step: Step) -> StepResult:
    """Run one step: its action, its expectations, the invariants, the launches."""
    out = StepFindings(ctx.scenario.name, step.id)
    started = time.perf_counter()
    facts: dict[str, Any] = {}
    try:
        facts = ACTIONS[step.action](ctx, out, **step.args) or {}
        for name, args in step.expect.items():
            fn = EXPECTATIONS[name]
            if isinstance(args, Mapping):
                fn(ctx, out, **args)
            else:
                fn(ctx, out, args)
        if step.invariants or step.launch:
            facts.update(_check_world(ctx, step, out))
    except (VendorError, PipelineUnavailable, KeyError, ValueError) as exc:
        out.add("SC101", system="harness", record=step.action, step=step.id,
                reason=f"{type(exc).__name__}: {exc}")
        facts["stopped"] = True
    seconds = time.perf_counter() - started
    if out.errors() == 0:
        detail = ", ".join(f"{k}={v}" for k, v in facts.items() if not isinstance(v, dict))
        out.add("SC100", system="harness", record=step.id, step=step.id, detail=detail or "ok")
    return StepResult(ctx.scenario.name, step, out.findings, dict(out.counts), out.suppressed(),
                      seconds, facts)


def _check_world(ctx: Context, step: Step, out: StepFindings) -> dict[str, Any]:
    expect = ctx.expectation()
    facts: dict[str, Any] = {}
    reported: dict[str, str] = {}
    if ctx.last_run is not None:
        reported.update(ctx.last_run.held)
        reported.update({d["subject"]: f"{d['rule']} mismatch"
                         for d in ctx.last_run.by_action("mismatch")})
        for umi, why in expect.held.items():
            if umi not in ctx.last_run.held:
                out.add("SC103", system="pipeline", record=umi, expected=f"hold ({why})",
                        subject=expect.name_of(umi))
    if step.invariants:
        seen = Observed.read(ctx.vendors)
        facts["invariants"] = check_invariants(expect, seen, out,
                                               delivered_before=ctx.delivered,
                                               reported=reported)
        facts["counts"] = seen.counts()
        ctx.delivered |= set(seen.lgate)
    if step.launch:
        if step.launch == "all":
            umis = None
        elif step.launch.startswith("sample:"):  # the first N pupils by id: a fixed sample
            umis = sorted(expect.people)[: int(step.launch.split(":", 1)[1])]
        else:
            umis = sorted(ctx.affected)
        pairs = [(u, t) for u, t in launch_pairs(expect, umis) if u not in reported]
        outcomes = run_launches(ctx.vendors, pairs, workers=ctx.workers)
        facts["launches"] = verify_launches(ctx.vendors, outcomes, expect, out,
                                            expect_refusal=ctx.expect_refusal)
        for tool in ctx.expect_refusal:
            if not facts["launches"].get(tool, {}).get("refused"):
                out.add("SC105", system=tool, record=tool, tool=tool)  # nothing was refused
        ctx.affected.clear()
    return facts


def run_scenario(scenario: Scenario, *, workdir: str | Path | None = None,
                 scale: str = "small", seed: int = 1, live: bool = False,
                 live_urls: Mapping[str, str] | None = None, workers: int = 1,
                 on_step: StepHook | None = None, tls: bool = False) -> ScenarioResult:
    """Run every step of ``scenario``; stop after a step that could not run."""
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix=f"renkei-{scenario.name}-", dir=fast_tmp())
        workdir = tmp.name
    started = time.perf_counter()
    result = ScenarioResult(scenario)
    try:
        ctx = make_context(scenario, workdir=workdir, scale=scale, seed=seed, live=live,
                           live_urls=live_urls, workers=workers, tls=tls)
        try:
            for step in scenario.steps:
                step_result = run_step(ctx, step)
                result.steps.append(step_result)
                if on_step:
                    on_step(step_result)
                if step_result.facts.get("stopped"):
                    break
        finally:
            ctx.vendors.close()
    finally:
        result.seconds = time.perf_counter() - started
        if tmp is not None:
            tmp.cleanup()
    return result


def _run_named(name: str, options: dict[str, Any]) -> ScenarioResult:
    from scenarios.suites import SCENARIOS

    return run_scenario(SCENARIOS[name], **options)


def run_many(names: Iterable[str], *, workers: int = 1, on_result: Callable[
        [ScenarioResult], None] | None = None, **options: Any) -> list[ScenarioResult]:
    """Run scenarios, ``workers`` at a time in separate processes (each has its own systems
    and folder: nothing is shared), and return their results in the order given.

    With several scenarios the processes are the parallelism, so each scenario launches in
    one process; with one scenario its launches use the workers.
    """
    from scenarios.suites import SCENARIOS

    names = list(names)
    if workers <= 1 or len(names) == 1:
        out = []
        for name in names:
            out.append(run_scenario(SCENARIOS[name], workers=workers, **options))
            if on_result:
                on_result(out[-1])
        return out
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    done: dict[str, ScenarioResult] = {}
    with ProcessPoolExecutor(min(workers, len(names)),
                             mp_context=multiprocessing.get_context(method)) as pool:
        futures = {pool.submit(_run_named, n, {**options, "workers": 1}): n for n in names}
        for future in as_completed(futures):
            done[futures[future]] = result = future.result()
            if on_result:
                on_result(result)
    return [done[n] for n in names]


def build_report(results: Iterable[ScenarioResult], *, subject: str, scale: str = "small"
                 ) -> Report:
    """One Report over every step of every scenario (all formats render it).

    Besides the SC/IV rules, each step is declared as a rule of its own (id
    ``<scenario>/<step>``, family ``step:<scenario>``) that carries one ERROR finding when the
    step failed, so the JUnit format shows one test case per scenario step as well as one per
    invariant.
    """
    registry = RuleRegistry("scenario", list(REGISTRY))
    findings: list[Finding] = []
    counts: Counter[str] = Counter()
    suppressed: Counter[str] = Counter()
    steps = []
    step_rules: list[str] = []
    for r in results:
        for step in r.scenario.steps:
            rule = registry.declare(
                f"{r.scenario.name}/{step.id}", Severity.ERROR, f"step:{r.scenario.name}",
                f"{step.title_en}", "手順が失敗しました: {detail}", "The step failed: {detail}",
                (f"{r.scenario.title_ja} ({r.scenario.source})",), step.outcome_en,
                step.title_ja)
            step_rules.append(rule.id)
        ran = {s.step.id: s for s in r.steps}
        for step in r.scenario.steps:
            s = ran.get(step.id)
            if s is None or not s.passed:
                detail = "not run (an earlier step could not run)" if s is None else \
                    ", ".join(f"{k} ×{n}" for k, n in sorted(s.counts.items())
                              if REGISTRY[k].severity is Severity.ERROR)
                ja, en = registry[f"{r.scenario.name}/{step.id}"].render({"detail": detail})
                findings.append(Finding(f"{r.scenario.name}/{step.id}", Severity.ERROR,
                                        f"{r.scenario.name}/{step.id}", None, None, None, ja,
                                        en, (r.scenario.source,)))
                counts[f"{r.scenario.name}/{step.id}"] += 1
            if s is None:
                continue
            findings.extend(s.findings)
            counts.update(s.counts)
            suppressed.update(s.suppressed)
            steps.append({"scenario": r.scenario.name, "step": s.step.id,
                          "title_ja": s.step.title_ja, "title_en": s.step.title_en,
                          "passed": s.passed, "seconds": round(s.seconds, 3),
                          "facts": _plain(s.facts)})
    by_severity: Counter[str] = Counter()
    for rule_id, n in counts.items():
        by_severity[str(registry[rule_id].severity)] += n
    summary = {"total": sum(counts.values()),
               "by_severity": {s.name: by_severity.get(s.name, 0) for s in reversed(Severity)},
               "by_rule": dict(sorted(counts.items())), "suppressed": dict(suppressed)}
    return Report(kit="scenario", subject=subject, profile=scale, registry=registry,
                  findings=findings, summary=summary,
                  rules_run=step_rules + [r.id for r in REGISTRY], extra={"steps": steps})


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    return value if isinstance(value, str | int | float | bool | type(None)) else str(value)
