"""The small step functions scenarios are made of, and the expectations they check.

An action takes the run's :class:`Context`, the step's findings and the step's ``args``; it
changes the world (a life event in c4th, a pipeline run, a fault) and returns facts for the
report. An expectation checks one named outcome after the action (``exit``, ``unchanged``,
``same_accounts`` …) and adds ``SC`` findings when it does not hold.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.accounts.passwords import PasswordEntry, read_password_file, render_password_file
from harness.oneroster.ids import stable_uuid4
from scenarios.expected import CityExpectation, expect_city
from scenarios.launches import launch_one
from scenarios.model import Scenario, StepFindings
from scenarios.observe import Observed, enabled, pick
from scenarios.pipeline_driver import PipelineDriver, RunOutcome
from scenarios.vendors import Vendors


@dataclass
class Context:
    """Everything one scenario run carries from step to step."""

    scenario: Scenario
    vendors: Vendors
    driver: PipelineDriver
    scale: str = "small"
    seed: int = 1
    workers: int = 1
    as_of: str = "2025-05-01"
    now: dt.datetime | None = None
    last_run: RunOutcome | None = None
    no_password: set[str] = field(default_factory=set)
    conflicted: set[str] = field(default_factory=set)
    affected: set[str] = field(default_factory=set)
    delivered: set[str] = field(default_factory=set)
    expect_refusal: dict[str, str] = field(default_factory=dict)
    memory: dict[str, Any] = field(default_factory=dict)
    launch_all: bool = False

    def expectation(self) -> CityExpectation:
        return expect_city(self.vendors.city_stream(),
                           display_grades=bool(self.driver.options["display_grades"]),
                           no_password=self.no_password, conflicted=self.conflicted)


Action = Callable[..., dict[str, Any]]
ACTIONS: dict[str, Action] = {}
EXPECTATIONS: dict[str, Callable[..., None]] = {}


def action(name: str) -> Callable[[Action], Action]:
    def register(fn: Action) -> Action:
        ACTIONS[name] = fn
        return fn
    return register


def expectation(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def register(fn: Callable[..., None]) -> Callable[..., None]:
        EXPECTATIONS[name] = fn
        return fn
    return register


def umis_in(result: Any) -> set[str]:
    """Every ``umi``/``student`` value in an event result (a pupil, a list, a record)."""
    found: set[str] = set()
    if isinstance(result, Mapping):
        for key in ("umi", "student"):
            if isinstance(result.get(key), str):
                found.add(result[key])
        for value in result.values():
            if isinstance(value, list | dict):
                found |= umis_in(value)
    elif isinstance(result, list):
        for item in result:
            found |= umis_in(item)
    return found


# --- actions ------------------------------------------------------------------------------

@action("seed_city")
def seed_city(ctx: Context, out: StepFindings, *, quirks: str | None = None) -> dict[str, Any]:
    """Build the city in c4th and empty every other system."""
    for name in ("lgate", "m365", "interactive_study", "tsubasa_book", "mirai_school"):
        ctx.vendors.reset(name)
    body = ctx.vendors.seed("c4th", {"profile": ctx.scale, "seed": ctx.seed, "as_of": ctx.as_of,
                                     "quirks": quirks or ctx.scenario.quirks})
    city = ctx.vendors.state("c4th")["city"]  # its counts: the city itself can be large
    return {"students": city["students"], "schools": city["schools"],
            "seeded": body if isinstance(body, dict) else {}}


@action("passwords")
def passwords(ctx: Context, out: StepFindings, *, only_new: bool = True,
              leave_out: int = 0, grade: str | None = None) -> dict[str, Any]:
    """The board hands over its ID・初期パスワード file (optionally missing some pupils)."""
    data = ctx.vendors.password_file(only_new=only_new)
    umis = sorted(read_password_file(data).entries)
    if grade:
        city = {s["umi"]: s for s in ctx.vendors.city()["students"]}
        candidates = [u for u in umis if city.get(u, {}).get("grade") == grade]
    else:
        candidates = umis
    skipped = candidates[:leave_out]
    ctx.no_password |= set(skipped)
    kept = ctx.driver.add_password_file(data, leave_out=skipped)
    return {"entries": len(kept), "left_out": len(skipped)}


@action("conflicting_passwords")
def conflicting_passwords(ctx: Context, out: StepFindings, *, kind: str, memory: str,
                          remember: str = "conflicted") -> dict[str, Any]:
    """The board hands over files that disagree about the remembered (new) pupils.

    ``giga-twice``: a second file gives the first remembered pupil's GIGA id to the second
    (a GIGA id given to two pupils, across the files of the glob). ``both-records``: the
    remembered pupil moved before any run, so two new export records (current and the stale
    one C4th keeps) share a GIGA id nobody owned; the file pairs it with the pupil, a second
    file with the stale record's userMasterIdentifier.
    """
    entries = read_password_file(ctx.vendors.password_file(only_new=False)).entries
    umis = ctx.memory[memory]
    if kind == "giga-twice":
        a, b = (entries[u] for u in umis[:2])
        ctx.driver.add_password_file(render_password_file([a, b]))
        ctx.driver.add_password_file(render_password_file([PasswordEntry(
            b.user_master_identifier, a.user_principal_name, a.initial_password)]))
        named = [a.user_master_identifier, b.user_master_identifier]
        upns = [a.user_principal_name, b.user_principal_name]
    elif kind == "both-records":
        pupil = {s["umi"]: s for s in ctx.vendors.city()["students"]}[umis[0]]
        stale = pupil["stale"][0]["umi"]
        mine = entries[pupil["umi"]]
        ctx.driver.add_password_file(render_password_file([mine]))
        ctx.driver.add_password_file(render_password_file(
            [PasswordEntry(stale, mine.user_principal_name, mine.initial_password)]))
        named, upns = [pupil["umi"], stale], [mine.user_principal_name]
    else:
        raise ValueError(f"unknown conflict kind {kind!r}; known: giga-twice, both-records")
    ctx.conflicted |= set(named)
    ctx.memory[remember] = sorted(set(ctx.memory.get(remember, [])) | set(named))
    ctx.memory[f"{remember}:upns"] = sorted(set(ctx.memory.get(f"{remember}:upns", []))
                                            | {u.lower() for u in upns})
    return {"kind": kind, "pupils": len(named)}


@action("event")
def event(ctx: Context, out: StepFindings, *, name: str, count: int = 1,
          remember: str | None = None, student_from: str | None = None,
          **args: Any) -> dict[str, Any]:
    """A life event in c4th (enrol, transfer_in, transfer, transfer_out, graduate,
    advance_year), ``count`` times; the pupils it touches become the affected ones.

    :param student_from: take the pupil from a remembered list (``pick``) instead of drawing.
    """
    if student_from:
        args["student"] = ctx.memory[student_from][0]
    touched: set[str] = set()
    results = []
    for _ in range(count):
        result = ctx.vendors.event(name, **args)
        results.append(result)
        touched |= umis_in(result)
    ctx.affected |= touched
    if remember:
        ctx.memory[remember] = sorted(touched)
    return {"event": name, "count": count, "affected": len(touched)}


@action("pick")
def pick_students(ctx: Context, out: StepFindings, *, grade: str | None = None, count: int = 1,
                  remember: str = "picked") -> dict[str, Any]:
    """Remember some current pupils (and their account ids in every system) for later checks."""
    city = ctx.vendors.city()
    chosen = [s for s in city["students"] if grade is None or s["grade"] == grade]
    chosen = sorted(chosen, key=lambda s: s["id"])[:count]
    ctx.memory[remember] = [s["umi"] for s in chosen]
    ctx.memory[f"{remember}:accounts"] = account_ids(ctx, [s["umi"] for s in chosen])
    return {"picked": len(chosen)}


@action("run")
def run(ctx: Context, out: StepFindings, *, dry_run: bool = False, snapshot: bool = False,
        **options: Any) -> dict[str, Any]:
    """The nightly pipeline run (collect, validate, preprocess, reconcile, deliver)."""
    for key, value in options.items():
        ctx.driver.set_option(key, value)
    if snapshot:
        ctx.memory["fingerprint"] = Observed.read(ctx.vendors).fingerprint()
    result = ctx.driver.run(dry_run=dry_run, now=ctx.now)
    ctx.last_run = result
    if result.exit_code < 0:
        out.add("SC101", system="pipeline", record="run", step=out.step, reason=result.error)
    return {"exit_code": result.exit_code, "decisions": result.counts(),
            "seconds": round(result.seconds, 2)}


@action("fault")
def fault(ctx: Context, out: StepFindings, *, system: str, clear: bool = False,
          **spec: Any) -> dict[str, Any]:
    """Make a system misbehave (or behave again): the mocks' fault injection."""
    if clear:
        ctx.vendors.clear_faults(system)
        return {"cleared": system}
    ctx.vendors.add_faults(system, [dict(spec)])
    return {"fault": system, "kind": spec.get("kind")}


@action("clock")
def clock(ctx: Context, out: StepFindings, *, days: int) -> dict[str, Any]:
    """Let time pass (for the grace policy)."""
    base = ctx.now or dt.datetime.now(dt.UTC)
    ctx.now = base + dt.timedelta(days=days)
    return {"now": ctx.now.isoformat(timespec="seconds")}


@action("reject_launches")
def reject_launches(ctx: Context, out: StepFindings, *, tool: str, reason: str
                    ) -> dict[str, Any]:
    """A tool starts refusing every launch with ``reason`` (its licence server is down …)."""
    ctx.vendors.reject_launches(tool, reason)
    ctx.expect_refusal[tool] = reason
    return {"tool": tool}


@action("preload_accounts")
def preload_accounts(ctx: Context, out: StepFindings, *, share: float = 1.0) -> dict[str, Any]:
    """Before the first run, lgate, Microsoft 365 and the drill app already hold accounts for
    the city's pupils (with their true GIGA ids), as in the pilot's 初回連携."""
    city = ctx.vendors.city()
    pupils = sorted(city["students"], key=lambda s: s["id"])
    pupils = pupils[: max(1, int(len(pupils) * share))]
    ctx.vendors.seed("lgate", {"users": [
        {"userMasterIdentifier": s["umi"], "username": s["upn"], "givenName": s["given_kanji"],
         "familyName": s["family_kanji"], "grades": [s["grade"]], "role": "student"}
        for s in pupils]})
    ctx.vendors.seed("interactive_study", {"users": [
        {"sourcedId": stable_uuid4("renkei-scenario-drill", s["umi"]), "username": s["upn"],
         "userMasterIdentifier": s["umi"], "givenName": s["given_kanji"],
         "familyName": s["family_kanji"], "grades": [s["grade"]], "enabledUser": True,
         "userIds": [f"{{Office365:{s['upn']}}}"]} for s in pupils]})
    # Existing accounts have passwords the harness never needs: random, never kept or logged.
    ctx.vendors.seed("m365", {"users": [
        {"userPrincipalName": s["upn"], "displayName": f"{s['family_kanji']} {s['given_kanji']}",
         "mailNickname": s["upn"].split("@")[0], "accountEnabled": True,
         "passwordProfile": {"password": secrets.token_urlsafe(12) + "aA1!",
                             "forceChangePasswordNextSignIn": True}} for s in pupils]})
    ctx.memory["preloaded"] = [s["umi"] for s in pupils]
    return {"preloaded": len(pupils)}


def account_ids(ctx: Context, umis: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """umi → (lgate sourcedIds…, m365 ids…, drill sourcedIds…) as they are now."""
    seen = Observed.read(ctx.vendors)
    city = {s["umi"]: s for s in ctx.vendors.city()["students"]}
    out: dict[str, tuple[str, ...]] = {}
    for umi in umis:
        upn = str(city.get(umi, {}).get("upn", "")).lower()
        out[umi] = (tuple(sorted(u.sourced_id for u in seen.lgate.get(umi, ())))
                    + tuple(sorted(str(a.get("id")) for a in seen.m365.get(upn, ())))
                    + tuple(sorted(str(pick(u, "sourcedId", default=""))
                                   for u in seen.drill.get(umi, ()))))
    return out


# --- expectations ---------------------------------------------------------------------------

@expectation("exit")
def expect_exit(ctx: Context, out: StepFindings, codes: Iterable[int]) -> None:
    """The run ended with one of ``codes`` (0 applied, 1 holds, 2 refused, 3 interrupted)."""
    codes = tuple(codes)
    got = ctx.last_run.exit_code if ctx.last_run else None
    if got not in codes:
        detail = f" ({ctx.last_run.error})" if ctx.last_run and ctx.last_run.error else ""
        out.add("SC102", system="pipeline", record="exit code",
                expected=" or ".join(map(str, codes)), found=f"{got}{detail}")


@expectation("unchanged")
def expect_unchanged(ctx: Context, out: StepFindings, systems: Iterable[str]) -> None:
    """No record changed in ``systems`` since the snapshot taken before the run."""
    before = ctx.memory.get("fingerprint")
    now = Observed.read(ctx.vendors).fingerprint()
    for system in systems:
        if before is None or before[system] != now[system]:
            out.add("SC104", system=system, record=system, what=f"{system} records",
                    subject=f"{len(now[system])} now vs "
                            f"{len(before[system]) if before else '?'} before")


@expectation("same_accounts")
def expect_same_accounts(ctx: Context, out: StepFindings, memory: str = "picked") -> None:
    """The remembered pupils still have exactly the account ids they had (no new accounts)."""
    before = ctx.memory.get(f"{memory}:accounts", {})
    now = account_ids(ctx, before)
    for umi, ids in before.items():
        if now.get(umi) != ids:
            out.add("SC104", system="all", record=umi, what="account ids", subject=umi)


@expectation("decisions")
def expect_decisions(ctx: Context, out: StepFindings, action: str, memory: str | None = None,
                     held: str | None = None, at_least: int = 0) -> None:
    """The plan holds an ``action`` decision for each remembered pupil (or each expected
    hold of kind ``held``), or at least ``at_least`` of them."""
    made = {d["subject"] for d in (ctx.last_run.by_action(action) if ctx.last_run else [])}
    subjects: list[str] = []
    if memory:
        subjects = list(ctx.memory.get(memory, []))
    if held:
        expect = ctx.expectation()
        subjects += [u for u, why in expect.held.items() if why == held]
    for subject in subjects:
        if subject not in made:
            out.add("SC103", system="pipeline", record=subject, expected=action,
                    subject=subject)
    if len(made) < at_least:
        out.add("SC103", system="pipeline", record=action,
                expected=f"{at_least}+ × {action}", subject=f"{len(made)} found")


@expectation("in_no_target")
def expect_in_no_target(ctx: Context, out: StepFindings, memory: str) -> None:
    """The remembered pupils are held by the run and in no target: not in lgate or the drill
    app by userMasterIdentifier, no Microsoft 365 account under their GIGA ids."""
    seen = Observed.read(ctx.vendors)
    held = ctx.last_run.held if ctx.last_run else {}
    for umi in ctx.memory.get(memory, []):
        if umi not in held:
            out.add("SC103", system="pipeline", record=umi, expected="hold", subject=umi)
        for system, found in (("lgate", seen.lgate.get(umi)), ("drill", seen.drill.get(umi))):
            if found:
                out.add("IV107", system=system, record=umi, name=umi,
                        reason="password conflict")
    for upn in ctx.memory.get(f"{memory}:upns", []):
        if seen.m365.get(upn):
            out.add("IV204", system="m365", record=upn, upn=upn)


@expectation("stale_dropped")
def expect_stale_dropped(ctx: Context, out: StepFindings) -> None:
    """Every stale duplicate c4th exported was dropped by the run and reported."""
    expect = ctx.expectation()
    made = {d["subject"] for d in (ctx.last_run.by_action("drop") if ctx.last_run else [])}
    fields = {v for d in (ctx.last_run.by_action("drop") if ctx.last_run else [])
              for v in d["fields"].values()}
    for umi in sorted(expect.stale):
        if umi not in made and umi not in fields:
            out.add("SC103", system="pipeline", record=umi, expected="drop (stale duplicate)",
                    subject=umi)


@expectation("leavers_disabled")
def expect_leavers_disabled(ctx: Context, out: StepFindings, memory: str,
                            removed: bool = False) -> None:
    """The remembered leavers are disabled in the drill app (or gone, when ``removed``)."""
    seen = Observed.read(ctx.vendors)
    for umi in ctx.memory.get(memory, []):
        users = seen.drill.get(umi, [])
        if removed and users:
            out.add("IV302", system="drill", record=umi, name=umi,
                    expected="removed (tobedeleted)", found=f"{len(users)} record(s)")
        elif not removed and users and any(enabled(u) for u in users):
            out.add("IV302", system="drill", record=umi, name=umi, expected="disabled",
                    found="enabled")


@expectation("launch_refused")
def expect_launch_refused(ctx: Context, out: StepFindings, memory: str, tool: str) -> None:
    """A launch of each remembered pupil into ``tool`` is refused (a leaver in the drill app)."""
    for umi in ctx.memory.get(memory, []):
        o = launch_one(ctx.vendors, umi, tool)
        if o.ok:
            out.add("IV501", system=tool, record=umi, tool=tool,
                    reason="a leaver's launch was accepted; it must be refused")


@expectation("wrong_giga_reported")
def expect_wrong_giga_reported(ctx: Context, out: StepFindings) -> None:
    """Every pupil whose GIGA id c4th holds mistyped is reported by the initial link (held or
    listed as a mismatch), never silently linked to someone else's account (pilot §3.5.1)."""
    wrong = [s["umi"] for s in ctx.vendors.city()["students"] if s.get("recorded_upn")]
    said = {d["subject"] for d in (ctx.last_run.decisions if ctx.last_run else [])
            if d["action"] in ("hold", "mismatch", "report")}
    for umi in wrong:
        if umi not in said:
            out.add("SC103", system="pipeline", record=umi,
                    expected="mismatch reported (wrong GIGA id)", subject=umi)
