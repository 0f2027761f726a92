"""The OneRoster delta to the drill app (DESIGN.md rule 13), checked before it is sent.

From what the drill app was last confirmed to hold and the new roster:

- a person new or changed → ``active`` rows (user, role, homeroom enrollment);
- a person delivered before and now absent from the export (転出, 卒業) → disabled at once:
  ``active`` with ``enabledUser=false`` (the drill app keeps the account, refuses launches);
- an absent person the grace policy disabled → ``tobedeleted``.

The frame (年度, district, schools, courses, classes) rides along as ``active`` rows so every
reference resolves; it is sent alone when only it changed. ``dateLastModified`` is the plan's
time, so a resumed plan sends identical rows and the drill app leaves them unchanged. Sourced
ids are the drill app's own where the initial link (名寄せ) adopted them.
"""

from __future__ import annotations

from dataclasses import replace

from harness.core.gcpause import lasting_pass
from pipeline.apply.bundles import DeltaUser, build_delta, frame, person_rows
from pipeline.apply.context import Context, TargetResult, digest
from pipeline.apply.journal import Confirmation
from pipeline.model import PersonRecord, Roster

TARGET = "drill"
STEPS = ("delta",)


def _as_drill(person: PersonRecord, ids: dict[str, str]) -> PersonRecord:
    own = ids.get(person.umi)
    return replace(person, sourced_id=own) if own and own != person.sourced_id else person


def frame_digest(roster: Roster, ctx: Context) -> str:
    bundle, _ = frame(roster, ctx.targets.source)
    return digest({name: rows for name, rows in bundle.tables.items()})


@lasting_pass()  # the journal's whole record of the drill app, read in one pass
def changes(ctx: Context) -> list[DeltaUser]:
    """The users the delta must carry (see the module docstring)."""
    roster = ctx.plan.roster
    ids = ctx.plan.target_ids.get(TARGET, {})
    delivered = ctx.journal.delivered(TARGET)
    out: list[DeltaUser] = []
    for person in roster.people.values():
        p = _as_drill(person, ids)
        known = delivered.get(p.umi)
        if known is None or known.state != "active" or known.digest != digest(
                person_rows(p, roster, {})):
            out.append(DeltaUser("active", p))
    for person in roster.absent.values():
        known = delivered.get(person.umi)
        if known is None:
            continue  # never in the drill app: nothing to disable
        p = _as_drill(person, ids)
        if person.enabled and known.state == "active":
            out.append(DeltaUser("left", p))
        elif not person.enabled and known.state != "deleted":
            out.append(DeltaUser("tobedeleted", p))
    return out


def deliver(ctx: Context) -> TargetResult:
    """Build, check and send the delta; raises TargetError (or BundleRejected) on failure."""
    client = ctx.targets.drill
    assert client is not None
    result = TargetResult(TARGET, "unchanged")
    if ctx.step_done(TARGET, "delta"):
        return result
    plan, journal = ctx.plan, ctx.journal
    users = changes(ctx)
    frame = frame_digest(plan.roster, ctx)
    ctx.tick(TARGET, 0, max(1, len(users)))
    if users or journal.meta(TARGET, "frame") != frame:
        built = build_delta(plan.roster, users, ctx.targets.source, day=ctx.day,
                            stamp=ctx.stamp)
        answer = client.upload_delta(built.content, built.filename)
        result.status = "done"
        for state in ("active", "left", "tobedeleted"):
            n = sum(1 for u in users if u.state == state)
            if n:
                result.counts[{"active": "upserted", "left": "disabled",
                               "tobedeleted": "deleted"}[state]] = n
        applied = answer.get("applied")
        if isinstance(applied, dict) and isinstance(applied.get("users"), dict):
            for key, n in applied["users"].items():
                if isinstance(n, int):
                    result.counts[f"app_{key}"] = n
        confirmed: list[Confirmation] = []
        for u in users:
            state = {"active": "active", "left": "left", "tobedeleted": "deleted"}[u.state]
            d = digest(person_rows(u.record, plan.roster, {})) if state == "active" else state
            confirmed.append((u.record.umi, state, d, {}, u.record.sourced_id))
        journal.confirm(TARGET, confirmed)
        journal.set_meta(TARGET, "frame", frame)
    ctx.tick(TARGET, max(1, len(users)), max(1, len(users)))
    journal.set_step(plan.id, TARGET, "delta", "done")
    return result
