"""The preview history: one line per preview, counts only, never personal data.

Each preview appends ``{"at", "export" (the file's SHA-256 prefix), "school_year", "people",
"schools", "holds" (rule → count), "findings" (rule → count), "missing", "tasks" (task →
status), "items" (task → item kind → count)}`` to ``preparation-history.jsonl`` in the
config's state folder (or ``--history DIR``).
The page draws the holds by kind over time and says what was fixed and what is new since the
last preview, kind by kind.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FILE = "preparation-history.jsonl"


def entry_for(data: Mapping[str, Any]) -> dict[str, Any]:
    """The history line for one report: kinds and counts, nothing that names a person."""
    check = next(t for t in data["tasks"] if t["id"] == "check")
    promotion = next(t for t in data["tasks"] if t["id"] == "promotion")
    return {"at": data["generated_at"], "export": data["export"]["sha256"][:12],
            "school_year": data["export"]["school_year"],
            "people": data["summary"]["people_to_fix"],
            "schools": data["summary"]["schools_to_fix"],
            "holds": dict(data["summary"]["holds_by_rule"]),
            "findings": {i["rule"]: i["count"] for i in check.get("items", [])},
            "missing": len(promotion.get("missing", [])),
            "tasks": {t["id"]: t["status"] for t in data["tasks"]},
            "items": {t["id"]: item_counts(t["items"]) for t in data["tasks"]}}


def item_counts(items: list[Mapping[str, Any]]) -> dict[str, int]:
    """A task's items as kind → count: an item's count, or one for an item naming a person
    (the person's key itself is never kept)."""
    out: dict[str, int] = {}
    for i in items:
        out[i["kind"]] = out.get(i["kind"], 0) + int(i.get("count", 1))
    return dict(sorted(out.items()))


def load(folder: Path) -> list[dict[str, Any]]:
    """Earlier previews, oldest first (a damaged line is skipped, not fatal)."""
    path = folder / FILE
    if not path.exists():
        return []
    out = []
    for line in path.read_text("utf-8").splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict) and isinstance(item.get("holds"), dict):
            out.append(item)
    return out


def append(folder: Path, entry: Mapping[str, Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILE
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
    return path


def compare(entries: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The trend (every entry's holds by kind) and the change since the previous entry."""
    kinds = sorted({k for e in entries for k in e["holds"]})
    trend = {"at": [e["at"] for e in entries], "people": [e["people"] for e in entries],
             "series": {k: [int(e["holds"].get(k, 0)) for e in entries] for k in kinds}}
    since: dict[str, Any] = {"previous_at": None, "fixed": {}, "new": {}}
    if len(entries) >= 2:
        before, now = entries[-2], entries[-1]
        since["previous_at"] = before["at"]
        for group in ("holds", "findings"):
            for k in sorted(set(before[group]) | set(now[group])):
                delta = int(now[group].get(k, 0)) - int(before[group].get(k, 0))
                if delta < 0:
                    since["fixed"][k] = -delta
                elif delta > 0:
                    since["new"][k] = delta
        since["people_before"], since["people_now"] = before["people"], now["people"]
    return {"previews": len(entries), "first_at": entries[0]["at"] if entries else None,
            "trend": trend, "since_last": since}
