"""Build the run report document from a plan, its delivery and the run's outcome."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pipeline.model import ClassRecord, Decision, PersonRecord, Plan, Roster, SchoolRecord
from pipeline.rules import REGISTRY

SCHEMA_ID = "https://renkei.example/schemas/pipeline-report/1"
#: Run statuses and the exit code each gives (issue 8).
STATUSES = {"applied": 0, "nothing-to-do": 0, "dry-run": 0, "holds": 1, "refused": 2,
            "quarantined": 2, "interrupted": 3}
#: How decisions group into the plan table's change types (columns).
CHANGE_TYPES = ("create", "update", "move", "rename", "promote", "graduate", "disable",
                "delete", "enable", "missing", "hold", "drop", "link", "mismatch", "merge",
                "refuse")


def _severity_and_messages(d: Decision) -> tuple[str, str, str]:
    try:
        rule = REGISTRY[d.rule]
    except KeyError:
        text = ", ".join(f"{k}={v}" for k, v in sorted(d.fields.items()))
        return "INFO", f"{d.rule} {text}", f"{d.rule} {text}"
    ja, en = rule.render(dict(d.fields))
    return str(rule.severity), ja, en


def _find(subject: str, rosters: Iterable[Roster | None]
          ) -> tuple[Roster, PersonRecord | SchoolRecord | ClassRecord] | None:
    """The first roster that knows ``subject`` (a person, then a school, then a class) and the
    record it holds for it."""
    for roster in rosters:
        if roster is None:
            continue
        record = (roster.people.get(subject) or roster.absent.get(subject)
                  or roster.schools.get(subject) or roster.classes.get(subject))
        if record is not None:
            return roster, record
    return None


def _school_of(subject: str, rosters: Iterable[Roster | None]) -> str:
    found = _find(subject, rosters)
    if found is not None:
        return found[1].school_code
    head = subject.split("/", 1)[0]
    return head if len(head) == 13 and head[:1].isalpha() else ""


def _label(subject: str, rosters: Iterable[Roster | None]) -> str:
    found = _find(subject, rosters)
    if found is None:
        return ""
    roster, record = found
    if isinstance(record, PersonRecord):
        cls = roster.classes.get(record.class_key)
        return (f"{record.family_name} {record.given_name}"
                f"（{record.grade} {cls.title if cls else ''}）")
    return record.name if isinstance(record, SchoolRecord) else record.title


def school_names(plan: Plan | None) -> dict[str, str]:
    names: dict[str, str] = {}
    for roster in (plan.previous, plan.roster) if plan else ():
        if roster is not None:
            names.update({code: s.name for code, s in roster.schools.items()})
    return names


def plan_tables(plan: Plan) -> dict[str, Any]:
    """Counts by change type, and by school and change type (the plan table)."""
    rosters = (plan.roster, plan.previous)
    by_action: Counter[str] = Counter()
    by_school: dict[str, Counter[str]] = defaultdict(Counter)
    for d in plan.decisions:
        by_action[d.action] += 1
        by_school[_school_of(d.subject, rosters) or "-"][d.action] += 1
    return {"by_action": dict(sorted(by_action.items())),
            "by_school": {school: dict(sorted(c.items()))
                          for school, c in sorted(by_school.items())}}


def decision_json(d: Decision, rosters: Iterable[Roster | None]) -> dict[str, Any]:
    rosters = tuple(rosters)
    severity, ja, en = _severity_and_messages(d)
    return {"rule": d.rule, "severity": severity, "action": d.action, "subject": d.subject,
            "label": _label(d.subject, rosters), "target": d.target,
            "school": _school_of(d.subject, rosters), "message_ja": ja, "message_en": en,
            "fields": {str(k): str(v) for k, v in d.fields.items()}}


def build_report(*, municipality: str, board_code: str, status: str, plan: Plan | None,
                 delivery: Mapping[str, Any] | None = None, dry_run: bool = False,
                 export: Mapping[str, str] | None = None, message: str = "",
                 started_at: str | None = None, finished_at: str | None = None,
                 resumed: Iterable[str] = (), extra_decisions: Iterable[Decision] = (),
                 exit_code: int | None = None) -> dict[str, Any]:
    """The report document (see ``docs/pipeline-report.schema.json``).

    :param status: one of :data:`STATUSES`.
    :param delivery: target → :class:`~pipeline.apply.TargetResult` JSON (``to_json()``).
    :param extra_decisions: decisions made outside the plan (quarantine, resumed plans).
    """
    if status not in STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    rosters = (plan.roster, plan.previous) if plan else ()
    decisions = [decision_json(d, rosters) for d in (*extra_decisions,
                                                     *(plan.decisions if plan else ()))]
    sev = Counter(d["severity"] for d in decisions)
    return {
        "$schema": SCHEMA_ID,
        "municipality": municipality, "board_code": board_code,
        "run": {"status": status,
                "exit_code": STATUSES[status] if exit_code is None else exit_code,
                "dry_run": dry_run, "started_at": started_at or now,
                "finished_at": finished_at or now, "message": message,
                "export": dict(export) if export else None, "resumed": list(resumed)},
        "plan": None if plan is None else {
            "id": plan.id, "created_at": plan.created_at, "refused": plan.refused,
            "people": len(plan.roster.people), "schools": len(plan.roster.schools),
            "classes": len(plan.roster.classes), **plan_tables(plan)},
        "schools": school_names(plan),
        "summary": {"decisions": len(decisions), "by_severity": dict(sorted(sev.items())),
                    "holds": sum(1 for d in decisions if d["action"] == "hold"),
                    "drops": sum(1 for d in decisions if d["action"] == "drop")},
        "decisions": decisions,
        "delivery": {name: dict(r) for name, r in (delivery or {}).items()},
    }
