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
4. with ``[targets.m365] student_sku``: every account that lacks the licence gets it
   (``assignLicense`` in one ``$batch``; the lookup's ``assignedLicenses`` says who has it, so
   a re-run never assigns twice). A refusal (no seats: PL601; SKU not in the tenant: PL602)
   leaves the item failed with the account's id: the report names the pupil and what is
   missing, and the next run (which finishes the plan first) assigns it;
5. the chunk's outcome is journaled in one transaction (items done, delivered state, the latter
   appended to the journal's log and folded in at the end of the step). The licence is part of
   what is confirmed: an account without its licence is never confirmed.

Fields: ``department`` = the school's name (学校名); ``jobTitle`` = the grade code and the
homeroom title as delivered (e.g. ``J1 7年1組``), so a move between schools or classes shows in
the address book; ``displayName`` = the gaiji-free family and given name; ``usageLocation``
= ``usage_location`` (JP; Graph requires it before a licence). ``employeeId`` stays empty
unless ``[targets.m365] employee_id = "userMasterIdentifier"``: the address book shows it to
every user of the tenant, and a userMasterIdentifier is a personal key boards keep inside
their systems; Graph also caps employeeId at 16 characters, so a longer one is not sent.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from pipeline.apply.context import Context, TargetResult, digest
from pipeline.apply.journal import Confirmation
from pipeline.clients.graph import BATCH_LIMIT, BatchItem, BatchResult, is_duplicate
from pipeline.http import TargetError
from pipeline.model import PersonRecord, Roster
from pipeline.rules import REGISTRY

TARGET = "m365"
STEPS = ("users",)
#: Fields adopted accounts are brought in line with (never userPrincipalName or the password).
PATCHABLE = ("displayName", "accountEnabled", "department", "jobTitle", "usageLocation",
             "employeeId")
SELECT = ("id,userPrincipalName,displayName,accountEnabled,department,jobTitle,usageLocation,"
          "employeeId,assignedLicenses")
#: Graph's limit on employeeId
EMPLOYEE_ID_MAX = 16
#: Graph's messages for a licence it cannot assign → the PL rule that holds the pupil
LICENCE_REFUSALS = (("does not have any available licenses", "PL601"),
                    ("does not correspond to a valid company license", "PL602"))


def view(person: PersonRecord, roster: Roster, usage_location: str = "JP",
         employee_id: str | None = None) -> dict[str, Any]:
    """The Graph user fields the pipeline owns for ``person``."""
    school = roster.schools.get(person.school_code)
    cls = roster.classes.get(person.class_key)
    fields = {
        "userPrincipalName": person.upn,
        "displayName": f"{person.family_name} {person.given_name}",
        "mailNickname": person.upn.split("@", 1)[0],
        "accountEnabled": person.enabled,
        "department": school.name if school else "",
        "jobTitle": f"{person.grade} {cls.title}" if cls else person.grade,
        "usageLocation": usage_location,
    }
    if employee_id == "userMasterIdentifier" and len(person.umi) <= EMPLOYEE_ID_MAX:
        fields["employeeId"] = person.umi
    return fields


def _view(ctx: Context, person: PersonRecord) -> dict[str, Any]:
    t = ctx.targets
    return view(person, ctx.plan.roster, t.usage_location, t.employee_id)


def _owned(ctx: Context, person: PersonRecord) -> str:
    """The digest of everything the pipeline owns for ``person``: fields and licence."""
    return digest({**_view(ctx, person), "licence": ctx.targets.student_sku})


def _work(ctx: Context) -> list[tuple[str, str]]:
    """(umi, op) for every account to create/update (``upsert``) or to ``disable``, in umi
    order.

    The order is the journal's: its items are keyed by umi, as are the confirmations folded
    into ``delivered``. Registered in the roster's order, each item landed on a random page of
    the key (20x the time for 10x the items at prefecture scale), and each chunk's status
    update on 20 random pages of it; in umi order both walk the key page after page.
    """
    roster = ctx.plan.roster
    delivered = ctx.journal.delivered(TARGET)
    work = []
    for person in roster.people.values():
        known = delivered.get(person.umi)
        if known is None or known.digest != _owned(ctx, person):
            work.append((person.umi, "upsert"))
    for person in roster.absent.values():
        known = delivered.get(person.umi)
        if not person.enabled and known is not None and known.state != "disabled":
            work.append((person.umi, "disable"))
    work.sort()  # (a umi is in people or in absent, never both)
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
    sku = _sku_id(ctx) if pending else None
    try:
        for start in range(0, total, BATCH_LIMIT):
            ctx.tick(TARGET, start, total)
            failures += _chunk(ctx, pending[start:start + BATCH_LIMIT], result, sku)
    finally:  # the chunks' confirmations, into the delivered state in one pass
        journal.fold()
    ctx.tick(TARGET, total, total)
    if total:
        result.status = "done"
    if failures:
        # the item-level problems (a licence held by PL601/PL602 among them) go with the
        # error, so the run report names each pupil and what is missing
        raise TargetError(TARGET, f"{failures} of {total} accounts failed; the rest are "
                          "journaled and the next run retries only the failed ones",
                          body={"problems": result.problems, "counts": result.counts})
    journal.set_step(plan.id, TARGET, "users", "done")
    return result


def _sku_id(ctx: Context) -> str | None:
    """The skuId of ``student_sku`` (a skuPartNumber is looked up in /subscribedSkus); the
    name itself when the tenant has no such SKU (Graph then refuses it: PL602)."""
    wanted = ctx.targets.student_sku
    if not wanted:
        return None
    client = ctx.targets.m365
    assert client is not None
    for sku in client.subscribed_skus():
        if wanted.lower() in (str(sku.get("skuPartNumber", "")).lower(),
                              str(sku.get("skuId", "")).lower()):
            return str(sku["skuId"]).lower()
    return wanted


def _record(ctx: Context, umi: str) -> PersonRecord:
    roster = ctx.plan.roster
    return roster.people.get(umi) or roster.absent[umi]


def _chunk(ctx: Context, items: list[tuple[str, str]], result: TargetResult,
           sku: str | None = None) -> int:
    client = ctx.targets.m365
    assert client is not None
    people = {umi: _record(ctx, umi) for umi, _ in items}
    looked = client.batch([BatchItem(str(i), "GET", f"/users/{quote(people[umi].upn, safe='@')}"
                                     f"?$select={SELECT}") for i, (umi, _) in enumerate(items)])
    writes: list[BatchItem] = []
    outcome: dict[str, tuple[str, str, str | None]] = {}  # umi → (status, detail, remote id)
    licensed: set[str] = set()  # umis whose account already holds the licence
    for i, (umi, op) in enumerate(items):
        person, res = people[umi], looked[str(i)]
        remote = res.body if res.status == 200 and isinstance(res.body, dict) else None
        if res.status not in (200, 404):
            outcome[umi] = ("failed", f"lookup HTTP {res.status} {res.error_code}".strip(), None)
            continue
        want = _view(ctx, person)
        if remote is not None and sku and any(
                str(lic.get("skuId", "")).lower() == sku
                for lic in remote.get("assignedLicenses") or [] if isinstance(lic, dict)):
            licensed.add(umi)
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
        changes = {k: want[k] for k in PATCHABLE if k in want and remote.get(k) != want[k]}
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
                                _view(ctx, people[umi]))
    if sku:
        _licence(ctx, items, people, outcome, licensed, sku, result)
    return _journal(ctx, items, outcome, result)


def _licence(ctx: Context, items: list[tuple[str, str]], people: dict[str, PersonRecord],
             outcome: dict[str, tuple[str, str, str | None]], licensed: set[str], sku: str,
             result: TargetResult) -> None:
    """Assign ``sku`` to every account of the chunk that is in place and lacks it."""
    client = ctx.targets.m365
    assert client is not None
    todo = [(str(i), umi) for i, (umi, op) in enumerate(items)
            if op == "upsert" and umi not in licensed and outcome[umi][0] == "done"
            and outcome[umi][2]]
    body = {"addLicenses": [{"skuId": sku, "disabledPlans": []}], "removeLicenses": []}
    answers = client.batch([BatchItem(i, "POST", f"/users/{quote(str(outcome[umi][2]), safe='@')}"
                                      "/assignLicense", body) for i, umi in todo])
    for i, umi in todo:
        res = answers[i]
        status, detail, rid = outcome[umi]
        if res.ok:
            result.counts["licensed"] = result.counts.get("licensed", 0) + 1
            continue
        rule = next((r for text, r in LICENCE_REFUSALS if text in res.error_message.lower()),
                    None)
        person = people[umi]
        if rule is None:
            outcome[umi] = ("failed", f"{detail}; licence {ctx.targets.student_sku}: HTTP "
                            f"{res.status} {res.error_code}".strip(), rid)
            continue
        ja, en = REGISTRY[rule].render({"umi": umi, "upn": person.upn,
                                        "sku": ctx.targets.student_sku})
        # the account is in place (journaled by its id), the licence is not: the item stays
        # failed so that the next run finishes this plan and assigns it
        outcome[umi] = ("failed", f"{detail}; licence missing ({rule})", rid)
        result.problems.append({"subject": umi, "rule": rule, "reason": en,
                                "message_ja": ja, "account": person.upn,
                                "missing": "licence"})


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
            changes = {k: want[k] for k in PATCHABLE if k in want and remote.get(k) != want[k]}
            if changes:
                client.update_user(str(remote["id"]), changes)
            return "done", "adopted after duplicate", str(remote["id"])
        except TargetError as exc:
            return "failed", exc.message, None
    return "failed", f"{detail}: HTTP {res.status} {res.error_code}".strip(), rid


def _journal(ctx: Context, items: list[tuple[str, str]],
             outcome: dict[str, tuple[str, str, str | None]], result: TargetResult) -> int:
    confirmed: list[Confirmation] = []
    marks: list[tuple[str, str, str]] = []
    failures = 0
    for umi, op in items:
        status, detail, rid = outcome[umi]
        marks.append((umi, status, detail))
        if status == "done":
            person = _record(ctx, umi)
            state = "disabled" if op == "disable" else "active"
            confirmed.append((umi, state, _owned(ctx, person), {}, rid))
            key = detail.split(" ", 1)[0]
            result.counts[key] = result.counts.get(key, 0) + 1
        else:
            if not any(p["subject"] == umi for p in result.problems):
                result.problems.append({"subject": umi, "reason": detail})
            failures += status == "failed"
    ctx.journal.confirm(TARGET, confirmed, plan_id=ctx.plan.id, items=marks, deferred=True)
    return failures
