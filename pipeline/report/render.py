"""Render the run report as JSON, text (rich tables) or one self-contained HTML page."""

from __future__ import annotations

import io
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.report.html import render_html
from pipeline.report.labels import STATUS_JA, plan_columns

FORMATS = ("text", "json", "html")


def render_report(report: dict[str, Any], fmt: str, *, brief: bool = False) -> str:
    """The report as ``text``, ``json`` or ``html``.

    :param brief: text for a terminal: INFO decisions are counted per rule, and only the
        decisions that need attention (WARN, ERROR) are listed one by one. The report written
        with ``-o`` lists every decision.
    """
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return render_html(report)
    if fmt == "text":
        return render_text(report, brief=brief)
    raise ValueError(f"unknown report format {fmt!r} (choose from {', '.join(FORMATS)})")


def plan_table(report: dict[str, Any]) -> Table | None:
    """Decisions by school (rows) and change type (columns), with totals."""
    plan = report.get("plan")
    if not plan:
        return None
    cols = plan_columns(plan["by_action"])
    table = Table(title=f"plan {plan['id']} — by school and change type / 学校別・変更種別",
                  show_footer=bool(cols))
    table.add_column("school / 学校", footer="total / 合計")
    for a in cols:
        table.add_column(a, justify="right", footer=str(plan["by_action"].get(a, 0)))
    names = report.get("schools", {})
    for school, counts in plan["by_school"].items():
        label = f"{names.get(school, '')} {school}".strip() if school != "-" else "(city / 市全体)"
        table.add_row(label, *[str(counts.get(a, "")) for a in cols])
    return table


def delivery_table(report: dict[str, Any]) -> Table | None:
    if not report.get("delivery"):
        return None
    table = Table(title="delivery / 配信")
    for col in ("target", "status", "counts", "message"):
        table.add_column(col)
    for name, r in report["delivery"].items():
        counts = ", ".join(f"{k} {v}" for k, v in r.get("counts", {}).items())
        table.add_row(name, r.get("status", ""), counts, r.get("message", ""))
    return table


def _routine_table(routine: list[dict[str, Any]]) -> Table:
    """INFO decisions counted per rule, with one example each (the full list is in -o)."""
    first: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for d in routine:
        first.setdefault(d["rule"], d)
        counts[d["rule"]] = counts.get(d["rule"], 0) + 1
    table = Table(title=f"routine decisions / 通常の判断 ({len(routine)}; "
                        "every one is listed in the report written with -o)", expand=True)
    for col in ("rule", "action", "count", "example / 例"):
        table.add_column(col, overflow="fold")
    for rule, d in first.items():
        table.add_row(rule, d["action"], str(counts[rule]),
                      f"{d['message_ja']}\n{d['message_en']}")
    return table


def render_text(report: dict[str, Any], *, width: int = 140, brief: bool = False) -> str:
    buf = io.StringIO()
    console = Console(file=buf, width=width, color_system=None, force_terminal=False,
                      highlight=False, emoji=False)
    run = report["run"]
    console.print(f"renkei pipeline — {report['municipality']} ({report['board_code']})")
    console.print(f"status: {run['status']} (exit {run['exit_code']}) — "
                  f"{STATUS_JA.get(run['status'], '')}")
    if run.get("message"):
        console.print(run["message"])
    if run.get("export"):
        console.print(f"export: {run['export'].get('file', '')} "
                      f"sha256 {run['export'].get('sha256', '')}")
    for table in (plan_table(report), delivery_table(report)):
        if table is not None:
            console.print(table)
    decisions = report["decisions"]
    if brief:
        routine = [d for d in decisions if d["severity"] == "INFO"]
        decisions = [d for d in decisions if d["severity"] != "INFO"]
        if routine:
            console.print(_routine_table(routine))
    if decisions:
        title = "needing attention / 要確認" if brief else "decisions / 判断"
        table = Table(title=f"{title} ({len(decisions)})", expand=True)
        for col in ("rule", "sev", "action", "target", "who / 対象", "reason / 理由"):
            table.add_column(col, overflow="fold")
        for d in decisions:
            table.add_row(d["rule"], d["severity"], d["action"], d["target"],
                          d["label"] or d["subject"], f"{d['message_ja']}\n{d['message_en']}")
        console.print(table)
    problems = [(t, p) for t, r in report.get("delivery", {}).items()
                for p in r.get("problems", [])]
    if problems:
        table = Table(title="delivery problems / 配信時の問題")
        for col in ("target", "subject", "reason"):
            table.add_column(col, overflow="fold")
        for t, p in problems:
            table.add_row(t, p.get("subject", ""), p.get("reason", ""))
        console.print(table)
    return buf.getvalue()
