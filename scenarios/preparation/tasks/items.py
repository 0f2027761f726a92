"""What the preparation tasks share: one item's shape, a status, "cannot tell"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipeline.model import Decision
from scenarios.preparation.advice import PIPELINE


def item(kind: str, message: tuple[str, str], fix: tuple[str, str], *, school_code: str = "",
         count: int | None = None, umi: str | None = None, **extra: Any) -> dict[str, Any]:
    """One entry of a task's ``items``: its kind (a rule id, or a named kind such as
    ``promoted``), the school, a count or the person's key (userMasterIdentifier), and the
    message and fix in Japanese and English (schema: ``$defs/item``)."""
    out: dict[str, Any] = {"kind": kind, "school_code": school_code}
    if count is not None:
        out["count"] = count
    if umi is not None:
        out["umi"] = umi
    out.update(message_ja=message[0], message_en=message[1], fix_ja=fix[0], fix_en=fix[1],
               **extra)
    return out


def advice_item(rule: str, *, target: str = "", **where: Any) -> dict[str, Any]:
    """An item told in the words of the rule's advice (:data:`advice.PIPELINE`)."""
    a = PIPELINE[rule]
    suffix_ja, suffix_en = (f"（{target}）", f" ({target})") if target else ("", "")
    return item(rule, (a.problem_ja + suffix_ja, a.problem_en + suffix_en), (a.fix_ja, a.fix_en),
                **({"target": target} if target else {}), **where)


def status(todo: bool) -> str:
    """A task that can be told: to do, or done."""
    return "todo" if todo else "done"


def unknown(why_ja: str, why_en: str) -> dict[str, Any]:
    """A task whose status cannot be told, and why."""
    return {"status": "unknown", "why_ja": why_ja, "why_en": why_en, "items": []}


#: why a task cannot be told when the export was quarantined (no plan)
NOT_PLANNED = ("エクスポートを取り込めないため、計画を作れません（事前データチェックを参照）",
               "the export cannot be taken in, so there is no plan (see the data check)")


def is_rollover(decisions: Iterable[Decision]) -> bool:
    """Whether the plan is the rollover's (the 年度 turned: PL315)."""
    return any(d.rule == "PL315" for d in decisions)
