"""One launch worker's slice of a saved city, in this process: for cachegrind and CPU pairs.

``bench/lti_launch.py --scale tsukuba`` measures the whole pool, under whatever else runs on
the machine. A change to a launch is measured finer on one worker's work alone, as
``scenarios.launches`` runs it: its systems built on a copy of the world (keys kept, so no
key is generated), N of its launches, the read-back of its tools' records and the pickling of
its result. Save the world once (any tree; the world is data), then run a slice per tree::

    python bench/launch_slice.py save DIR [--scale tsukuba] [--seed 1]
    PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no python bench/launch_slice.py \
        run DIR 420 --tree TREE      # and again with 120: (Ir(420) - Ir(120)) / 300 a launch
    python bench/launch_slice.py run DIR 22881 --step 1 --tree TREE   # CPU of a whole slice

``run`` takes every ``--step``-th pair of the first worker's slice (default 40: every tool),
shuffled with a fixed seed (``--order slice``: in the slice's own order, as the worker runs
them), and the first N of them; it prints the launches taken and, with ``--cpu``, the CPU of
the worker's start and of the rest (user and system), and the cyclic collector's passes and
time. ``--together K`` sets how many launches the worker takes through the flow side by side
(``scenarios.launch_flow.TOGETHER`` in a tree since round 10; 1: one at a time).
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def save(folder: Path, scale: str, seed: int) -> None:
    """Build the city and its baseline, copy the systems a launch touches into ``folder``
    with one worker's keys beside them (``primed``), and keep the workers' slices."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from lti_launch import build_world

    from scenarios.launches import WorldCopy, balanced_slices

    folder.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="launch-slice-", dir=_tmp()))
    try:
        ctx, pairs = build_world(scale, seed, work)
        world = WorldCopy.take(ctx.vendors, {t for _, t in pairs}, folder)
        spec = ctx.vendors.spec()
        ctx.vendors.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    primed = folder / "primed"
    primed.mkdir(exist_ok=True)
    world.build(primed, spec).close()  # the keys are made once, here
    with open(folder / "world.pkl", "wb") as f:
        pickle.dump({"spec": spec, "slices": balanced_slices(pairs, 2)}, f)
    print(f"{len(pairs)} launches saved in {folder}")


def run(folder: Path, n: int, step: int, cpu: bool, order: str = "shuffled",
        together: int | None = None) -> None:
    import scenarios.launches as launches
    from scenarios.vendors import Vendors

    if together is not None:
        try:
            import scenarios.launch_flow as flow
        except ImportError:  # a tree from before launch_flow was split out of launches
            flow = launches  # type: ignore[assignment]
        flow.TOGETHER = together  # launch_many's default, read at each call

    with open(folder / "world.pkl", "rb") as f:
        saved: dict[str, Any] = pickle.load(f)
    pairs = saved["slices"][0][::step]
    if order == "shuffled":
        random.Random(0).shuffle(pairs)
    chosen, spec = pairs[:n], saved["spec"]
    passes: list[float] = [0, 0.0]
    started: list[float] = [0.0]

    def note(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.process_time()
        else:
            passes[0] += 1
            passes[1] += time.process_time() - started[0]

    state = Path(tempfile.mkdtemp(prefix="launch-slice-", dir=_tmp())) / "w"
    shutil.copytree(folder / "primed", state)
    try:
        t0 = time.process_time()
        vendors = Vendors.in_process(state, secret_key=spec["secret_key"],
                                     config=launches.private_config(spec))
        launches._WORKER.update(vendors=vendors, private=True, counter=None)
        t1, s1 = time.process_time(), os.times()
        gc.callbacks.append(note)
        result = launches._run_slice(chosen)
        pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        t2, s2 = time.process_time(), os.times()
        gc.callbacks.remove(note)
        vendors.close()
    finally:
        shutil.rmtree(state.parent, ignore_errors=True)
    ok = sum(o.ok for o in result[0])
    line = f"{len(chosen)} launches, {ok} ok"
    if cpu:
        line += (f"; start {t1 - t0:.3f} CPU-s, launches with read-back and pickling "
                 f"{t2 - t1:.3f} CPU-s ({s2.system - s1.system:.3f} system), "
                 f"{1000 * (t2 - t1) / max(len(chosen), 1):.3f} ms a launch; "
                 f"{passes[0]:.0f} collector passes {passes[1]:.3f} CPU-s; "
                 f"load {os.getloadavg()[0]:.1f}")
    print(line)


def _tmp() -> str | None:
    return "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("save", "run"))
    parser.add_argument("folder", type=Path)
    parser.add_argument("n", nargs="?", type=int, default=420)
    parser.add_argument("--scale", default="tsukuba")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--step", type=int, default=40)
    parser.add_argument("--cpu", action="store_true")
    parser.add_argument("--order", choices=("shuffled", "slice"), default="shuffled",
                        help="the pairs shuffled (default) or in the slice's own order")
    parser.add_argument("--together", type=int, default=None,
                        help="launches taken through the flow side by side (a tree's "
                             "scenarios.launch_flow.TOGETHER; 1: one at a time)")
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1],
                        help="the source tree to run (default: this script's)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(args.tree.resolve()))
    if args.action == "save":
        save(args.folder, args.scale, args.seed)
    else:
        run(args.folder, args.n, args.step, args.cpu, args.order, args.together)
    return 0


if __name__ == "__main__":
    sys.exit(main())
