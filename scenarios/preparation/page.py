"""The 準備状況レポート as one HTML page, through the shared environment
(:mod:`harness.report.htmlkit`): Japanese first with an English toggle, offline, printable
with one school per printed page for the fix lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.report.htmlkit import render_page
from scenarios.preparation.advice import PIPELINE
from scenarios.preparation.fixlists import HEADER, rows_by_school
from scenarios.preparation.tasks.promotion import PROMOTION_KINDS

TARGET_NAMES = {"lgate": "学習eポータル (L-Gate)", "m365": "Microsoft 365",
                "drill": "学習アプリ (インタラクティブスタディ)", "c4th": "校務支援システム (C4th)"}



def render_preparation(data: Mapping[str, Any]) -> str:
    """The page for the report ``data`` (:func:`scenarios.preparation.build_preparation`)."""
    tasks = {t["id"]: t for t in data["tasks"]}
    promo_rows = promotion_rows(tasks["promotion"]["items"])
    promo_series = [(ja, [float(x.get(k, 0)) for x in promo_rows])
                    for k, ja, _ in PROMOTION_KINDS[:7] if any(x.get(k) for x in promo_rows)]
    history = data.get("history") or {}
    series = history.get("trend", {}).get("series", {})
    history_series = [(k, [float(v) for v in values]) for k, values in sorted(series.items())]
    names = {s["school_code"]: s["school_name"] for s in data["schools"]}
    deadline = tasks["cleanse"]["deadline"]
    fix_lists = [{"code": code, "name": names.get(code, ""), "rows": rows,
                  "deadline": deadline}
                 for code, rows in sorted(rows_by_school(data).items())]
    by_school: dict[str, list[Mapping[str, Any]]] = {}
    for p in data["people"]:
        by_school.setdefault(p["school_code"], []).append(p)
    people_by_school = [{"code": code, "name": names.get(code) or (people[0]["school_name"]),
                         "people": people} for code, people in sorted(by_school.items())]
    titles = {code: a.problem_ja for code, a in PIPELINE.items()}
    timeline = data["timeline"]
    marks_ja = [(timeline["today"], "今日", False)] + [
        (m["date"], m["ja"].split("（")[0], m["passed"]) for m in timeline["milestones"]]
    marks_en = [(timeline["today"], "today", False)] + [
        (m["date"], m["en"].split(" (")[0], m["passed"]) for m in timeline["milestones"]]
    start = min([timeline["today"], *(m["date"] for m in timeline["milestones"])])
    csv_of = {f"{name.split('/', 1)[-1].split('_', 1)[0]}": name
              for name in data.get("fix_lists", [])}
    return render_page("scenarios.preparation/preparation.html", d=data, tasks=tasks,
                       csv_of=csv_of, marks_ja=sorted(marks_ja), marks_en=sorted(marks_en),
                       timeline_start=start,
                       target_names=TARGET_NAMES, promo_cols=PROMOTION_KINDS,
                       promo_rows=promo_rows, promo_series=promo_series,
                       history_series=history_series,
                       fix_lists=fix_lists, fix_header=HEADER, rule_titles=titles,
                       people_by_school=people_by_school)


def promotion_rows(items: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The promotion task's per-school counts (its ``items`` with a count) as one table row
    per school, in school-code order."""
    rows: dict[str, dict[str, Any]] = {}
    for x in items:
        if "count" in x:
            row = rows.setdefault(x["school_code"], {"school_code": x["school_code"],
                                                     "school_name": x.get("school_name", "")})
            row[x["kind"]] = x["count"]
    return [rows[code] for code in sorted(rows)]
