"""The pytest plugin's launch world: the city's systems, the pipeline run once into them, and
the pupils launched into a tool one test case each (issue 21).

One world per test session. Live under pytest-xdist, the workers share one: the first worker
to ask, under a file lock in the session's shared temp folder, starts the servers and runs the
pipeline; the others attach to those servers (one issuer, one registration in the vendor's
tool). The starting worker keeps serving until every worker has finished its tests.

In-process, each xdist worker builds its own world (nothing is shared, nothing needs to be).

The per-pupil results travel in each test's ``user_properties`` (``renkei.*``), so they reach
JUnit XML and, through xdist's reports, the controller's :class:`LaunchTally`, which prints the
session's summary (never a worker).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from filelock import FileLock

if TYPE_CHECKING:
    from scenarios.launches import LaunchOutcome
    from scenarios.vendors import Vendors

# scenarios (and with it Flask, requests, the mocks) is imported where a world is built or a
# summary printed, not at import: the plugin loads in every pytest run of a project that
# installs renkei, most of which never launch anybody.

#: the file, in the session's shared temp folder, that tells workers where the live world is
SHARED_FILE = "renkei-live-world.json"
#: user_properties keys of a per-pupil test (JUnit <property> names)
PUPIL, RESULT, STATUS, STEP, REASON, JUDGED = (
    "renkei.pupil", "renkei.result", "renkei.status", "renkei.step", "renkei.reason",
    "renkei.judged")


def seed_city(vendors: Vendors, scale: str, seed: int, as_of: str) -> None:
    """Give c4th the synthetic city (quirks off), as every plugin fixture does."""
    vendors.seed("c4th", {"profile": scale, "seed": seed, "as_of": as_of, "quirks": "none"})


@dataclass
class LaunchWorld:
    """The systems a session launches pupils in, after one pipeline run.

    :param held: umi → why the pipeline held the pupil (never sent to lgate).
    :param on_close: stops what this process started (or says it is done with a shared one).
    """

    vendors: Vendors
    held: dict[str, str]
    owner: bool = True
    on_close: list[Callable[[], None]] = field(default_factory=list)

    def launch(self, umi: str, tool: str) -> LaunchOutcome:
        """Launch one pupil into ``tool`` (see :func:`scenarios.launches.launch_one`)."""
        from scenarios.launches import launch_one

        return launch_one(self.vendors, umi, tool)

    def close(self) -> None:
        for step in self.on_close:
            step()
        self.on_close.clear()


def build_world(config: Mapping[str, Any], *, live: bool, port_base: int, scale: str,
                seed: int, as_of: str) -> LaunchWorld:
    """Start the six systems, seed the city in c4th and run the pipeline once.

    :raises scenarios.vendors.VendorError: a system cannot start, or the run failed.
    """
    from scenarios.pipeline_driver import PipelineDriver
    from scenarios.runner import fast_tmp
    from scenarios.vendors import VendorError, Vendors

    state = Path(tempfile.mkdtemp(prefix="renkei-world-", dir=fast_tmp()))
    try:
        vendors = (Vendors.serve(state / "mocks", config=config, port_base=port_base) if live
                   else Vendors.in_process(state / "mocks", config=config))
    except BaseException:
        shutil.rmtree(state, ignore_errors=True)
        raise
    world = LaunchWorld(vendors, {}, on_close=[vendors.close,
                                               lambda: shutil.rmtree(state, True)])
    try:
        seed_city(vendors, scale, seed, as_of)
        driver = PipelineDriver(vendors, state / "pipeline")
        driver.fetch_passwords(only_new=True)
        run = driver.run()
        if run.exit_code not in (0, 1):
            raise VendorError(f"the pipeline run into the systems failed: {run.error}")
        world.held = dict(run.held)
    except BaseException:
        world.close()
        raise
    return world


class SharedLive:
    """One live world for every xdist worker of a session, coordinated through files in the
    session's shared temp folder (``root``): a lock, the world's URLs and held pupils, and one
    ``done-<worker>`` file per worker that has finished."""

    def __init__(self, root: Path, worker: str, workers: int) -> None:
        self.root, self.worker, self.workers = root, worker, workers
        self.lock = FileLock(str(root / (SHARED_FILE + ".lock")))
        self.file = root / SHARED_FILE

    def get(self, build: Callable[[], LaunchWorld], config: Mapping[str, Any]) -> LaunchWorld:
        """Attach to the session's world, or build it when this worker is the first."""
        from scenarios.vendors import Vendors

        with self.lock:
            if self.file.exists():
                shared = json.loads(self.file.read_text("utf-8"))
                world = LaunchWorld(Vendors.live(shared["urls"], config=config),
                                    shared["held"], owner=False)
                world.on_close = [world.vendors.close, self.done]
                return world
            world = build()
            self.file.write_text(json.dumps({"urls": world.vendors.urls, "held": world.held,
                                             "owner": self.worker}), "utf-8")
        # the servers live in this process: serve until every worker is done
        world.on_close.insert(0, self.wait_for_all)
        return world

    def done(self) -> None:
        """This worker has finished its tests (idempotent; also for a worker that never
        attached, from ``pytest_sessionfinish``)."""
        (self.root / f"done-{self.worker}").touch()

    def wait_for_all(self, poll: float = 0.2) -> None:
        """Block until every worker said it is done, or the controller is gone."""
        self.done()
        parent = os.getppid()
        while len(list(self.root.glob("done-*"))) < self.workers and os.getppid() == parent:
            time.sleep(poll)


def xdist_worker(config: pytest.Config) -> tuple[str, int] | None:
    """(worker id, number of workers) on a pytest-xdist worker, else None."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return None
    return str(workerinput["workerid"]), int(workerinput["workercount"])


def shared_root(config: pytest.Config) -> Path:
    """The temp folder every xdist worker of this session shares: xdist gives each worker
    ``--basetemp <the controller's>/popen-gwN``."""
    return Path(config.option.basetemp).resolve().parent


# --- the results, one per pupil, and the session's summary -----------------------------------

def record(node: pytest.Item, umi: str, outcome: LaunchOutcome | None, *,
           held: str = "") -> None:
    """Put a pupil's result in the test's user_properties (JUnit and the summary read it)."""
    props = node.user_properties
    props.append((PUPIL, umi))
    if outcome is None:
        props.extend([(RESULT, "held"), (REASON, held)])
        return
    props.extend([(RESULT, "accepted" if outcome.ok else "rejected"),
                  (STATUS, str(outcome.status)), (STEP, outcome.step)])
    if outcome.judged:
        props.append((JUDGED, outcome.judged))
    if not outcome.ok:
        props.append((REASON, outcome.reason))


class LaunchTally:
    """Counts the per-pupil results as reports arrive (from xdist workers too) and prints the
    summary at the end: launched, accepted, rejected, held, the reasons grouped."""

    def __init__(self) -> None:
        self.results: dict[str, tuple[str, str, str]] = {}  # nodeid → (result, reason, judged)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        if RESULT in props:
            # one group for a reason whatever the pupil: the pupil's own id is taken out
            reason = str(props.get(REASON, "")).replace(str(props.get(PUPIL, "")) or "\0",
                                                        "<pupil>")
            self.results[report.nodeid] = (str(props[RESULT]), reason,
                                           str(props.get(JUDGED, "")))

    def lines(self) -> list[str]:
        results = Counter(r for r, _, _ in self.results.values())
        launched = results["accepted"] + results["rejected"]
        out = [f"{len(self.results)} pupils: {launched} launched, {results['accepted']} "
               f"accepted, {results['rejected']} rejected, {results['held']} held"]
        for kind in ("rejected", "held"):
            reasons = Counter(reason for r, reason, _ in self.results.values() if r == kind)
            if reasons:
                out.append(f"{kind}, by reason:")
                out.extend(f"  {n:>5}  {reason}" for reason, n in reasons.most_common())
        if any(j == "status only" for _, _, j in self.results.values()):
            from scenarios.launches import STATUS_ONLY

            out.append(f"note: {STATUS_ONLY}")
        return out

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not self.results:
            return
        terminalreporter.write_sep("=", "renkei launches")
        for line in self.lines():
            terminalreporter.write_line(line)


def pupil_ids(tools: Iterable[str], pupils: Iterable[Any]) -> list[tuple[tuple[str, str], str]]:
    """(param, id) per (tool, pupil): ``tool/school/umi``, one JUnit test case each."""
    return [((tool, p.umi), f"{tool}/{p.school}/{p.umi}") for tool in tools for p in pupils]
