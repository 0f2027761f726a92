"""事前データチェック: the export's OneRoster findings, grouped by rule."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from harness.core import Finding, RuleRegistry, Severity
from pipeline.plan import Planning
from scenarios.preparation.advice import ONEROSTER, OWNERS, owner_of_file
from scenarios.preparation.tasks.items import item, status


def check_task(planning: Planning, registry: RuleRegistry) -> dict[str, Any]:
    """The export's OneRoster findings, grouped by rule, with what they mean and who fixes."""
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in planning.validation.findings:
        groups[f.rule].append(f)
    items = []
    for rule_id, found in sorted(groups.items(), key=lambda kv: (-kv[1][0].severity.value,
                                                                 kv[0])):
        rule = registry[rule_id] if rule_id in registry else None  # noqa: SIM401 (no .get)
        sev = found[0].severity
        blocking = sev is Severity.ERROR and rule_id in planning.validation.errors
        owner, fix_ja, fix_en = ONEROSTER.get(
            rule_id, (owner_of_file(found[0].file), *_check_fix(sev, blocking)))
        items.append(item(
            rule_id, (found[0].message_ja, found[0].message_en), (fix_ja, fix_en),
            count=len(found), rule=rule_id, severity=sev.name, blocking=blocking,
            title=rule.title if rule else rule_id,
            meaning_en=f"{rule.what} {rule.why}".strip() if rule else "",
            owner=owner, owner_ja=OWNERS[owner][0], owner_en=OWNERS[owner][1],
            files=sorted({f.file or "" for f in found}), spec=rule.spec if rule else ""))
    todo = any(i["severity"] != "INFO" for i in items)
    return {"status": status(todo), "items": items,
            "errors": sum(planning.validation.errors.values()),
            "tolerated": sum(planning.validation.tolerated.values())}


def _check_fix(sev: Severity, blocking: bool) -> tuple[str, str]:
    if blocking:
        return ("このままではエクスポート全体が取り込まれません。C4th のデータか出力設定を直す",
                "the whole export is refused as it is: fix the data or C4th's export settings")
    if sev is Severity.ERROR:
        return ("該当者だけが保留されます（データクレンジング・修正を参照）",
                "only the people concerned are held (see data cleansing)")
    if sev is Severity.WARN:
        return ("取り込みは止まりませんが、直すことを勧めます",
                "does not stop the run; fixing it is recommended")
    return ("情報のみ", "for information")
