"""The rehearsal on a municipality's own data: their export and their configuration, touching
no real system.

It runs the pipeline's own plan path (:func:`pipeline.plan.plan_export`: validate → read →
preprocess → initial link → reconcile → guard, no network IO, nothing written) against a *copy*
of their state database, then lists
everything in their data that will break or be held in April — each with its rule id, where
it is, and what to fix (the rule's what/why from the catalogue).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import sqlite3
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from harness.core import Finding, Rule, RuleRegistry, Severity
from harness.report import Report
from pipeline.config import Config
from pipeline.plan import AccountLister, Planning, plan_export
from pipeline.state import State, StateError

#: decisions worth a line in the preview (the rest are counted)
LISTED_ACTIONS = ("hold", "drop", "refuse", "missing", "disable", "delete", "mismatch",
                  "report", "merge", "rename", "graduate")


class PreviewError(Exception):
    """The export or the configuration cannot be used (message says which and why)."""


@dataclasses.dataclass
class Preview:
    """What April will do with this municipality's data."""

    report: Report
    counts: dict[str, int]
    quarantined: bool
    refused: bool
    holds: int

    @property
    def exit_code(self) -> int:
        """0 nothing blocks April; 1 people will be held; 2 the export or the plan is refused."""
        if self.quarantined or self.refused:
            return 2
        return 1 if self.holds else 0


def _registry() -> RuleRegistry:
    from harness.oneroster import REGISTRY as OR
    from pipeline.rules import REGISTRY as PL

    combined = RuleRegistry("rehearsal")
    for source in (OR, PL):
        for rule in source:
            if rule.id not in combined:
                combined.add(rule)
    return combined


def _fix(rule: Rule) -> str:
    return f"{rule.what} {rule.why}".strip()


def preview_export(export: str | Path, config_path: str | Path, *,
                   now: dt.datetime | None = None) -> Preview:
    """Preview ``export`` under the configuration at ``config_path`` (no system touched).

    :raises PreviewError: the configuration or the export cannot be read.
    """
    from pipeline.config import ConfigError, load_config

    export = Path(export)
    if not export.exists():
        raise PreviewError(f"{export}: no such file")
    try:
        config = load_config(config_path)
    except ConfigError as exc:
        raise PreviewError(f"configuration: {exc}") from None
    registry = _registry()
    planning = plan_on_copy(export, config, now=now or dt.datetime.now(dt.UTC))
    findings: list[Finding] = list(planning.validation.findings)
    counts: Counter[str] = Counter(f.rule for f in findings)
    refused = False
    holds = 0
    decisions: Counter[str] = Counter()
    if planning.outcome is not None:
        plan = planning.outcome.plan
        refused = plan.refused
        for d in plan.decisions:
            decisions[d.action] += 1
            holds += d.action == "hold"
            if d.action not in LISTED_ACTIONS or d.rule not in registry:
                continue
            rule = registry[d.rule]
            ja, en = rule.render(dict(d.fields))
            findings.append(Finding(rule.id, rule.severity, f"{d.target}", None, None,
                                    d.subject, ja, f"{en} — fix: {_fix(rule)}", rule.spec))
            counts[rule.id] += 1
    quarantined = planning.outcome is None
    by_severity: Counter[str] = Counter()
    for rule_id, n in counts.items():
        sev = registry[rule_id].severity if rule_id in registry else Severity.INFO
        by_severity[sev.name] += n
    report = Report(
        kit="rehearsal", subject=str(export), profile=config.profile, registry=registry,
        findings=findings,
        summary={"total": sum(counts.values()),
                 "by_severity": {s.name: by_severity.get(s.name, 0) for s in reversed(Severity)},
                 "by_rule": dict(sorted(counts.items())), "suppressed": {}},
        rules_run=sorted(set(counts) | {r.id for r in registry if r.id.startswith("PL")}),
        extra={"decisions": dict(decisions), "quarantined": quarantined,
               "refused": refused, "holds": holds},
    )
    return Preview(report, dict(decisions), quarantined, refused, holds)


def plan_on_copy(export: Path, config: Config, *, now: dt.datetime,
                 accounts: AccountLister | None = None) -> Planning:
    """The pipeline's own plan path (:func:`pipeline.plan.plan_export`) on a *copy* of the
    configured state: their state file is only read, and the copy is removed.

    :raises PreviewError: the export or the state cannot be read.
    """
    with tempfile.TemporaryDirectory(prefix="renkei-preview-") as tmp:
        state_copy = Path(tmp) / "state.sqlite"
        try:
            if Path(config.state_path).exists():
                # A consistent copy (WAL included) of their state: the plan is made against
                # their last applied snapshot, and their file is only read.
                with sqlite3.connect(f"file:{config.state_path}?mode=ro", uri=True) as src, \
                        sqlite3.connect(state_copy) as dst:
                    src.backup(dst)
            sha = _sha256(export)
            with State(state_copy) as state:
                return plan_export(export, dataclasses.replace(config, state_path=state_copy),
                                   state, export_sha256=sha, now=now, accounts=accounts)
        except (StateError, sqlite3.Error, OSError) as exc:
            raise PreviewError(f"{export}: {exc}") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def summary_lines(preview: Preview) -> list[str]:
    """A few lines for the terminal."""
    p = preview
    verdict = ("refused: the export would be quarantined" if p.quarantined else
               "refused: the mass-change guard would trip" if p.refused else
               f"{p.holds} hold(s) to fix before April" if p.holds else "nothing blocks April")
    by = ", ".join(f"{k} {v}" for k, v in sorted(p.counts.items())) or "no decisions"
    return [f"preview: {verdict}", f"plan: {by}"]


def as_dict(preview: Preview) -> dict[str, Any]:
    return {"exit_code": preview.exit_code, "decisions": preview.counts,
            "quarantined": preview.quarantined, "refused": preview.refused,
            "holds": preview.holds}
