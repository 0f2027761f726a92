"""データクレンジング・修正: every person held, dropped or renamed, with what to fix."""

from __future__ import annotations

from typing import Any

from pipeline.plan import Planning
from scenarios.preparation.tasks.items import NOT_PLANNED, item, status, unknown


def cleanse_task(people: list[dict[str, Any]], planning: Planning) -> dict[str, Any]:
    """One item per person (:func:`scenarios.preparation.people.gather_people`): the problems
    of the person's outcome (held, dropped or renamed) and their fixes."""
    if planning.outcome is None:
        return unknown(*NOT_PLANNED)
    items = []
    for p in people:
        kind = "hold" if p["held"] else "drop" if p["dropped"] else "rename"
        rs = [r for r in p["reasons"] if r["kind"] == kind] or p["reasons"]
        items.append(item(
            kind, (" ／ ".join(f"{r['problem_ja']}（{r['rule']}）" for r in rs),
                   " / ".join(f"{r['problem_en']} ({r['rule']})" for r in rs)),
            (" ／ ".join(dict.fromkeys(r["fix_ja"] for r in rs)),
             " / ".join(dict.fromkeys(r["fix_en"] for r in rs))),
            umi=p["umi"], school_code=p["school_code"], rules=sorted({r["rule"] for r in rs}),
            april=p["april"]))
    return {"status": status(any(p["held"] for p in people)), "items": items,
            "held": sum(p["held"] for p in people),
            "dropped": sum(p["dropped"] for p in people),
            "renamed": sum(p["april"] == "renamed" for p in people)}
