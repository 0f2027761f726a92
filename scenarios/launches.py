"""LTI launches through the full OIDC flow, in parallel across processes, and their checks.

One launch's flow and its outcome are :mod:`scenarios.launch_flow`'s (re-exported here). The
harness then reads what the tool recorded (``/_admin/launches``) and checks it against the LTI
catalogue's verdict and the expected person, class, role, grade and licence.

Parallel: launches are independent, so with ``workers > 1`` the list is cut into slices and
each worker process runs its slice on its own view of the systems. Live, workers share the real
servers (plain HTTP). In-process, each worker launches on a private world, because launches
write (sessions, launch logs, licences) and processes sharing one SQLite file serialise on its
write lock: the parent takes a :class:`WorldCopy` of the systems a launch touches (a copy of
each database, the snapshot ``GET /_admin/state/export`` answers, and each tool's
``/_admin/reject-launches``), and each worker builds fresh in-process mocks on those copies.
The tools record each launch in the worker's world, so the worker reads those records back.
In-process, a worker takes its launches through the flow 16 side by side, hop by hop, each
with its own browser (:func:`scenarios.launch_flow.launch_many`).
"""

from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from scenarios.expected import CityExpectation

# one launch's flow and outcome: re-exported, the names callers have imported from here
from scenarios.launch_flow import STATUS_ONLY as STATUS_ONLY
from scenarios.launch_flow import STEPS as STEPS
from scenarios.launch_flow import TOGETHER as TOGETHER
from scenarios.launch_flow import LaunchOutcome as LaunchOutcome
from scenarios.launch_flow import flow_step as flow_step
from scenarios.launch_flow import launch_many as launch_many
from scenarios.launch_flow import launch_one as launch_one
from scenarios.launch_flow import refusal_reason as refusal_reason
from scenarios.launch_flow import short_url as short_url
from scenarios.model import StepFindings
from scenarios.observe import pick, tool_launch_pages
from scenarios.rss import peak_rss_mb
from scenarios.vendors import NAMES, Vendors

#: below this many launches a pool costs more than it saves
PARALLEL_MIN = 200


def default_workers() -> int:
    """All cores (the issue's default)."""
    return os.cpu_count() or 1


@dataclass(frozen=True)
class WorldCopy:
    """What a launch worker needs to launch on a private world as the parent's systems would.

    :param snapshots: system → a file holding its database (:meth:`Vendors.copy_state`, the
        snapshot ``GET /_admin/state/export`` answers), for the systems a launch touches:
        lgate (the e-portal logs the pupil in and signs the launch) and the tools launched
        into. c4th and Microsoft 365 take no part in a launch. Files, not bytes: at a large
        city's scale the drill app's database passes 500 MB, more than a mock takes as a
        request body and more than a worker should hold.
    :param rejecting: tool → the reason it refuses every launch with (a run-time setting,
        not state: ``/_admin/reject-launches``).
    """

    snapshots: dict[str, Path]
    rejecting: dict[str, str] = field(default_factory=dict)

    @classmethod
    def take(cls, vendors: Vendors, tools: Iterable[str], folder: str | Path) -> WorldCopy:
        """Copy the systems' state into ``folder``, once for every worker."""
        tools = sorted(set(tools) & set(NAMES))  # a vendor's own tool is reached as it is
        rejecting = {t: r for t in tools if (r := vendors.launch_rejection(t))}
        return cls({name: vendors.copy_state(name, Path(folder) / f"{name}.snapshot.sqlite3")
                    for name in ("lgate", *tools)}, rejecting)

    def build(self, folder: str | Path, spec: Mapping[str, Any]) -> Vendors:
        """Fresh in-process systems in ``folder`` with this copy's state and settings,
        configured as ``spec`` (:meth:`Vendors.spec`) says: each mock starts on its own copy
        of the database file, as a restarted server would."""
        for name, snapshot in self.snapshots.items():
            shutil.copyfile(snapshot, Path(folder) / f"{name}.sqlite3")
        vendors = Vendors.in_process(folder, secret_key=spec["secret_key"],
                                     config=private_config(spec))
        for tool, reason in self.rejecting.items():
            vendors.reject_launches(tool, reason)
        return vendors


def private_config(spec: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The mocks' config of a worker's private world (``spec``: :meth:`Vendors.spec`): each
    database file is the worker's alone, so SQLite keeps its lock, and is thrown away after
    the slice, so its journal stays in memory and nothing is synced (:mod:`mocks.base.db`).
    The launches run as on the parent's systems; only the file's upkeep is lighter."""
    return {name: {**spec["config"].get(name, {}), "DATABASE_EXCLUSIVE": True,
                   "DATABASE_SCRATCH": True} for name in NAMES}


_WORKER: dict[str, Any] = {}


def _init_worker(spec: Mapping[str, Any], world: WorldCopy | None, scratch: str | None,
                 counter: Any = None) -> None:
    _WORKER["counter"] = counter
    if world is None:  # live: share the real servers
        _WORKER["vendors"] = Vendors.live(spec["urls"], config=spec["config"],
                                          ca_file=spec.get("ca_file"))
    else:
        # in-process: fresh mocks in the parent's scratch folder (the parent removes it: a
        # pool's worker ends without running exit handlers)
        _WORKER["vendors"] = world.build(tempfile.mkdtemp(prefix="worker-", dir=scratch), spec)
        _WORKER["private"] = True
    # What the worker holds now (its systems, the modules) lives as long as it does: out of
    # the cyclic collector's full collections, which would otherwise rescan it every few
    # thousand launches. The launches' own garbage is still collected as before.
    gc.freeze()


def _run_slice(pairs: Sequence[tuple[str, str]]
               ) -> tuple[list[LaunchOutcome], dict[str, dict[str, ToolRecord]], float, float,
                          float]:
    vendors = _WORKER["vendors"]
    counter: Any = _WORKER.get("counter")

    def count() -> None:
        with counter.get_lock():
            counter.value += 1

    outcomes = launch_many(vendors, pairs, done=None if counter is None else count)
    recorded: dict[str, dict[str, ToolRecord]] = {}
    if _WORKER.get("private"):
        # The tools recorded these launches in this worker's copy: read them here, once
        # (each worker gets one slice, so its tools are read once, not once per chunk).
        for tool in sorted({t for _, t in pairs}):
            recorded[tool] = recorded_launches(vendors, tool,
                                               {u for u, t in pairs if t == tool})
    spent = os.times()
    return outcomes, recorded, peak_rss_mb(), spent.user + spent.system, spent.system


@dataclass(frozen=True, slots=True)
class ToolRecord:
    """What the checks read of one launch a tool recorded (its launch log entry)."""

    verified: bool
    rules: str
    reason: str
    grade: str | None
    class_title: str | None
    school: str | None
    roles: str
    licence: bool

    #: the fields of a renkei tool mock's log entry that :meth:`of` and
    #: :func:`recorded_launches` read (the log is read with these only)
    FIELDS: ClassVar[tuple[str, ...]] = (
        "step", "sub", "verified", "rules", "reason", "grade", "context_title", "class_name",
        "school_code", "roles", "licence")

    @classmethod
    def of(cls, rec: Mapping[str, Any]) -> ToolRecord:
        def text(*keys: str) -> str | None:
            value = pick(rec, *keys, default=None)
            return None if value is None else sys.intern(str(value))
        rules = pick(rec, "rules", "failed_rules", default="")
        values = (_truthy(pick(rec, "verified", "valid", default=False)),
                  sys.intern(str(rules)) if rules else "",
                  sys.intern(str(pick(rec, "reason", default=""))),
                  text("grade"), text("class", "context_title", "class_name"),
                  text("school_code", "school"), sys.intern(_claim_roles(rec)),
                  bool(pick(rec, "licence", "license", default=None)))
        # one shared record per distinct value (a class's pupils have the same one): a
        # worker pickles each once for the parent, which holds each once
        return _shared_record(values)


@functools.lru_cache(maxsize=1 << 16)  # a few per class and tool (refusals' reasons may differ)
def _shared_record(values: tuple[Any, ...]) -> ToolRecord:
    """:meth:`ToolRecord.of`'s record of these values, one object per distinct value."""
    return ToolRecord(*values)


def recorded_launches(vendors: Vendors, tool: str, subs: Container[str] | None = None
                      ) -> dict[str, ToolRecord]:
    """sub → the last launch the tool recorded for it (the launch step, with its verdict),
    read a page at a time; ``subs``: only these."""
    last: dict[str, ToolRecord] = {}
    for page in tool_launch_pages(vendors, tool, only=ToolRecord.FIELDS):
        for rec in page:
            if rec.get("step") not in (None, "launch"):
                continue  # the login step's record carries no verdict
            sub = str(pick(rec, "sub", "user", "umi", default=""))
            if subs is None or sub in subs:
                last[sub] = ToolRecord.of(rec)
    return last


@dataclass
class LaunchRun:
    """The outcomes of many launches and, when workers ran them on private copies of the
    systems, what each tool recorded (else the tools are read afterwards)."""

    outcomes: list[LaunchOutcome]
    recorded: dict[str, dict[str, ToolRecord]] | None = None
    workers: int = 1
    seconds: float = 0.0
    #: each launch worker's peak RSS in MB (its VmHWM), CPU seconds and the system time of
    #: them (empty when this process launched). A fork server's children are not this
    #: process's children: ``RUSAGE_CHILDREN`` never counts them, these figures do.
    worker_rss: list[float] = field(default_factory=list)
    worker_cpu: list[float] = field(default_factory=list)
    worker_system: list[float] = field(default_factory=list)

    def __iter__(self):  # noqa: ANN204 - iterate the outcomes
        return iter(self.outcomes)

    def __len__(self) -> int:
        return len(self.outcomes)


def run_launches(vendors: Vendors, pairs: Sequence[tuple[str, str]], *,
                 workers: int | None = None, progress: Any = None) -> LaunchRun:
    """Launch every (umi, tool) pair; ``workers`` processes (default: all cores).

    In-process, each worker launches on its own copy of the systems' state (no lock
    contention between processes) and reads back what its tools recorded; live, workers
    share the real servers.

    :param progress: called with the number of launches done so far.
    """
    started = time.perf_counter()
    workers = workers or default_workers()
    if workers <= 1 or len(pairs) < PARALLEL_MIN:
        ended = [0]

        def count() -> None:
            ended[0] += 1
            if ended[0] % 50 == 0:
                progress(ended[0])

        out = launch_many(vendors, pairs, done=count if progress else None)
        if progress:
            progress(len(pairs))
        return LaunchRun(out, None, 1, time.perf_counter() - started)
    slices = balanced_slices(pairs, workers)
    ctx = worker_context()
    counter = ctx.Value("i", 0)
    out: list[LaunchOutcome] = []
    recorded: dict[str, dict[str, ToolRecord]] = {}
    worker_rss: list[float] = []
    worker_cpu: list[float] = []
    worker_system: list[float] = []
    world = scratch = None
    try:
        if not vendors.is_live:
            # beside the state (a fast folder: every launch commits to SQLite)
            scratch = tempfile.mkdtemp(prefix="renkei-launch-",
                                       dir=Path(vendors.state_dir).parent)
            world = WorldCopy.take(vendors, {t for _, t in pairs}, scratch)
        with ctx.Pool(workers, initializer=_init_worker,
                      initargs=(vendors.spec(), world, scratch, counter)) as pool:
            pending = pool.map_async(_run_slice, slices)
            while not pending.ready():
                pending.wait(0.5)
                if progress:
                    progress(counter.value)
            for part, rec, rss, cpu, system in pending.get():
                out.extend(part)
                worker_rss.append(rss)
                worker_cpu.append(cpu)
                worker_system.append(system)
                for tool, entries in rec.items():
                    recorded.setdefault(tool, {}).update(entries)
    finally:  # the pool has stopped its workers: nothing writes there any more
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    if progress:
        progress(len(out))
    return LaunchRun(out, None if world is None else recorded, workers,
                     time.perf_counter() - started, worker_rss, worker_cpu, worker_system)


def worker_context() -> Any:
    """How launch workers start: from a fork server where there is one (Linux, macOS), else
    spawned.

    Not forked from this process: a forked child starts with every page of its parent
    counted in its own RSS (the in-process systems, the expectation), so at a large city's
    scale each worker would begin near the parent's size. The fork server is a small process
    that has imported this module once (started with the first pool, kept for the next), so a
    worker still starts at once, and builds its own systems in :func:`_init_worker` from
    plain data. A caller's script needs the ``__main__`` guard, as for any spawned process.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload([__name__])
        return ctx
    return multiprocessing.get_context("spawn")


def balanced_slices(pairs: Sequence[tuple[str, str]], workers: int
                    ) -> list[list[tuple[str, str]]]:
    """One slice per worker (each reads its tools' records once, at the end), with every
    tool's launches dealt out evenly: tools differ in cost, and pairs come person by person
    (an elementary pupil's two tools side by side), so plain striding would give one worker
    all of one tool."""
    by_tool = sorted(pairs, key=lambda pair: pair[1])  # stable: each tool's pairs in order
    return [by_tool[i::workers] for i in range(workers)]


def launch_pairs(expect: CityExpectation, umis: Iterable[str] | None = None
                 ) -> list[tuple[str, str]]:
    """(umi, tool) for every (affected) active, not held pupil and every tool that applies."""
    chosen = expect.people.keys() if umis is None else umis
    pairs = []
    for umi in chosen:
        p = expect.people.get(umi)
        if p is None or umi in expect.held:
            continue
        pairs.extend((umi, tool) for tool in p.tools)
    return pairs


def _claim_roles(launch: Mapping[str, Any]) -> str:
    roles = pick(launch, "roles", default="")
    if isinstance(roles, list | tuple):
        return " ".join(str(r) for r in roles)
    return str(roles)


def verify_launches(vendors: Vendors, outcomes: LaunchRun | Sequence[LaunchOutcome],
                    expect: CityExpectation, out: StepFindings, *,
                    expect_refusal: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Check each launch in what the tool recorded (IV501–IV505).

    :param expect_refusal: tool → the reason it was told to refuse launches with; such
        refusals are expected (IV505) but must carry the reason (SC105).
    :returns: counts per tool (launched, verified, refused, failed).
    """
    expect_refusal = dict(expect_refusal or {})
    recorded: dict[str, dict[str, ToolRecord]] | None = getattr(outcomes, "recorded", None)
    if recorded is None:
        recorded = {tool: recorded_launches(vendors, tool)
                    for tool in sorted({o.tool for o in outcomes})}
    stats: dict[str, dict[str, int]] = {}
    for o in outcomes:
        s = stats.setdefault(o.tool, {"launched": 0, "verified": 0, "refused": 0, "failed": 0})
        s["launched"] += 1
        p = expect.people.get(o.umi)
        rec = recorded.get(o.tool, {}).get(o.umi)
        if o.tool in expect_refusal:
            s["refused"] += not o.ok
            reason = expect_refusal[o.tool]
            if o.ok:
                out.add("IV501", system=o.tool, record=o.umi, tool=o.tool,
                        reason=f"expected a refusal ({reason}) but the launch succeeded")
            elif reason not in o.reason and reason not in (rec.reason if rec else ""):
                out.add("SC105", system=o.tool, record=o.umi, tool=o.tool)
            else:
                out.add("IV505", system=o.tool, record=o.umi, tool=o.tool, reason=o.reason)
            continue
        if not o.ok:
            s["failed"] += 1
            out.add("IV501", system=o.tool, record=o.umi, tool=o.tool, reason=o.reason)
            continue
        if rec is None:
            s["failed"] += 1
            out.add("IV502", system=o.tool, record=o.umi, tool=o.tool,
                    reason="no launch recorded for this user")
            continue
        if not rec.verified:
            s["failed"] += 1
            out.add("IV502", system=o.tool, record=o.umi, tool=o.tool,
                    reason=f"{rec.rules} {rec.reason}".strip())
            continue
        s["verified"] += 1
        if p is not None:
            _check_claims(o, p, rec, out)
    return stats


def _check_claims(o: LaunchOutcome, p: Any, rec: ToolRecord, out: StepFindings) -> None:
    checks = [("grade", p.grade, rec.grade), ("class", p.class_title, rec.class_title),
              ("school", p.school_code, rec.school)]
    for claim, want, got in checks:
        if got is not None and got != str(want):
            out.add("IV503", system=o.tool, record=o.umi, tool=o.tool, claim=claim,
                    expected=want, found=got)
    roles = rec.roles
    if roles and "Learner" not in roles and "student" not in roles.lower():
        out.add("IV503", system=o.tool, record=o.umi, tool=o.tool, claim="role",
                expected="Learner", found=roles)
    if o.tool in ("tsubasa_book", "mirai_school") and not rec.licence:
        out.add("IV504", system=o.tool, record=o.umi, tool=o.tool, grade=p.grade)


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("true", "1", "yes")
