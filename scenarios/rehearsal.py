"""The April rollover rehearsal (年次更新のリハーサル, pilot §4): the main job.

On a copy of the city — the synthetic Tsukuba by default, with every c4th quirk — it runs, phase
by phase:

1. ``generate``: the city in c4th;
2. ``baseline``: this year's accounts everywhere (the board's password file, the first run);
3. ``rollover``: c4th moves into the new 年度 (graduates out, everyone up a grade, new classes,
   new entrants) and the board hands over the new entrants' passwords;
4. ``preview``: the pipeline's dry run — what the rollover will create, move, promote,
   graduate and hold, by school;
5. ``apply``: the rollover run;
6. ``verify``: every invariant in every system;
7. ``launches``: every pupil into every tool that applies, through the full LTI 1.3 flow;
8. ``verify-launches``: each launch checked in the tool.

The result renders as the rehearsal's HTML (scenarios.rehearsal_html) and JSON. It passes only
when every invariant and every launch holds.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.core import Severity
from harness.core.gcpause import no_cyclic_gc
from harness.report import Report
from pipeline.rules import REGISTRY as PL
from scenarios.actions import ACTIONS, Context
from scenarios.expected import CityExpectation
from scenarios.invariants import check_invariants
from scenarios.launches import (
    LaunchRun,
    default_workers,
    launch_pairs,
    run_launches,
    verify_launches,
)
from scenarios.model import Scenario, Step, StepFindings
from scenarios.observe import Observed, lgate_umis
from scenarios.pipeline_driver import RunOutcome
from scenarios.rss import peak_rss_mb, reset_peak
from scenarios.rules import REGISTRY
from scenarios.runner import fast_tmp, make_context

PHASES = ("generate", "baseline", "rollover", "preview", "apply", "verify", "launches",
          "verify-launches")
Progress = Callable[[str, int, int | None], None]

REHEARSAL = Scenario(
    "rehearsal", "年次更新リハーサル", "April rollover rehearsal", "§4",
    "新年度への切り替えを本番前に全システムで再現し、何が起きるか・何が止まるかを確かめる。",
    "The rollover into the new 年度, run on a copy of every system before April.",
    (Step("rehearsal", "run", "年次更新", "Rollover", "—", "—"),), quirks="all",
    config={"guard_max_share": 1.0},
)


@dataclass
class RehearsalResult:
    """Everything the rehearsal's reports show."""

    scale: str
    seed: int
    workers: int
    started: str
    phases: dict[str, float] = field(default_factory=dict)
    schools: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)
    plan_counts: dict[str, int] = field(default_factory=dict)
    holds: list[dict[str, str]] = field(default_factory=list)
    invariants: list[dict[str, Any]] = field(default_factory=list)
    launches: dict[str, dict[str, int]] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: StepFindings | None = None
    signing_per_s: float = 0.0
    #: phase → peak RSS in MB: ``main`` (this process, the in-process systems included) and,
    #: for the launches, ``worker`` (the largest launch worker)
    peak_rss: dict[str, dict[str, float]] = field(default_factory=dict)
    #: phase → CPU seconds, this process's and its launch workers' (wall time is ``phases``)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.findings is not None and self.findings.errors() == 0 and all(
            r.get("exit_code") in (0, 1) for r in self.runs.values())

    def report(self) -> Report:
        """The findings as a harness Report (text, JSON, JUnit, HTML formats)."""
        f = self.findings or StepFindings("rehearsal", "rollover")
        by_severity: Counter[str] = Counter()
        for rule, n in f.counts.items():
            by_severity[str(REGISTRY[rule].severity)] += n
        return Report(kit="scenario", subject=f"rehearsal {self.scale} seed {self.seed}",
                      profile=self.scale, registry=REGISTRY, findings=f.findings,
                      summary={"total": sum(f.counts.values()),
                               "by_severity": {s.name: by_severity.get(s.name, 0)
                                               for s in reversed(Severity)},
                               "by_rule": dict(sorted(f.counts.items())),
                               "suppressed": f.suppressed()},
                      rules_run=[r.id for r in REGISTRY])

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "renkei-rehearsal", "version": 1, "scale": self.scale, "seed": self.seed,
            "workers": self.workers, "started": self.started, "passed": self.passed,
            "phases": {k: round(v, 3) for k, v in self.phases.items()},
            "peak_rss_mb": {k: {p: round(mb) for p, mb in v.items()}
                            for k, v in self.peak_rss.items()},
            "cpu_s": {k: round(v, 3) for k, v in self.cpu.items()},
            "totals": self.totals, "plan": self.plan_counts, "schools": self.schools,
            "holds": self.holds, "invariants": self.invariants, "launches": self.launches,
            "runs": self.runs,
            "findings": [x.as_dict() for x in (self.findings.findings if self.findings else [])],
        }


def _timed(result: RehearsalResult, phase: str, progress: Progress | None,
           fn: Callable[[], Any]) -> Any:
    if progress:
        progress(phase, 0, None)
    reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    value = fn()
    result.phases[phase] = time.perf_counter() - started
    result.cpu[phase] = time.process_time() - cpu
    result.peak_rss[phase] = {"main": peak_rss_mb()}
    if isinstance(value, LaunchRun) and value.worker_rss:
        result.peak_rss[phase]["worker"] = max(value.worker_rss)
        result.cpu[phase] += sum(value.worker_cpu)
    if progress:
        progress(phase, 1, 1)
    return value


def _run_facts(run: RunOutcome) -> dict[str, Any]:
    return {"exit_code": run.exit_code, "seconds": round(run.seconds, 2),
            "decisions": run.counts(), "error": run.error, "phases": run.phases}


def rehearse(*, scale: str = "tsukuba", seed: int = 1, workers: int | None = None,
             workdir: str | Path | None = None, live: bool = False,
             progress: Progress | None = None) -> RehearsalResult:
    """Run the whole rehearsal; see the module docstring for the phases."""
    workers = workers or default_workers()
    result = RehearsalResult(scale, seed, workers,
                             dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    tmp = None
    if workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="renkei-rehearsal-", dir=fast_tmp())
        workdir = tmp.name
    ctx = make_context(REHEARSAL, workdir=workdir, scale=scale, seed=seed, live=live,
                       workers=workers)
    out = StepFindings("rehearsal", "rollover", cap_per_rule=200)
    result.findings = out
    try:
        _timed(result, "generate", progress, lambda: ACTIONS["seed_city"](ctx, out))
        # where each pupil is before the rollover (the by-school table), not the whole city
        before = placements(ctx.expectation())

        def baseline() -> RunOutcome:
            ctx.driver.fetch_passwords(only_new=True)
            return ctx.driver.run()
        # only its facts: the run's own decisions are not needed again
        result.runs["baseline"] = _run_facts(_timed(result, "baseline", progress, baseline))
        # Who the e-portal holds before the rollover: graduates among them must stay (IV108).
        ctx.delivered |= lgate_umis(ctx.vendors)

        def rollover() -> None:
            ctx.vendors.event("advance_year")
            ctx.driver.fetch_passwords(only_new=True)
        _timed(result, "rollover", progress, rollover)
        preview = _timed(result, "preview", progress, lambda: ctx.driver.run(dry_run=True))
        result.runs["preview"] = _run_facts(preview)
        applied = _timed(result, "apply", progress, lambda: ctx.driver.run())
        ctx.last_run = applied
        result.runs["apply"] = _run_facts(applied)
        for name, run in result.runs.items():
            if run["exit_code"] not in (0, 1):
                out.add("SC102", system="pipeline", record=name, expected="0 or 1",
                        found=f"{run['exit_code']} {run['error']}".strip())
        expect = ctx.expectation()
        _timed(result, "verify", progress, lambda: _verify(ctx, expect, applied, out))
        result.schools, result.totals = by_school(before, expect, preview,
                                                  set(expect.held) | set(applied.held))
        del before
        result.plan_counts = preview.counts()
        result.holds = hold_list(applied, expect)
        held = applied.held
        pairs = [(u, t) for u, t in launch_pairs(expect) if u not in held]

        def launch_all() -> Any:
            total = len(pairs)
            return run_launches(ctx.vendors, pairs, workers=workers,
                                progress=(lambda n: progress("launches", n, total))
                                if progress else None)
        outcomes = _timed(result, "launches", progress, launch_all)
        result.launches = _timed(result, "verify-launches", progress,
                                 lambda: verify_launches(ctx.vendors, outcomes, expect, out))
        result.invariants = invariant_table(out)
    finally:
        ctx.vendors.close()
        if tmp is not None:
            tmp.cleanup()
    return result


# every system's records read at once: the collector's full passes would rescan them (and the
# whole world below them) as they grow, a fifth of the phase at both scales
@no_cyclic_gc()
def _verify(ctx: Context, expect: CityExpectation, run: RunOutcome, out: StepFindings) -> None:
    seen = Observed.read(ctx.vendors)
    reported = dict(run.held)
    reported.update({d["subject"]: "mismatch" for d in run.by_action("mismatch")})
    check_invariants(expect, seen, out, delivered_before=ctx.delivered, reported=reported)


def hold_list(run: RunOutcome, expect: CityExpectation) -> list[dict[str, str]]:
    """One line per held pupil and rule, with the pipeline's own message (its PL rule)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for d in run.by_action("hold"):
        key = (d["subject"], d["rule"])
        if key in seen:
            continue
        seen.add(key)
        ja, en = PL[d["rule"]].render(d["fields"]) if d["rule"] in PL else ("", "")
        out.append({"subject": d["subject"], "rule": d["rule"], "reason": en,
                    "reason_ja": ja, "name": expect.name_of(d["subject"])})
    return out


def invariant_table(out: StepFindings) -> list[dict[str, Any]]:
    """Every IV rule with how often it broke (0 = held)."""
    return [{"id": r.id, "title": r.title, "family": r.family, "severity": str(r.severity),
             "broken": out.counts.get(r.id, 0), "what": r.what}
            for r in REGISTRY if r.id.startswith("IV")]


def placements(expect: CityExpectation) -> dict[str, tuple[str, str]]:
    """umi → (学校コード, grade) of every current pupil: what :func:`by_school` needs of the
    city before the rollover."""
    return {umi: (p.school_code, p.grade) for umi, p in expect.people.items()}


def by_school(before: Mapping[str, tuple[str, str]], after: CityExpectation,
              preview: RunOutcome, held: set[str]
              ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Per school: what the rollover creates, moves, promotes, graduates and holds (from
    c4th's pupils before, :func:`placements`, and the expectation after; ``held``: the people
    the pipeline holds) and what the pipeline's plan does there (its decisions)."""
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for umi, p in after.people.items():
        school = p.school_code
        rows[school]["students"] += 1
        if umi not in before:
            rows[school]["created"] += 1
        else:
            old_school, old_grade = before[umi]
            rows[school]["promoted"] += old_grade != p.grade
            rows[school]["moved"] += old_school != school
        rows[school]["held"] += umi in held
    for umi, d in after.departed.items():
        if umi in before and d.get("reason") == "graduated":
            rows[str(d["school"])]["graduated"] += 1
    for d in preview.decisions:
        p = after.people.get(d["subject"])
        school = p.school_code if p is not None else before.get(d["subject"], ("",))[0]
        if school:
            rows[school][f"plan:{d['action']}"] += 1
    table = [{"school_code": code, "name": after.schools.get(code, code),
              "kind": after.school_kinds.get(code, ""), **dict(counts)}
             for code, counts in sorted(rows.items())]
    totals: Counter[str] = Counter()
    for counts in rows.values():
        totals.update(counts)
    return table, dict(totals)
