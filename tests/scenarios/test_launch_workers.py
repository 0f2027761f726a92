"""Launch workers: in-process, each launches on a private world it reached through the
systems' admin surface and brings back what each tool recorded; live, they share the servers.
Either way a tool told to refuse launches (its admin surface) refuses them in every worker."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from scenarios import launches
from scenarios.actions import ACTIONS, Context
from scenarios.launches import WorldCopy, launch_pairs, run_launches, verify_launches
from scenarios.model import StepFindings
from scenarios.observe import tool_launches
from scenarios.runner import make_context
from scenarios.suites import SCENARIOS

REASON = "licence server unavailable"


@pytest.fixture(scope="module", params=["in-process", "live"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Context]:
    """A small city after its first run, in-process or on loopback servers."""
    ctx = make_context(SCENARIOS["rejecting-tool"], workdir=tmp_path_factory.mktemp("w"),
                       live=request.param == "live")
    ACTIONS["seed_city"](ctx, StepFindings("t", "seed"))
    ctx.driver.fetch_passwords(only_new=True)
    assert ctx.driver.run().exit_code in (0, 1)
    yield ctx
    ctx.vendors.close()


def test_a_world_copy_holds_the_e_portal_and_the_tools_launched_into(
        world: Context, tmp_path: Path) -> None:
    world.vendors.reject_launches("tsubasa_book", REASON)
    try:
        copy = WorldCopy.take(world.vendors, ["tsubasa_book", "interactive_study", "own-tool"],
                              tmp_path)
    finally:
        world.vendors.reject_launches("tsubasa_book", None)
    assert sorted(copy.snapshots) == ["interactive_study", "lgate", "tsubasa_book"]
    assert copy.rejecting == {"tsubasa_book": REASON}
    assert all(f.parent == tmp_path and f.read_bytes().startswith(b"SQLite format 3\x00")
               for f in copy.snapshots.values())


def test_workers_launch_on_private_worlds_and_bring_back_each_tools_record(
        world: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(launches, "PARALLEL_MIN", 1)
    expect = world.expectation()
    pairs = launch_pairs(expect)[:40]
    tools = Counter(tool for _, tool in pairs)
    assert set(tools) >= {"interactive_study", "tsubasa_book"}
    before = {tool: len(tool_launches(world.vendors, tool)) for tool in tools}
    world.vendors.reject_launches("tsubasa_book", REASON)
    try:
        run = run_launches(world.vendors, pairs, workers=2)
    finally:
        world.vendors.reject_launches("tsubasa_book", None)
    assert (run.workers, len(run)) == (2, len(pairs))
    assert (run.recorded is None) == world.vendors.is_live, "private worlds bring records back"
    out = StepFindings("t", "launch")
    stats = verify_launches(world.vendors, run, expect, out,
                            expect_refusal={"tsubasa_book": REASON})
    assert out.errors() == 0, [f.message_en for f in out.findings][:5]
    assert stats["tsubasa_book"]["refused"] == tools["tsubasa_book"]
    assert stats["interactive_study"]["verified"] == tools["interactive_study"]
    after = {tool: len(tool_launches(world.vendors, tool)) for tool in tools}
    if world.vendors.is_live:
        assert all(after[tool] > before[tool] for tool in tools), "the servers took them"
    else:
        assert after == before, "the parent's systems took no launch: workers had their own"
        assert not list(Path(world.vendors.state_dir).parent.glob("renkei-launch-*")), \
            "the workers' worlds are removed"


def test_a_worker_freezes_the_world_it_built_before_it_launches(
        world: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a worker holds for its whole life (its systems) is kept out of the cyclic
    collector's full collections: frozen once it is built."""
    frozen: list[dict[str, object]] = []
    monkeypatch.setattr(launches.gc, "freeze", lambda: frozen.append(dict(launches._WORKER)))
    monkeypatch.setattr(launches, "_WORKER", {})
    copy = None if world.vendors.is_live else WorldCopy.take(
        world.vendors, ["interactive_study"], tmp_path)
    launches._init_worker(world.vendors.spec(), copy, str(tmp_path))
    try:
        assert len(frozen) == 1 and "vendors" in frozen[0], "frozen once, after the build"
        assert frozen[0].get("private") is (None if world.vendors.is_live else True)
    finally:
        launches._WORKER["vendors"].close()


def test_launches_taken_side_by_side_end_as_each_would_alone(world: Context) -> None:
    """:func:`launches.launch_many` takes several browsers through their flows hop by hop;
    each launch ends as :func:`launches.launch_one` ends it alone, in the pairs' order: taken,
    refused by its tool, unknown to lgate, and cut off by a dropped connection."""
    pairs = launch_pairs(world.expectation())[:7]
    assert {"interactive_study", "tsubasa_book"} <= {tool for _, tool in pairs}
    pairs += [("nobody-at-all", "interactive_study")]
    drop = [{"kind": "drop", "route": "^/lti/launch$", "method": "POST", "count": 1}]
    world.vendors.reject_launches("tsubasa_book", REASON)
    try:
        world.vendors.add_faults("interactive_study", drop)
        ended: list[int] = []
        together = launches.launch_many(world.vendors, pairs, together=3,
                                        done=lambda: ended.append(1))
        world.vendors.add_faults("interactive_study", drop)
        alone = [launches.launch_one(world.vendors, umi, tool) for umi, tool in pairs]
    finally:
        world.vendors.reject_launches("tsubasa_book", None)
        world.vendors.clear_faults("interactive_study")
    assert together == alone
    assert len(ended) == len(pairs), "each launch's end is told once"
    assert [(o.umi, o.tool) for o in together] == pairs
    kinds = Counter("taken" if o.ok else o.step for o in together)
    assert kinds["taken"] and kinds["launch"] > 1 and kinds["lgate"] == 1, kinds
    cut = [o for o in together if o.status == 0]
    assert len(cut) == 1 and cut[0].step == "launch" and "POST" in cut[0].reason, cut
