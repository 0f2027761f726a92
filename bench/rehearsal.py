"""The April rollover rehearsal end to end, phase by phase, with launches, RSS and the
RS256 signing floor measured in the same run.

Run: ``python bench/rehearsal.py [--scale tsukuba] [--workers N] [--seed 1]``

Phases (targets for Tsukuba, ~22,900 pupils, on the 2-core container: ≤ 120 s in total,
≤ 1.5 GB peak RSS):
  generate    the city in c4th (fixtures.generate_city inside the mock)
  baseline    this year's accounts everywhere: the board's file + the first pipeline run
  rollover    c4th's advance_year event + the new entrants' passwords
  export      one rollover export from c4th (GET /oneroster/export)
  check       the OneRoster checker on that export (what the pipeline's validate runs)
  preprocess  preprocess + initial link + reconcile + guard (pipeline.plan.make_plan) on a
              copy of the pipeline state
  apply       the rollover run itself (collect, validate, plan again, deliver to lgate,
              Microsoft 365 and the drill app)
  verify      every invariant in every system
  launches    every pupil into every tool that applies (full OIDC flow, N processes)
  verify-l    each launch checked in what its tool recorded
and the signing floor: RS256 id_token signatures per second on one core (harness.lti.keys),
so launches/s can be read against what signing alone allows. Each phase prints its wall and
CPU seconds and its own peak RSS (VmHWM, reset at the phase's start: scenarios.rss); the
launches also each worker's. The in-process systems live in the main process, so its RSS is
theirs too. ``bench/scale.py`` runs ``renkei rehearse`` itself at Tsukuba and prefecture scale
against issue 18's targets; this script breaks one scale down (it adds the export, check and
preprocess phases the rehearsal does not have, and has no preview).

Figures measured 2026-12-06 on the 2-core container (Python 3.11, /dev/shm state), Tsukuba
seed 1 (23,438 pupils launched after the rollover, every c4th quirk), 2 workers, quiet machine
(load average ≤ 1.6). Before → after this round of work, both measured on the same machine:
  phase        before    after
  generate      1.1 s     0.9 s
  baseline     31.7 s    19.3 s   the first full apply (22.9k accounts created everywhere)
  rollover      0.6 s     0.6 s
  export        1.3 s     1.2 s
  check         0.6 s     0.5 s
  preprocess    1.3 s     1.2 s   (67,622 decisions)
  apply        30.1 s    18.7 s   the rollover run: collect, validate, plan, deliver to all three
  verify        3.5 s     3.4 s   every invariant in every system
  launches    107.0 s    58.5 s   46,876 launches, all verified: 438/s → 802/s with 2 workers
  verify-l      0.2 s     0.2 s
  total       177.3 s   104.5 s   target 120 s: met
  peak RSS    616 MB main, 598 MB largest worker (forked: shared pages counted in each)
  RS256 signing floor 3,474 signatures/s per core in the same run: launches reach 11.5% of it.
(`renkei rehearse`, the README's main job, from a fresh `pip install .`: 108.5 s wall from
start to the written reports, 673 MB peak RSS.)
What changed: the in-process transport builds a plain WSGI environ instead of going through
werkzeug's test client; mocks keep one SQLite connection per serving thread and one session
serializer; m365's $batch answers its user items with the routes' own functions instead of a
WSGI round each; each tool's launches are dealt out evenly to the workers (striding gave one
worker all of one tool).
Launches dominate (56%): each is four HTTP hops (lgate /launch, tool /lti/login, lgate
/lti/auth, tool /lti/launch), each a full Flask request with its hooks, session and SQLite
work; RS256 signing is ~0.28 ms of the ~2.3 ms a launch costs one core, Flask's own request
handling ~0.65 ms. The machine matters: on 2026-11-22's container (signing floor 1,375/s) the
same run before these changes took 268.8 s.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def signing_floor(seconds: float = 2.0) -> float:
    """RS256 id_token signatures per second on one core."""
    from harness.lti.keys import KeyPair

    key = KeyPair.generate()
    payload = {"iss": "http://lgate.test", "aud": "tsubasa-book", "sub": "x" * 36,
               "nonce": "n" * 32, "https://purl.imsglobal.org/spec/lti/claim/roles": ["L"]}
    n, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        key.sign(payload)
        n += 1
    return n / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="tsukuba")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)

    from harness.oneroster import check_bundle
    from pipeline.plan import make_plan
    from pipeline.state import State
    from pipeline.validate import READ
    from scenarios.actions import ACTIONS
    from scenarios.invariants import check_invariants
    from scenarios.launches import default_workers, launch_pairs, run_launches, verify_launches
    from scenarios.model import StepFindings
    from scenarios.observe import Observed
    from scenarios.rehearsal import REHEARSAL
    from scenarios.rss import peak_rss_mb, reset_peak
    from scenarios.runner import exit_on_sigterm, fast_tmp, make_context

    exit_on_sigterm().__enter__()  # for the whole script: a stopped run removes its state

    workers = args.workers or default_workers()
    phases: dict[str, float] = {}
    cpu: dict[str, float] = {}
    rss: dict[str, float] = {}
    worker_rss: list[float] = []
    work = Path(tempfile.mkdtemp(prefix="renkei-bench-", dir=fast_tmp()))
    ctx = make_context(REHEARSAL, workdir=work, scale=args.scale, seed=args.seed,
                       workers=workers)
    out = StepFindings("bench", "rollover", cap_per_rule=20)

    def phase(name: str, fn):  # noqa: ANN001, ANN202
        reset_peak()
        started, cpu_started = time.perf_counter(), time.process_time()
        value = fn()
        phases[name] = time.perf_counter() - started
        cpu[name] = time.process_time() - cpu_started
        rss[name] = peak_rss_mb()
        extra = ""
        if getattr(value, "worker_rss", None):
            worker_rss.extend(value.worker_rss)
            extra = "  workers " + ", ".join(f"{mb:.0f}" for mb in value.worker_rss) + " MB"
        print(f"{name:12} {phases[name]:8.1f} s  cpu {cpu[name]:7.1f} s  peak RSS "
              f"{rss[name]:6.0f} MB{extra}", flush=True)
        return value

    try:
        phase("generate", lambda: ACTIONS["seed_city"](ctx, out))
        first = phase("baseline", lambda: (ctx.driver.fetch_passwords(), ctx.driver.run())[1])
        print(f"{'':12} first run exit {first.exit_code} {first.error}")
        del first

        def rollover() -> None:
            ctx.vendors.event("advance_year")
            ctx.driver.fetch_passwords()
        phase("rollover", rollover)
        data = phase("export", lambda: ctx.vendors.session.get(
            ctx.vendors.urls["c4th"] + "/oneroster/export", timeout=600).content)
        export = work / "rollover.zip"
        export.write_bytes(data)
        # the check keeps what the plan reads, as the pipeline's validate does (one parse)
        checked = phase("check", lambda: check_bundle(export, profile="jp-eportal-v4",
                                                       keep_bundle=READ))
        print(f"{'':12} checker exit {checked.exit_code}, {len(checked.findings)} findings")
        config = ctx.driver.load_config()
        copy = work / "state-copy.sqlite"
        with sqlite3.connect(config.state_path) as a, sqlite3.connect(copy) as b:
            a.backup(b)

        sha256 = hashlib.sha256(data).hexdigest()
        kept = checked.bundle

        def preprocess(kept):  # noqa: ANN001, ANN202
            import dataclasses
            import datetime as dt

            assert kept is not None
            with State(copy) as state:
                return make_plan(kept, dataclasses.replace(config, state_path=copy), state,
                                 export_sha256=sha256,
                                 now=dt.datetime.now(dt.UTC))
        outcome = phase("preprocess", functools.partial(preprocess, kept))
        print(f"{'':12} plan: {len(outcome.plan.decisions)} decisions")
        del outcome, data, checked, kept  # not needed again: the later phases' RSS is their own
        applied = phase("apply", ctx.driver.run)
        print(f"{'':12} rollover run exit {applied.exit_code} {applied.error}")
        ctx.last_run = applied
        expect = ctx.expectation()

        def verify() -> None:
            check_invariants(expect, Observed.read(ctx.vendors), out,
                             reported=applied.held)
        phase("verify", verify)
        held = applied.held
        pairs = [(u, t) for u, t in launch_pairs(expect) if u not in held]
        launched = phase("launches", lambda: run_launches(ctx.vendors, pairs, workers=workers))
        stats = phase("verify-l", lambda: verify_launches(ctx.vendors, launched, expect, out))
    finally:
        ctx.vendors.close()
        shutil.rmtree(work, ignore_errors=True)

    floor = signing_floor()
    total = sum(phases.values())
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_children = max(worker_rss, default=0.0)  # the workers' own (a fork server's children)
    rate = len(pairs) / phases["launches"]
    slowest = max(phases, key=phases.get)
    print(f"{'total':12} {total:8.1f} s  (target ≤ 120 s)")
    print(f"peak RSS: {rss_self:.0f} MB (main), {rss_children:.0f} MB (largest worker); "
          f"target ≤ 1500 MB at Tsukuba, ≤ 2048 MB in every process at prefecture scale")
    print("peak RSS by phase (main): " + ", ".join(f"{k} {v:.0f}" for k, v in rss.items())
          + " MB")
    print(f"launches: {len(pairs)} in {phases['launches']:.1f} s with {workers} worker(s) = "
          f"{rate:.0f}/s; RS256 signing floor {floor:.0f}/s per core "
          f"(launches reach {rate / (floor * workers):.1%} of it)")
    print(f"launch results: {stats}")
    print(f"invariants broken: {out.errors()}; dominant phase: {slowest} "
          f"({phases[slowest] / total:.0%})")
    import os
    print(f"load average during the run: {os.getloadavg()}")
    return 0 if out.errors() == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
