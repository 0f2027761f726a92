"""The machine's hash-table cliff: ns per dict lookup at Tsukuba's and the prefecture's size.

Run: ``python bench/hash_cliff.py [--small N] [--large N] [--json]``.

Why: the plan, the checker and the first night look every pupil up in tables keyed by ids
(36-character UUID strings). A table of 23,000 keys fits a core's L2 cache on most machines;
one of 230,000 does not, so each lookup in it costs several times as much, and a job whose
every other step grows 10x grows a little more than 10x. How much more depends on the machine
(its L2 and L3), not on renkei's code: bench/scale.py prints this gauge beside the RS256
floor, so a ratio measured on one machine can be read against another's.

What is timed: ``dict.get`` of every key, in the order the keys were inserted, with probes
that are equal to the keys but other objects (as an id read from one file is looked up in a
map built from another): the best of ``repeat`` passes, in ns per lookup. The collector is
paused while it runs.

Figures (2-core container, Python 3.11.7, 2 MiB L2 per core, 2026-12-07; this script, 2-5 runs
a size): 5,000 keys 35 ns; 23,000 keys 41-42 ns; 92,000 keys 79-85 ns; 230,000 keys 115-132 ns;
460,000 keys 164-178 ns. At 230,000 keys a lookup costs 2.7-3.1x one at 23,000: a job that
spends 1.5% of its Tsukuba time in such lookups is 10.3x at the prefecture's size when all its
other work is 10.0x. On a 2-core AMD EPYC with 512 KiB of L2 a core (2026-12-08, 4-8 runs a
size): 5,000 keys 45-49 ns; 23,000 keys 55-79 ns; 230,000 keys 107-216 ns (1.9-3.9x): the same
cliff, on a machine whose neighbours move it from run to run.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.core.gcpause import no_cyclic_gc  # noqa: E402

#: Tsukuba's pupils and the prefecture's, roughly: the sizes of the tables the ratios compare
SMALL, LARGE = 23_000, 230_000


def lookup_ns(keys: int, repeat: int = 5) -> float:
    """ns per ``dict.get`` in a table of ``keys`` UUID-string keys (best of ``repeat``)."""
    # deterministic, spread like uuid4 text: a multiplicative walk over 128 bits
    stored = [str(uuid.UUID(int=(i * 0x9E3779B97F4A7C15F39CC0605CEDC835) % (1 << 128)))
              for i in range(keys)]
    probes = ["".join(k) for k in stored]  # equal text, other objects
    table = dict.fromkeys(stored)
    for probe in probes:
        hash(probe)  # a str caches its hash: compute it outside the timed passes
    best = float("inf")
    with no_cyclic_gc():
        for _ in range(repeat):
            started = time.perf_counter()
            for probe in probes:
                table.get(probe)
            best = min(best, time.perf_counter() - started)
    return best / keys * 1e9


def hash_cliff(small: int = SMALL, large: int = LARGE, repeat: int = 5) -> dict[str, float]:
    """ns per lookup at ``small`` and ``large`` keys, and how many times the large one costs."""
    small_ns = round(lookup_ns(small, repeat), 1)
    large_ns = round(lookup_ns(large, repeat), 1)
    # the ratio of the figures as printed, so a reader can check it from them
    return {"small_keys": small, "large_keys": large, "small_ns": small_ns,
            "large_ns": large_ns, "ratio": round(large_ns / max(small_ns, 0.1), 2)}


def describe(cliff: dict[str, float]) -> str:
    """One line for a report: both sizes and the ratio."""
    return (f"dict lookup {cliff['small_ns']:.0f} ns at {cliff['small_keys']:,.0f} keys, "
            f"{cliff['large_ns']:.0f} ns at {cliff['large_keys']:,.0f} keys "
            f"({cliff['ratio']:.1f}x a lookup)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=SMALL, help=f"keys (default {SMALL:,})")
    parser.add_argument("--large", type=int, default=LARGE, help=f"keys (default {LARGE:,})")
    parser.add_argument("--repeat", type=int, default=5, help="best of N passes (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if min(args.small, args.large, args.repeat) < 1:
        parser.error("--small, --large and --repeat must be at least 1")
    cliff = hash_cliff(args.small, args.large, args.repeat)
    print(json.dumps(cliff) if args.json else describe(cliff))
    return 0


if __name__ == "__main__":
    sys.exit(main())
