"""データ移行（在校生分）: the initial link (名寄せ) per system, on the first run only."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

from pipeline.model import Decision
from pipeline.plan import Planning
from scenarios.preparation.tasks.items import NOT_PLANNED, advice_item, status, unknown


def migration_task(decisions: list[Decision], planning: Planning,
                   probe: Mapping[str, Any] | None) -> dict[str, Any]:
    """The initial link (名寄せ) per system: adopted, created, held, left over."""
    if planning.outcome is None:
        return unknown(*NOT_PLANNED)
    if planning.outcome.plan.previous is not None:
        return {"status": "done", "items": [], "first_run": False,
                "why_ja": "前回の連携の記録があるため、初回連携（名寄せ）は済んでいます",
                "why_en": "the state holds a previous run: the initial link is done"}
    if probe is None or not probe.get("accounts_read"):
        why = ("学習eポータルと学習アプリの既存アカウントを読まないと、名寄せで引き継ぐ"
               "アカウント・新しく作るアカウント・残るアカウントはわかりません。"
               "--probe を付けて実行してください"
               if probe is None else "既存アカウントを読めませんでした（接続確認を参照）")
        return {**unknown(why, "the initial link needs the e-portal's and the drill app's "
                          "accounts: run with --probe" if probe is None else
                          "the existing accounts could not be read (see the probe)"),
                "first_run": True}
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for d in decisions:
        target = d.fields.get("target", "")
        if d.rule == "PL401":
            per[target]["adopted"] += 1
        elif d.rule == "PL402":
            per[target]["left_over"] += 1
        elif d.rule in ("PL403", "PL404"):
            per[target]["held"] += 1
    created = sum(1 for d in decisions if d.rule == "PL301")
    rules: dict[str, Counter[str]] = defaultdict(Counter)
    for d in decisions:
        if d.rule in ("PL402", "PL403", "PL404"):
            rules[d.fields.get("target", "")][d.rule] += 1
    targets, items = [], []
    for target in probe.get("accounts_read", []):
        c = per.get(target, Counter())
        targets.append({"target": target, "adopted": c["adopted"],
                        "created": max(created - c["adopted"], 0), "held": c["held"],
                        "left_over": c["left_over"]})
        items += [advice_item(rule, target=target, count=n)
                  for rule, n in sorted(rules.get(target, Counter()).items())]
    todo = any(i["held"] or i["left_over"] for i in targets)
    return {"status": status(todo), "items": items, "targets": targets, "first_run": True}
