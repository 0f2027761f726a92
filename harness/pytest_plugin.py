"""renkei's pytest plugin (entry point ``pytest11: renkei``).

OneRoster checks in any project's tests::

    def test_our_export_is_conformant(check_oneroster, tmp_path):
        result = check_oneroster(export_roster(tmp_path))
        assert result.exit_code == 0, result.findings

The synthetic city and the vendor systems, for a vendor testing their own system::

    def test_our_tool_takes_every_pupil(vendors, pipeline, launch, city):
        pipeline.run()                                  # c4th → pipeline → lgate, m365, drill
        pupil = next(iter(city.students.values()))
        assert launch(pupil.umi, "tsubasa_book").ok     # lgate launches the tool (LTI 1.3)

Scenario steps as test cases (one JUnit test case per step)::

    @pytest.mark.scenario("transfer", "rollover")
    def test_scenario(scenario_step):
        assert scenario_step.passed, scenario_step.explain()

A tool vendor's own tool, one test case per pupil, against lgate on real loopback servers
(``docs/test-your-tool.md``)::

    @pytest.mark.launch_all("our_tool")             # registered in renkei_vendor_config
    def test_pupil_launches(pupil_launch):
        assert pupil_launch.ok, pupil_launch.reason

Options: ``--renkei-profile``, ``--renkei-scale`` (small|tsukuba|prefecture), ``--renkei-seed``,
``--renkei-live``, ``--renkei-port-base`` (ini keys ``renkei_profile``, ``renkei_scale``,
``renkei_seed``). The ``vendors`` fixture builds its systems in its own temporary folder per
test; the launch world of ``pupil_launch`` is one per session, and live under pytest-xdist
(``-n``) one for every worker (:mod:`harness.pytest_world`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fixtures.profiles import BUILTIN
from harness.oneroster.checker import CheckResult, check_bundle
from harness.oneroster.schema import default_profile_id, profile_ids
from harness.pytest_world import (
    LaunchTally,
    LaunchWorld,
    SharedLive,
    build_world,
    pupil_ids,
    record,
    seed_city,
    shared_root,
    xdist_worker,
)
from mocks import DEFAULT_PORT_BASE, MOCKS, default_port

PROFILE_KEY = pytest.StashKey[str]()
RUNS_KEY = pytest.StashKey[dict]()
CITY_KEY = pytest.StashKey[Any]()
SCALES = tuple(BUILTIN)
AS_OF = dt.date(2025, 5, 1)


def _profile(value: str) -> str:
    if value not in profile_ids():
        raise pytest.UsageError(
            f"--renkei-profile: unknown profile {value!r}; choose one of {', '.join(profile_ids())}"
        )
    return value


def _scale(value: str) -> str:
    if value not in SCALES:
        raise pytest.UsageError(
            f"--renkei-scale: unknown scale {value!r}; choose one of {', '.join(SCALES)}")
    return value


def _seed(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise pytest.UsageError(f"--renkei-seed: not a whole number: {value!r}") from None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("renkei", "renkei conformance checks and scenarios")
    group.addoption("--renkei-profile", dest="renkei_profile", default=None, metavar="PROFILE",
                    help="OneRoster profile the check_oneroster fixture uses "
                    f"(default: ini renkei_profile or {default_profile_id()})")
    group.addoption("--renkei-scale", dest="renkei_scale", default=None, metavar="SCALE",
                    help=f"size of the synthetic city: {', '.join(SCALES[:-1])} or {SCALES[-1]} "
                    "(default: ini renkei_scale or small)")
    group.addoption("--renkei-seed", dest="renkei_seed", default=None, metavar="N",
                    help="seed of the synthetic city (default: ini renkei_seed or 1)")
    group.addoption("--renkei-live", dest="renkei_live", action="store_true", default=False,
                    help="serve the vendor mocks as real HTTP servers on 127.0.0.1 "
                    "(default: in-process)")
    group.addoption("--renkei-tls", dest="renkei_tls", action="store_true", default=False,
                    help="with --renkei-live: serve https from a local CA (vendors.ca_file; "
                    "the pipeline fixture trusts it)")
    group.addoption("--renkei-port-base", dest="renkei_port_base", default="0", metavar="N",
                    help="with --renkei-live: c4th on N, lgate on N+1, … (your tool then knows "
                    f"lgate's URL, e.g. {DEFAULT_PORT_BASE} → "
                    f"http://127.0.0.1:{default_port('lgate', DEFAULT_PORT_BASE)}); "
                    "default 0: free ports")
    parser.addini("renkei_profile", "default OneRoster profile for check_oneroster",
                  default=default_profile_id())
    parser.addini("renkei_scale", "default size of the synthetic city", default="small")
    parser.addini("renkei_seed", "default seed of the synthetic city", default="1")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "scale: Tsukuba-scale runs (slow; own tox environment)")
    config.addinivalue_line("markers", "scenario(*names): run the test once per step of each "
                            "named renkei scenario (fixture scenario_step)")
    config.addinivalue_line("markers", "browser: real headless Chromium (own tox environment)")
    config.addinivalue_line("markers", "launch_all(*tools, grades=None): run the test once per "
                            "pupil of the city (fixture pupil_launch), launched into each tool")
    if xdist_worker(config) is None:  # the controller (or a plain run) sums the results up
        config.pluginmanager.register(LaunchTally(), "renkei-launch-tally")
    chosen = config.getoption("renkei_profile") or config.getini("renkei_profile")
    config.stash[PROFILE_KEY] = _profile(chosen)
    _scale(config.getoption("renkei_scale") or config.getini("renkei_scale"))
    _seed(config.getoption("renkei_seed") or config.getini("renkei_seed"))
    config.stash[RUNS_KEY] = {}


def pytest_unconfigure(config: pytest.Config) -> None:
    for run in config.stash.get(RUNS_KEY, {}).values():
        run.close()


@pytest.fixture(scope="session")
def renkei_profile(pytestconfig: pytest.Config) -> str:
    """The OneRoster profile chosen for this run."""
    return pytestconfig.stash[PROFILE_KEY]


@pytest.fixture
def check_oneroster(renkei_profile: str):
    """Check a bundle path against the run's profile and return the CheckResult."""

    def check(path, **kwargs) -> CheckResult:
        kwargs.setdefault("profile", renkei_profile)
        return check_bundle(path, **kwargs)

    return check


# --- the synthetic city and the vendor systems -------------------------------------------

@pytest.fixture(scope="session")
def renkei_scale(pytestconfig: pytest.Config) -> str:
    """The city's size for this run (``--renkei-scale``)."""
    return _scale(pytestconfig.getoption("renkei_scale") or pytestconfig.getini("renkei_scale"))


@pytest.fixture(scope="session")
def renkei_seed(pytestconfig: pytest.Config) -> int:
    """The city's seed for this run (``--renkei-seed``)."""
    return _seed(pytestconfig.getoption("renkei_seed") or pytestconfig.getini("renkei_seed"))


@pytest.fixture(scope="session")
def city(renkei_scale: str, renkei_seed: int):
    """The synthetic municipality (``fixtures.City``) the ``vendors`` fixture seeds c4th with.

    Session-scoped and read-only by convention: drive life events through c4th
    (``vendors.event("transfer")``), not on this object.
    """
    from fixtures import generate_city, load_profile

    return generate_city(load_profile(renkei_scale), renkei_seed, as_of=AS_OF)


@pytest.fixture(scope="session")
def renkei_vendor_config() -> dict:
    """Per-mock configuration for the ``vendors`` fixture and the session's launch world;
    override it in your conftest (session scope, as the launch world is), e.g. to have lgate
    launch YOUR tool::

        @pytest.fixture(scope="session")
        def renkei_vendor_config():
            return {"lgate": {"TOOLS": {"our_tool": {
                "client_id": "our-tool", "login_url": "http://127.0.0.1:9000/login",
                "redirect_uris": ["http://127.0.0.1:9000/launch"],
                "jwks_url": "http://127.0.0.1:9000/jwks", "deployment_ids": ["renkei-1"],
                "acceptance": {"status": 200, "marker": "LAUNCH-OK"}}}}}
    """
    return {}


def misconfiguration(config: dict, *, live: bool, port_base: int) -> str:
    """Why the vendor systems cannot launch a vendor's own tool as configured, or "".

    A tool registered in lgate's ``TOOLS`` (not one of renkei's mocks) lives outside this
    process: it must reach lgate over HTTP (``--renkei-live``), and it knows lgate only by the
    issuer it registered, lgate's base URL, which a free port would change each run
    (``--renkei-port-base``). Without either, every launch fails on the tool's side with an
    error page that does not say why (issue 21).
    """
    tools = (config.get("lgate") or {}).get("TOOLS") or {}
    external = [str(name) for name in tools if name not in MOCKS]
    if not external:
        return ""
    named = ", ".join(external)
    if not live:
        return (f"renkei: your tool {named} (lgate's TOOLS) is outside this process, so the "
                "mocks must be real servers: add --renkei-live --renkei-port-base N (N: the "
                "port base your tool registered lgate's issuer for; "
                "`renkei mock platform-settings --port-base N` prints it)")
    if not port_base:
        return (f"renkei: your tool {named} knows lgate by the issuer it registered, and "
                "without a fixed port base lgate's URL changes every run: add "
                "--renkei-port-base N (lgate is then http://127.0.0.1:N+1; "
                "`renkei mock platform-settings --port-base N` prints what to register)")
    return ""


def _how_to_serve(pytestconfig: pytest.Config, config: dict) -> tuple[bool, int]:
    """(live, port base) from the options; fails the test's setup when a vendor's own tool
    cannot be launched that way (:func:`misconfiguration`)."""
    live = bool(pytestconfig.getoption("renkei_live"))
    port_base = _seed(pytestconfig.getoption("renkei_port_base"))
    problem = misconfiguration(config, live=live, port_base=port_base)
    if problem:
        pytest.fail(problem, pytrace=False)
    return live, port_base


def serve_failure(message: str) -> str:
    """A live start that failed, with the pytest option to change (not ``mock up``'s)."""
    cause = message.split("; stop what uses it", 1)[0]
    if cause != message:
        return (f"renkei: cannot serve the live mocks: {cause}. Stop what uses it or run with "
                "another --renkei-port-base (and register lgate's issuer for that base in "
                "your tool)")
    return f"renkei: cannot serve the live mocks: {message}"


@pytest.fixture
def vendors(pytestconfig: pytest.Config, renkei_scale: str, renkei_seed: int,
            renkei_vendor_config: dict):
    """The six vendor mocks with the city seeded in c4th (quirks off), in-process or, with
    ``--renkei-live``, as real servers on 127.0.0.1. Its own state folder per test; per-mock
    configuration from ``renkei_vendor_config``."""
    import shutil
    import tempfile

    from scenarios.runner import fast_tmp
    from scenarios.vendors import VendorError, Vendors

    config = renkei_vendor_config or {}
    live, port_base = _how_to_serve(pytestconfig, config)
    worker = xdist_worker(pytestconfig)
    if live and port_base and worker is not None and worker[1] > 1:
        pytest.fail("renkei: the vendors fixture starts its own servers for each test, so "
                    "xdist workers would all bind the ports of --renkei-port-base: under -n, "
                    "launch with @pytest.mark.launch_all and the pupil_launch fixture (one "
                    "world for every worker), or run this test without -n", pytrace=False)
    # RAM-backed when there is one: the mocks commit every request to SQLite.
    state = tempfile.mkdtemp(prefix="renkei-vendors-", dir=fast_tmp())
    try:
        v = (Vendors.serve(state, config=config, port_base=port_base,
                           tls=bool(pytestconfig.getoption("renkei_tls"))) if live
             else Vendors.in_process(state, config=config))
    except VendorError as exc:
        shutil.rmtree(state, ignore_errors=True)
        pytest.fail(serve_failure(str(exc)), pytrace=False)
    try:
        seed_city(v, renkei_scale, renkei_seed, AS_OF.isoformat())
        yield v
    finally:
        v.close()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture
def pipeline(vendors, tmp_path_factory: pytest.TempPathFactory):
    """The real pipeline configured against ``vendors`` with the board's password file for
    every pupil; call ``pipeline.run()`` (a :class:`scenarios.pipeline_driver.RunOutcome`)."""
    from scenarios.pipeline_driver import PipelineDriver

    driver = PipelineDriver(vendors, tmp_path_factory.mktemp("renkei-pipeline"))
    driver.fetch_passwords(only_new=True)
    return driver


@pytest.fixture
def launch(vendors):
    """``launch(umi, tool)``: lgate launches the pupil into the tool through the whole LTI
    1.3 flow; returns a :class:`scenarios.launches.LaunchOutcome` (``.ok``, ``.reason``)."""
    from scenarios.launches import launch_one

    return lambda umi, tool: launch_one(vendors, umi, tool)


# --- one test case per pupil (issue 21) --------------------------------------------------

@pytest.fixture(scope="session")
def renkei_launch_world(pytestconfig: pytest.Config, renkei_scale: str, renkei_seed: int,
                        renkei_vendor_config: dict):
    """The session's :class:`harness.pytest_world.LaunchWorld`: the six systems with the city
    run through the pipeline once; ``.launch(umi, tool)``, ``.held``. Live under xdist, one
    world for every worker (one issuer for your tool to register)."""
    config = renkei_vendor_config or {}
    live, port_base = _how_to_serve(pytestconfig, config)

    from scenarios.vendors import VendorError

    def build() -> LaunchWorld:
        try:
            return build_world(config, live=live, port_base=port_base, scale=renkei_scale,
                               seed=renkei_seed, as_of=AS_OF.isoformat())
        except VendorError as exc:
            pytest.fail(serve_failure(str(exc)), pytrace=False)

    worker = xdist_worker(pytestconfig)
    if live and worker is not None:
        world = SharedLive(shared_root(pytestconfig), *worker).get(build, config)
    else:
        world = build()
    try:
        yield world
    finally:
        world.close()


def _launch_all_params(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("launch_all")
    if marker is None or not marker.args:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: pupil_launch needs "
                                "@pytest.mark.launch_all(\"your_tool\", ...)")
    grades = marker.kwargs.get("grades")
    city = _collection_city(metafunc.config)
    pupils = [s for s in city.students.values()
              if not grades or s.grade.startswith(tuple(grades))]
    pairs = pupil_ids(marker.args, pupils)
    metafunc.parametrize("pupil_launch", [p for p, _ in pairs], indirect=True,
                         ids=[i for _, i in pairs])


def _collection_city(config: pytest.Config) -> Any:
    """The city at collection time (the same one the ``city`` fixture makes), once."""
    if CITY_KEY not in config.stash:
        from fixtures import generate_city, load_profile

        scale = _scale(config.getoption("renkei_scale") or config.getini("renkei_scale"))
        seed = _seed(config.getoption("renkei_seed") or config.getini("renkei_seed"))
        config.stash[CITY_KEY] = generate_city(load_profile(scale), seed, as_of=AS_OF)
    return config.stash[CITY_KEY]


@pytest.fixture
def pupil_launch(request: pytest.FixtureRequest, renkei_launch_world: LaunchWorld):
    """This test's pupil launched into its tool (``@pytest.mark.launch_all("tool")`` makes one
    test case per pupil): a :class:`scenarios.launches.LaunchOutcome`. A pupil the pipeline
    held is skipped with the reason. The result goes to the test's properties (JUnit) and to
    the session's summary."""
    tool, umi = request.param
    held = renkei_launch_world.held.get(umi)
    if held is not None:
        record(request.node, umi, None, held=held)
        pytest.skip(f"held by the pipeline: {held}")
    outcome = renkei_launch_world.launch(umi, tool)
    record(request.node, umi, outcome)
    return outcome


def pytest_sessionfinish(session: pytest.Session) -> None:
    # a live xdist worker that never used the shared world still says it is done, or the
    # worker serving it would wait for it
    config = session.config
    worker = xdist_worker(config)
    if worker is not None and config.getoption("renkei_live"):
        SharedLive(shared_root(config), *worker).done()


# --- scenario steps as test cases --------------------------------------------------------

class _ScenarioRun:
    """One scenario running in this process, step by step, as its tests ask for the steps."""

    def __init__(self, name: str, scale: str, seed: int, live: bool,
                 tls: bool = False) -> None:
        import tempfile

        from scenarios import SCENARIOS
        from scenarios.runner import fast_tmp, make_context

        self.scenario = SCENARIOS[name]
        # A folder of its own (RAM-backed when there is one: the mocks commit every request).
        self.workdir = tempfile.mkdtemp(prefix=f"renkei-{name}-", dir=fast_tmp())
        self.ctx = make_context(self.scenario, workdir=self.workdir, scale=scale, seed=seed,
                                live=live, workers=1, tls=tls)
        self.results: dict[str, Any] = {}
        self.stopped = False

    def result(self, step_id: str) -> Any:
        from scenarios.runner import run_step

        for step in self.scenario.steps:
            if step.id in self.results:
                if step.id == step_id:
                    return self.results[step_id]
                continue
            if self.stopped:
                pytest.skip(f"an earlier step of {self.scenario.name} could not run")
            self.results[step.id] = res = run_step(self.ctx, step)
            self.stopped = bool(res.facts.get("stopped"))
            if step.id == step_id:
                return res
        raise KeyError(step_id)

    def close(self) -> None:
        import shutil

        self.ctx.vendors.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "pupil_launch" in metafunc.fixturenames:
        _launch_all_params(metafunc)
    if "scenario_step" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("scenario")
    from scenarios import SCENARIOS

    names = list(marker.args) if marker and marker.args else list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise pytest.UsageError(f"@pytest.mark.scenario: unknown scenario(s) "
                                f"{', '.join(unknown)}; known: {', '.join(SCENARIOS)}")
    params = [(n, s.id) for n in names for s in SCENARIOS[n].steps]
    metafunc.parametrize("scenario_step", params, indirect=True,
                         ids=[f"{n}/{s}" for n, s in params])


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Keep a scenario's steps on one xdist worker (--dist loadgroup); any other distribution
    # is still correct, as each worker runs the steps it lacks itself.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "scenario_step" in callspec.params:
            item.add_marker(pytest.mark.xdist_group(callspec.params["scenario_step"][0]))


@pytest.fixture
def scenario_step(request: pytest.FixtureRequest, renkei_scale: str, renkei_seed: int):
    """The :class:`scenarios.model.StepResult` of this test's scenario step (earlier steps run
    first, once per process)."""
    name, step_id = request.param
    live = bool(request.config.getoption("renkei_live"))
    runs = request.config.stash[RUNS_KEY]
    key = (name, renkei_scale, renkei_seed, live)
    if key not in runs:
        runs[key] = _ScenarioRun(name, renkei_scale, renkei_seed, live,
                                 tls=bool(request.config.getoption("renkei_tls")))
    result = runs[key].result(step_id)
    for f in result.findings:
        if f.severity.name != "INFO":
            request.node.user_properties.append((f.rule, f"{f.location()} {f.message_en}"))
    return result
