"""Delivery to 学習eポータル L-Gate (DESIGN.md rule 11): the bulk, then the initial passwords.

The bulk holds the whole roster (bulk semantics: the e-portal creates and updates; users missing
from it are listed by the e-portal and never deleted). It is sent only when it differs from the
last bulk the e-portal accepted (compared by SHA-256), so a night without changes sends nothing.

The grace policy's disable (DESIGN.md rule 11) reaches Microsoft 365 and the drill app; in the
e-portal a long-missing pupil stays a reported "missing" user for manual handling, because the
jp-eportal-v4 bulk cannot carry a disabled user (OR515: enabledUser must be true) and the e-portal
deletes nothing on its own.

Initial passwords: only the board's entries for people the e-portal gets for the first time
in this run (not adopted by the initial link, 名寄せ), so a person's password is never reset.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from harness.accounts.passwords import render_password_file
from pipeline.apply.bundles import build_bulk, user_row
from pipeline.apply.context import Context, TargetResult, digest
from pipeline.apply.journal import Confirmation

TARGET = "lgate"
STEPS = ("bulk", "passwords")


def deliver(ctx: Context) -> TargetResult:
    """Send the bulk and the new accounts' passwords; raises TargetError on failure."""
    client = ctx.targets.lgate
    assert client is not None
    plan, journal = ctx.plan, ctx.journal
    result = TargetResult(TARGET, "unchanged")
    ctx.tick(TARGET, 0, 2)
    if not ctx.step_done(TARGET, "bulk"):
        built = build_bulk(plan.roster, ctx.targets.source, day=ctx.day)
        sha = hashlib.sha256(built.content).hexdigest()
        detail = ""
        if journal.meta(TARGET, "bulk_sha256") != sha:
            answer = client.upload_bulk(built.content, built.filename)
            journal.set_meta(TARGET, "bulk_sha256", sha)
            detail = json.dumps(_summary(answer))
            result.status = "done"
            for kind in ("created", "updated"):
                result.counts[f"users_{kind}"] = int((answer.get(kind) or {}).get("users", 0))
            missing = (answer.get("missing") or {}).get("users") or []
            result.counts["users_missing"] = len(missing)
        journal.set_step(plan.id, TARGET, "bulk", "done", detail)
    ctx.tick(TARGET, 1, 2)
    if not ctx.step_done(TARGET, "passwords"):
        delivered = journal.delivered(TARGET)
        linked = {d.subject for d in plan.decisions
                  if d.action == "link" and d.target in (TARGET, "all")}
        rows: list[Confirmation] = []
        new = []
        for person in plan.roster.people.values():
            d = digest(user_row(person, plan.roster))
            known = delivered.get(person.umi)
            if known is None or known.digest != d:
                rows.append((person.umi, "active", d, {}, None))
            if known is None and person.umi not in linked:
                new.append(person.umi)
        if new:
            entries = ctx.targets.passwords()
            send = [entries[umi] for umi in new if umi in entries]
            for umi in new:
                if umi not in entries:
                    result.problems.append({"subject": umi,
                                            "reason": "no initial password in the board's file"})
            if send:
                answer = client.upload_passwords(render_password_file(send))
                result.status = "done"
                result.counts["passwords_accepted"] = int(answer.get("accepted", 0))
                rejected = answer.get("rejected") or []
                result.counts["passwords_rejected"] = len(rejected)
                for r in rejected[:50]:
                    result.problems.append({"subject": f"password file line {r.get('line')}",
                                            "reason": str(r.get("message_en", ""))})
        journal.confirm(TARGET, rows)
        journal.set_step(plan.id, TARGET, "passwords", "done")
    ctx.tick(TARGET, 2, 2)
    return result


def _summary(answer: dict[str, Any]) -> dict[str, Any]:
    keep = ("created", "updated", "unchanged")
    out = {k: answer.get(k) for k in keep if isinstance(answer.get(k), dict)}
    out["missing"] = len((answer.get("missing") or {}).get("users") or [])
    return out
