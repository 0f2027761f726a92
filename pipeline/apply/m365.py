"""Microsoft 365 accounts over Graph (DESIGN.md rule 12), item by item, journaled.

Per person whose account view changed since it was last confirmed (or who is new to this
tenant), in chunks of 20 (Graph's ``$batch`` limit):

1. look the account up by userPrincipalName (one ``$batch`` of GETs);
2. absent → create it with the board's initial password and
   ``passwordProfile.forceChangePasswordNextSignIn = true``; present → adopt it and PATCH only
   the fields that differ (never the password); a grace-policy disable → ``accountEnabled``
   false. Creates and patches go in one ``$batch``;
3. a create answered "already exists" (someone made it since the lookup) is adopted: looked up
   again and patched — never a second account for one person;
4. the chunk's outcome is journaled in one transaction (items done, delivered state).

Fields: ``department`` = the school's name (学校名); ``jobTitle`` = the grade code and the
homeroom title as delivered (e.g. ``J1 7年1組``), so a move between schools or classes shows in
the address book; ``displayName`` = the gaiji-free family and given name.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pipeline.apply.context import Context, TargetResult, digest
from pipeline.apply.journal import Confirmation
from pipeline.clients.graph import BATCH_LIMIT, BatchItem, BatchResult, is_duplicate
from pipeline.http import TargetError
from pipeline.model import PersonRecord, Roster

TARGET = "m365"
STEPS = ("users",)
#: Fields adopted accounts are brought in line with (never userPrincipalName or the password).
PATCHABLE = ("displayName", "accountEnabled", "department", "jobTitle", "usageLocation")
SELECT = "id,userPrincipalName,displayName,accountEnabled,department,jobTitle,usageLocation"


def view(person: PersonRecord, roster: Roster, usage_location: str = "JP") -> dict[str, Any]:
    """The Graph user fields the pipeline owns for ``person``."""
    school = roster.schools.get(person.school_code)
    cls = roster.classes.get(person.class_key)
    return {
        "userPrincipalName": person.upn,
        "displayName": f"{person.family_name} {person.given_name}",
        "mailNickname": person.upn.split("@", 1)[0],
        "accountEnabled": person.enabled,
        "department": school.name if school else "",
        "jobTitle": f"{person.grade} {cls.title}" if cls else person.grade,
        "usageLocation": usage_location,
    }


def _work(ctx: Context) -> list[tuple[str, str]]:
    """(umi, op) for every account to create/update (``upsert``) or to ``disable``."""
    roster, usage = ctx.plan.roster, ctx.targets.usage_location
    delivered = ctx.journal.delivered(TARGET)
    work = []
    for person in roster.people.values():
        known = delivered.get(person.umi)
        if known is None or known.digest != digest(view(person, roster, usage)):
            work.append((person.umi, "upsert"))
    for person in roster.absent.values():
        known = delivered.get(person.umi)
        if not person.enabled and known is not None and known.state != "disabled":
            work.append((person.umi, "disable"))
    return work


def deliver(ctx: Context) -> TargetResult:
    """Bring every changed account in line; raises TargetError when items fail."""
    result = TargetResult(TARGET, "unchanged")
    if ctx.step_done(TARGET, "users"):
        return result
    plan, journal = ctx.plan, ctx.journal
    journal.add_items(plan.id, TARGET, _work(ctx))
    pending = journal.pending_items(plan.id, TARGET)
    total = len(pending)
    failures = 0
    for start in range(0, total, BATCH_LIMIT):
        ctx.tick(TARGET, start, total)
        failures += _chunk(ctx, pending[start:start + BATCH_LIMIT], result)
    ctx.tick(TARGET, total, total)
    if total:
        result.status = "done"
    if failures:
        raise TargetError(TARGET, f"{failures} of {total} accounts failed; the rest are "
                          "journaled and the next run retries only the failed ones")
    journal.set_step(plan.id, TARGET, "users", "done")
    return result


def _record(ctx: Context, umi: str) -> PersonRecord:
    roster = ctx.plan.roster
    return roster.people.get(umi) or roster.absent[umi]


def _chunk(ctx: Context, items: list[tuple[str, str]], result: TargetResult) -> int:
    client = ctx.targets.m365
    assert client is not None
    roster, usage = ctx.plan.roster, ctx.targets.usage_location
    people = {umi: _record(ctx, umi) for umi, _ in items}
    looked = client.batch([BatchItem(str(i), "GET", f"/users/{quote(people[umi].upn, safe='@')}"
                                     f"?$select={SELECT}") for i, (umi, _) in enumerate(items)])
    writes: list[BatchItem] = []
    outcome: dict[str, tuple[str, str, str | None]] = {}  # umi → (status, detail, remote id)
    for i, (umi, op) in enumerate(items):
        person, res = people[umi], looked[str(i)]
        remote = res.body if res.status == 200 and isinstance(res.body, dict) else None
        if res.status not in (200, 404):
            outcome[umi] = ("failed", f"lookup HTTP {res.status} {res.error_code}".strip(), None)
            continue
        want = view(person, roster, usage)
        if op == "disable":
            want["accountEnabled"] = False
        if remote is None:
            if op == "disable":
                outcome[umi] = ("done", "not in the tenant", None)
                continue
            entry = ctx.targets.passwords().get(umi)
            if entry is None:
                outcome[umi] = ("skipped", "no initial password in the board's file", None)
                continue
            body = {**want, "passwordProfile": {"password": entry.initial_password,
                                                "forceChangePasswordNextSignIn": True}}
            writes.append(BatchItem(str(i), "POST", "/users", body))
            outcome[umi] = ("done", "created", None)
            continue
        changes = {k: want[k] for k in PATCHABLE if remote.get(k) != want[k]}
        rid = str(remote.get("id"))
        outcome[umi] = ("done", "adopted" if not changes else
                        ("disabled" if op == "disable" else "updated"), rid)
        if changes:
            writes.append(BatchItem(str(i), "PATCH", f"/users/{quote(rid, safe='@')}", changes))
    answers = client.batch(writes) if writes else {}
    for i, (umi, _) in enumerate(items):
        answer = answers.get(str(i))
        if answer is None:
            continue
        outcome[umi] = _written(ctx, people[umi], answer, outcome[umi],
                                view(people[umi], roster, usage))
    return _journal(ctx, items, outcome, result)


def _written(ctx: Context, person: PersonRecord, res: BatchResult,
             before: tuple[str, str, str | None], want: dict[str, Any]
             ) -> tuple[str, str, str | None]:
    status, detail, rid = before
    if res.ok:
        if isinstance(res.body, dict) and res.body.get("id"):
            rid = str(res.body["id"])
        return status, detail, rid
    if detail == "created" and is_duplicate(res.status, res.body):
        client = ctx.targets.m365
        assert client is not None
        try:  # adopt the account someone created since the lookup; never make a second one
            remote = client.find_user(person.upn)
            if remote is None:
                return "failed", "duplicate reported but not found", None
            changes = {k: want[k] for k in PATCHABLE if remote.get(k) != want[k]}
            if changes:
                client.update_user(str(remote["id"]), changes)
            return "done", "adopted after duplicate", str(remote["id"])
        except TargetError as exc:
            return "failed", exc.message, None
    return "failed", f"{detail}: HTTP {res.status} {res.error_code}".strip(), rid


def _journal(ctx: Context, items: list[tuple[str, str]],
             outcome: dict[str, tuple[str, str, str | None]], result: TargetResult) -> int:
    roster, usage = ctx.plan.roster, ctx.targets.usage_location
    confirmed: list[Confirmation] = []
    marks: list[tuple[str, str, str]] = []
    failures = 0
    for umi, op in items:
        status, detail, rid = outcome[umi]
        marks.append((umi, status, detail))
        if status == "done":
            person = _record(ctx, umi)
            state = "disabled" if op == "disable" else "active"
            confirmed.append((umi, state, digest(view(person, roster, usage)), {}, rid))
            key = detail.split(" ", 1)[0]
            result.counts[key] = result.counts.get(key, 0) + 1
        else:
            result.problems.append({"subject": umi, "reason": detail})
            failures += status == "failed"
    ctx.journal.confirm(TARGET, confirmed, plan_id=ctx.plan.id, items=marks)
    return failures
